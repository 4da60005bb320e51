package org.ichnode.dicom.net;

import org.ichnode.core.volume.EllipseHead;
import org.ichnode.dicom.spool.InstanceHeader;
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
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** The storage SCU asks a real query/retrieve SCP (DCMTK dcmqrscp) which instances it holds already. */
class StorageScuFindTest {
    @TempDir Path tmp;
    private Process peer;
    private final StorageScu scu = new StorageScu(Duration.ofSeconds(5), Duration.ofSeconds(20));

    @AfterEach
    void stop() throws Exception {
        if (peer != null) {
            peer.destroy();
            if (!peer.waitFor(5, TimeUnit.SECONDS)) peer.destroyForcibly();
        }
    }

    @Test
    void findsExactlyTheInstancesTheArchiveHolds() throws Exception {
        List<Path> series = series();
        int port = startDcmqrscp();
        Destination archive = new Destination("pacs", "PACS", "127.0.0.1", port);
        List<Path> sent = series.subList(0, 4);
        for (StoreOutcome o : scu.send(archive, "ICHNODE", sent)) assertTrue(o.isDelivered(), o.toString());

        Set<String> found = scu.findStored(archive, "ICHNODE", keys(series));
        Set<String> expected = keys(sent).stream().map(StorageScu.InstanceKey::sopInstanceUid).collect(Collectors.toSet());
        assertEquals(expected, found, "the 4 sent of 7, not the 3 others of the same series");
        assertEquals(Set.of(), scu.findStored(archive, "ICHNODE", keys(series.subList(4, 7))));
    }

    @Test
    void aPeerWithoutQueryServiceCannotBeAsked() throws Exception {
        int port = startPeer(List.of("storescp", "-aet", "STORESCP"), "storescp");
        AssociationException e = assertThrows(AssociationException.class, () -> scu.findStored(
                new Destination("pacs", "STORESCP", "127.0.0.1", port), "ICHNODE", keys(series().subList(0, 1))));
        assertTrue(e.getMessage().contains("does not offer Study Root C-FIND"), e.getMessage());
    }

    private List<Path> series() throws IOException {
        CtSeriesWriter.Series s = new CtSeriesWriter.Series("Test^Find", "FIND-0001", "19600101", "O", false,
                "2.25.5512001", "2.25.5512001.1", "1", "ACC0002", "20261207", "101500", "CT HEAD (TEST)", "Head 5mm",
                "ich-node tests", "ich-node tests", "TEST", "Ellipse head", "1", 5.0, 0, List.of());
        return CtSeriesWriter.write(s, EllipseHead.volume(64, 64, 7, 2.0, 5.0, 0, "2.25.5512001.1"), tmp.resolve("series"));
    }

    private static List<StorageScu.InstanceKey> keys(List<Path> files) throws IOException {
        List<StorageScu.InstanceKey> keys = new ArrayList<>();
        for (Path f : files) {
            InstanceHeader h = InstanceHeader.read(f);
            keys.add(new StorageScu.InstanceKey(h.studyInstanceUid(), h.seriesInstanceUid(), h.sopInstanceUid()));
        }
        return keys;
    }

    /** DCMTK's archive: C-STORE into its own database, C-FIND on it; AE title PACS, any caller. */
    private int startDcmqrscp() throws Exception {
        Path db = Files.createDirectories(tmp.resolve("db"));
        Path cfg = tmp.resolve("dcmqrscp.cfg");
        int port = freePort();
        Files.writeString(cfg, "NetworkTCPPort = " + port + "\nMaxPDUSize = 16384\nMaxAssociations = 16\n"
                + "HostTable BEGIN\nHostTable END\nVendorTable BEGIN\nVendorTable END\n"
                + "AETable BEGIN\nPACS " + db + " RW (200, 1024mb) ANY\nAETable END\n");
        return startPeer(List.of("dcmqrscp", "-c", cfg.toString()), "dcmqrscp", port);
    }

    private int startPeer(List<String> command, String tool) throws Exception {
        return startPeer(command, tool, freePort());
    }

    private int startPeer(List<String> command, String tool, int port) throws Exception {
        Tools.requireTool(tool);
        List<String> cmd = new ArrayList<>(command);
        cmd.add(String.valueOf(port));
        Path log = tmp.resolve(tool + ".log");
        peer = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
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

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
