package org.ichnode.dicom.net;

import org.ichnode.core.net.FreePorts;
import org.ichnode.core.volume.EllipseHead;
import org.ichnode.dicom.spool.DicomSpool;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.dicom.spool.InstanceIndex;
import org.ichnode.dicom.spool.StoredInstance;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.dicom.write.CtSeriesWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The storage SCU against real peers: DCMTK storescp and dcmqrscp and our own StorageScp, over loopback. */
class StorageScuTest {
    @TempDir Path tmp;
    private Process peer;
    private StorageScp scp;
    private final StorageScu scu = new StorageScu(Duration.ofSeconds(5), Duration.ofSeconds(20));

    @AfterEach
    void stop() throws Exception {
        if (peer != null) {
            peer.destroy();
            if (!peer.waitFor(5, TimeUnit.SECONDS)) peer.destroyForcibly();
        }
        if (scp != null) scp.close();
    }

    /** Starts DCMTK storescp writing exactly what it receives (+B) into {@code out}; returns its port. */
    private int startStorescp(Path out, String... extra) throws Exception {
        Files.createDirectories(out);
        List<String> cmd = new ArrayList<>(List.of("storescp", "-v", "-aet", "STORESCP", "+B", "-od", out.toString()));
        cmd.addAll(Arrays.asList(extra));
        return startPeer(cmd, FreePorts.pick());
    }

    /** DCMTK's archive: C-STORE into its own database, C-FIND on it; AE title PACS, any caller. */
    private int startDcmqrscp() throws Exception {
        Path db = Files.createDirectories(tmp.resolve("db"));
        Path cfg = tmp.resolve("dcmqrscp.cfg");
        int port = FreePorts.pick();
        Files.writeString(cfg, "NetworkTCPPort = " + port + "\nMaxPDUSize = 16384\nMaxAssociations = 16\n"
                + "HostTable BEGIN\nHostTable END\nVendorTable BEGIN\nVendorTable END\n"
                + "AETable BEGIN\nPACS " + db + " RW (200, 1024mb) ANY\nAETable END\n");
        return startPeer(List.of("dcmqrscp", "-c", cfg.toString()), port);
    }

    /** Starts a DCMTK peer (its log in {@code <tool>.log}) on {@code port}, given as the last argument, and waits for it. */
    private int startPeer(List<String> command, int port) throws Exception {
        String tool = command.get(0);
        Tools.requireTool(tool);
        List<String> cmd = new ArrayList<>(command);
        cmd.add(String.valueOf(port));
        Path log = tmp.resolve(tool + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("TCP_NODELAY", "1");
        peer = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return port;
            } catch (IOException e) {
                if (!peer.isAlive() || System.nanoTime() > deadline) fail(tool + " did not start: " + Files.readString(log));
                Thread.sleep(50);
            }
        }
    }

    private StorageScp startScp(Path storage, InstanceIndex index) throws IOException {
        DicomSpool spool = new DicomSpool(storage, index, 0, ScpSettings.CT_STORAGE);
        ScpSettings settings = new ScpSettings("ICHNODE", InetAddress.getLoopbackAddress(), 0,
                CallerAllowlist.parse("*"), 4, 262144, Duration.ofSeconds(5),
                ScpSettings.CT_STORAGE, ScpSettings.DEFAULT_TRANSFER_SYNTAXES);
        scp = new StorageScp(settings, spool);
        return scp;
    }

    /** The data set bytes: the file minus preamble and meta header. */
    private static byte[] dataSet(Path file) throws IOException {
        Part10File p = Part10File.read(file);
        byte[] all = Files.readAllBytes(file);
        return Arrays.copyOfRange(all, (int) p.dataSetOffset(), all.length);
    }

    /** SOP Instance UID -> received file, for everything storescp wrote. */
    private static Map<String, Path> received(Path out) throws IOException {
        Map<String, Path> m = new HashMap<>();
        try (var s = Files.walk(out)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) m.put(Part10File.read(p).sopInstanceUid(), p);
        }
        return m;
    }

    private void assertArrivedByteIdentical(List<Path> files, Path out) throws IOException {
        Map<String, Path> got = received(out);
        assertEquals(files.size(), got.size());
        for (Path f : files) {
            Path r = got.get(Part10File.read(f).sopInstanceUid());
            assertNotNull(r, f + " arrived");
            assertArrayEquals(dataSet(f), dataSet(r), "data set of " + f.getFileName() + " byte-identical");
        }
    }

    @Test
    void realSeriesArrivesAtStorescpByteIdentical() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("ge-head-tilted"));
        Path out = tmp.resolve("received");
        int port = startStorescp(out, "--max-pdu", "131072");
        long t0 = System.nanoTime();
        List<StoreOutcome> outcomes = scu.send(new Destination("pacs", "STORESCP", "127.0.0.1", port), "ICHNODE", files);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(files.size(), outcomes.size());
        for (int i = 0; i < files.size(); i++) {
            StoreOutcome o = outcomes.get(i);
            assertEquals(files.get(i), o.file());
            assertEquals(StoreOutcome.Result.DELIVERED, o.result(), o.toString());
            assertEquals(0, o.status());
            assertNull(o.reason());
        }
        assertArrivedByteIdentical(files, out);
        System.out.printf("StorageScu -> storescp: %d files in %d ms%n", files.size(), ms);
    }

    @Test
    void dataSetsAreFragmentedToThePeersSmallMaxPdu() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("philips-head-phantom-5mm")).subList(0, 4); // ~0.5 MB each
        Path out = tmp.resolve("received");
        int port = startStorescp(out, "-d", "--max-pdu", "16384");
        List<StoreOutcome> outcomes = scu.send(new Destination("pacs", "STORESCP", "127.0.0.1", port), "ICHNODE", files);
        assertTrue(outcomes.stream().allMatch(StoreOutcome::isDelivered), outcomes.toString());
        assertArrivedByteIdentical(files, out);
        // storescp refuses PDUs larger than its maximum, so arriving intact means we fragmented to 16384
        assertTrue(Files.readString(tmp.resolve("storescp.log")).matches("(?s).*Our Max PDU Receive Size:\\s+16384.*"),
                "storescp announced 16384");
    }

    @Test
    void fileInATransferSyntaxThePeerDoesNotAcceptFailsAloneWithAClearReason() throws Exception {
        Path ct = Tools.files(Tools.realCt("philips-head-phantom-5mm")).get(0);
        Path other = Tools.files(Tools.realCt("philips-head-phantom-5mm")).get(1);
        Path rle = tmp.resolve("rle.dcm");
        assertEquals(0, Tools.run(List.of("dcmcrle", ct.toString(), rle.toString())).exitCode());
        Path out = tmp.resolve("received");
        int port = startStorescp(out); // default: uncompressed transfer syntaxes only
        List<StoreOutcome> outcomes = scu.send(new Destination("pacs", "STORESCP", "127.0.0.1", port), "ICHNODE", List.of(rle, other));
        assertEquals(StoreOutcome.Result.FAILED, outcomes.get(0).result());
        assertTrue(outcomes.get(0).reason().contains(Uids.RLE_LOSSLESS), outcomes.get(0).reason());
        assertEquals(StoreOutcome.Result.DELIVERED, outcomes.get(1).result(), outcomes.get(1).toString());
        assertEquals(1, received(out).size());
    }

    @Test
    void deliversToOurOwnScpAndReportsItsRefusal() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("philips-head-phantom-5mm")).subList(0, 3);
        Map<String, StoredInstance> recorded = new ConcurrentHashMap<>();
        startScp(tmp.resolve("ok"), i -> recorded.put(i.header().sopInstanceUid(), i));
        List<StoreOutcome> ok = scu.send(new Destination("node", "ICHNODE", "127.0.0.1", scp.port()), "PACS", files);
        assertTrue(ok.stream().allMatch(StoreOutcome::isDelivered), ok.toString());
        assertEquals(3, recorded.size());
        scp.close();

        startScp(tmp.resolve("failing"), i -> { throw new IllegalStateException("database down"); });
        List<StoreOutcome> refused = scu.send(new Destination("node", "ICHNODE", "127.0.0.1", scp.port()), "PACS", files);
        for (StoreOutcome o : refused) {
            assertEquals(StoreOutcome.Result.REFUSED, o.result(), o.toString());
            assertEquals(DimseStatus.OUT_OF_RESOURCES, o.status());
            assertTrue(o.reason().contains("A700"), o.reason());
        }
    }

    @Test
    void closedPortIsAConnectFailure() throws Exception {
        int port = FreePorts.pick();
        List<Path> files = List.of(Tools.files(Tools.realCt("philips-head-phantom-5mm")).get(0));
        AssociationException e = assertThrows(AssociationException.class,
                () -> scu.send(new Destination("pacs", "PACS", "127.0.0.1", port), "ICHNODE", files));
        assertEquals(AssociationException.Kind.CONNECT_FAILED, e.kind());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void wrongCalledAeIsRejectedWithTheReason() throws Exception {
        startScp(tmp.resolve("storage"), i -> { });
        List<Path> files = List.of(Tools.files(Tools.realCt("philips-head-phantom-5mm")).get(0));
        AssociationException e = assertThrows(AssociationException.class,
                () -> scu.send(new Destination("node", "SOMEONE", "127.0.0.1", scp.port()), "PACS", files));
        assertEquals(AssociationException.Kind.REJECTED, e.kind());
        assertTrue(e.isPermanent());
        assertTrue(e.getMessage().contains("called AE title not recognized"), e.getMessage());
    }

    @Test
    void silentPeerTimesOut() throws Exception {
        List<Path> files = List.of(Tools.files(Tools.realCt("philips-head-phantom-5mm")).get(0));
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            StorageScu impatient = new StorageScu(Duration.ofSeconds(2), Duration.ofMillis(500));
            AssociationException e = assertThrows(AssociationException.class,
                    () -> impatient.send(new Destination("x", "X", "127.0.0.1", silent.getLocalPort()), "ICHNODE", files));
            assertEquals(AssociationException.Kind.TIMEOUT, e.kind());
        }
    }

    @Test
    void unreadableFileFailsWithoutAnAssociation() throws Exception {
        Path junk = tmp.resolve("junk.dcm");
        Files.writeString(junk, "not dicom");
        List<StoreOutcome> o = scu.send(new Destination("x", "X", "127.0.0.1", 1), "ICHNODE", List.of(junk));
        assertEquals(StoreOutcome.Result.FAILED, o.get(0).result());
        assertTrue(o.get(0).reason().contains("not a DICOM Part 10 file"), o.get(0).reason());
    }

    @Test
    void peerThatAcceptsButStopsReadingEndsInATimelyFailure() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("ge-head-tilted")).subList(0, 6);
        try (ServerSocket server = new ServerSocket()) {
            server.setReceiveBufferSize(4096);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread peer = new Thread(() -> {
                try (Socket s = server.accept()) {
                    var in = new java.io.DataInputStream(s.getInputStream());
                    in.readUnsignedByte();
                    in.readUnsignedByte();
                    byte[] body = new byte[in.readInt()];
                    in.readFully(body);
                    AssociateRequest rq = AssociateRequest.parse(body, body.length);
                    List<Pdus.ContextResult> results = rq.contexts().stream()
                            .map(pc -> new Pdus.ContextResult(pc.id(), 0, pc.transferSyntaxes().get(0))).toList();
                    s.getOutputStream().write(Pdus.associateAccept(rq, results, 16384));
                    s.getOutputStream().flush();
                    Thread.sleep(30_000); // accepted, then never reads again
                } catch (Exception ignored) {
                    // the test is over
                }
            });
            peer.setDaemon(true);
            peer.start();
            StorageScu impatient = new StorageScu(Duration.ofSeconds(2), Duration.ofSeconds(1));
            long t0 = System.nanoTime();
            List<StoreOutcome> o = impatient.send(new Destination("stuck", "STUCK", "127.0.0.1", server.getLocalPort()), "ICHNODE", files);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 8000, "gave up after " + ms + " ms");
            assertTrue(o.stream().noneMatch(StoreOutcome::isDelivered), o.toString());
            assertTrue(o.get(0).reason().contains("stopped reading") || o.get(0).reason().contains("no C-STORE response"), o.get(0).reason());
            assertTrue(o.get(5).reason().startsWith("not sent: "), o.get(5).reason());
            peer.interrupt();
        }
    }

    @Test
    void findsExactlyTheInstancesTheArchiveHolds() throws Exception {
        List<Path> series = ellipseSeries();
        Destination archive = new Destination("pacs", "PACS", "127.0.0.1", startDcmqrscp());
        List<Path> sent = series.subList(0, 4);
        for (StoreOutcome o : scu.send(archive, "ICHNODE", sent)) assertTrue(o.isDelivered(), o.toString());

        Set<String> found = scu.findStored(archive, "ICHNODE", keys(series));
        Set<String> expected = new HashSet<>();
        for (StorageScu.InstanceKey k : keys(sent)) expected.add(k.sopInstanceUid());
        assertEquals(expected, found, "the 4 sent of 7, not the 3 others of the same series");
        assertEquals(Set.of(), scu.findStored(archive, "ICHNODE", keys(series.subList(4, 7))));
    }

    @Test
    void aPeerWithoutQueryServiceCannotBeAsked() throws Exception {
        int port = startStorescp(tmp.resolve("received"));
        AssociationException e = assertThrows(AssociationException.class, () -> scu.findStored(
                new Destination("pacs", "STORESCP", "127.0.0.1", port), "ICHNODE", keys(ellipseSeries().subList(0, 1))));
        assertTrue(e.getMessage().contains("does not offer Study Root C-FIND"), e.getMessage());
    }

    /** Seven 64x64 slices of a synthetic head: no shared data needed. */
    private List<Path> ellipseSeries() throws IOException {
        CtSeriesWriter.Series s = new CtSeriesWriter.Series("Test^Find",
                "FIND-0001", "19600101", "O", false, "2.25.5512001", "2.25.5512001.1", "1", "ACC0002", "20261207", "101500",
                "CT HEAD (TEST)", "Head 5mm", "ich-node tests", "ich-node tests", "TEST", "Ellipse head", "1", 5.0, 0, List.of());
        return CtSeriesWriter.write(s,
                EllipseHead.volume(64, 64, 7, 2.0, 5.0, 0, "2.25.5512001.1"), tmp.resolve("series"));
    }

    private static List<StorageScu.InstanceKey> keys(List<Path> files) throws IOException {
        List<StorageScu.InstanceKey> keys = new ArrayList<>();
        for (Path f : files) {
            InstanceHeader h = InstanceHeader.read(f);
            keys.add(new StorageScu.InstanceKey(h.studyInstanceUid(), h.seriesInstanceUid(), h.sopInstanceUid()));
        }
        return keys;
    }

    @Test
    void backoffIsExponentialAndCapped() {
        Duration base = Duration.ofSeconds(30), max = Duration.ofHours(1);
        assertEquals(Duration.ofSeconds(30), Backoff.exponential(base, 2, max, 1));
        assertEquals(Duration.ofSeconds(60), Backoff.exponential(base, 2, max, 2));
        assertEquals(Duration.ofSeconds(240), Backoff.exponential(base, 2, max, 4));
        assertEquals(max, Backoff.exponential(base, 2, max, 20));
        assertEquals(max, Backoff.exponential(base, 2, max, 5000));
        assertThrows(IllegalArgumentException.class, () -> Backoff.exponential(base, 2, max, 0));
    }
}
