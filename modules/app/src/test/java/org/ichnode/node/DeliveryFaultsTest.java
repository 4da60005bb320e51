package org.ichnode.node;

import org.ichnode.app.tools.LocalArchive;
import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.dicom.net.CallerAllowlist;
import org.ichnode.dicom.net.ScpSettings;
import org.ichnode.dicom.net.StorageScp;
import org.ichnode.dicom.spool.DicomSpool;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.store.Database;
import org.ichnode.store.Delivery;
import org.ichnode.store.DeliveryQueue;
import org.ichnode.store.DeliveryState;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Delivery when the destination is down, refuses, or the node dies before delivering. */
class DeliveryFaultsTest {
    @TempDir Path tmp;

    private static List<String> nodeSettings(String dbUrl, Path storage, int port, int pacsPort, String... more) {
        List<String> s = new ArrayList<>(List.of("db.url=" + dbUrl, "storage.dir=" + storage, "dicom.port=" + port, "http.port=0", "hl7.port=0",
                "series.stableSeconds=1", "storage.minFreeMb=0", "dicom.peers=PACS@127.0.0.1:" + pacsPort,
                "delivery.destinations=@caller", "delivery.backoffSeconds=1", "results.overlay=false"));
        s.addAll(List.of(more));
        return s;
    }

    private static void sendAsPacs(int port, List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("storescu", "-aet", "PACS", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(port)));
        files.forEach(f -> cmd.add(f.toString()));
        Tools.Result r = Tools.run(cmd);
        assertEquals(0, r.exitCode(), r.output());
    }

    private static List<Delivery> allDeliveries(Database db) throws Exception {
        DeliveryQueue q = new DeliveryQueue(db);
        List<Delivery> out = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection(); ResultSet rs = c.createStatement().executeQuery("SELECT id FROM result")) {
            while (rs.next()) out.addAll(q.deliveriesOf(rs.getLong(1)));
        }
        return out;
    }

    private static List<Delivery> await(Database db, java.util.function.Predicate<List<Delivery>> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        List<Delivery> d = List.of();
        while (System.nanoTime() < deadline) {
            d = allDeliveries(db);
            if (!d.isEmpty() && done.test(d)) return d;
            Thread.sleep(200);
        }
        fail("deliveries did not reach the expected state: " + d);
        return d;
    }

    private static Process storescp(Path dir, int port) throws Exception {
        Files.createDirectories(dir);
        ProcessBuilder pb = new ProcessBuilder("storescp", "-aet", "PACS", "-od", dir.toString(), String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(dir.resolve("storescp.log").toFile());
        pb.environment().put("TCP_NODELAY", "1");
        return pb.start();
    }

    private static long receivedFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().endsWith(".log")).count();
        }
    }

    @Test
    void destinationDownAtFirstThenUpIsDeliveredExactlyOnce() throws Exception {
        List<Path> ct = Phantoms.study(tmp.resolve("phantom"), true);
        int pacsPort = FreePorts.pick();
        try (TestPostgres pg = new TestPostgres();
             IchNode node = new IchNode(Settings.load(null, Map.of(), nodeSettings(pg.url(), tmp.resolve("storage"),
                     FreePorts.pick(), pacsPort))).start()) {
            sendAsPacs(node.dicomPort(), ct);
            // nothing listens: attempts pile up
            await(node.database(), ds -> ds.stream().allMatch(x -> x.attempts() >= 2 && x.state() == DeliveryState.PENDING));
            Process pacs = storescp(tmp.resolve("pacs"), pacsPort);
            try {
                List<Delivery> done = await(node.database(), ds -> ds.stream().allMatch(x -> x.state() == DeliveryState.DELIVERED));
                Thread.sleep(3000); // a second delivery would arrive by now
                assertEquals(done.size(), receivedFiles(tmp.resolve("pacs")), "each object arrived once");
                assertEquals(2, done.size(), "SEG and SR");
            } finally {
                pacs.destroy();
                pacs.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * An object that reached the archive in an attempt whose response the node never recorded (killed in between) is
     * found there with C-FIND and recorded as delivered, not sent twice. The archive is DCMTK's dcmqrscp; the lost
     * attempt is reproduced by putting the object into its database directly (dcmqridx) while the node retries.
     */
    @Test
    void objectAlreadyAtTheArchiveIsFoundAndNotSentAgain() throws Exception {
        Tools.requireTool("dcmqrscp");
        Tools.requireTool("dcmqridx");
        List<Path> ct = Phantoms.study(tmp.resolve("phantom"), true);
        int pacsPort = FreePorts.pick();
        Path archiveDir = tmp.resolve("archive");
        try (TestPostgres pg = new TestPostgres();
             IchNode node = new IchNode(Settings.load(null, Map.of(), nodeSettings(pg.url(), tmp.resolve("storage"),
                     FreePorts.pick(), pacsPort))).start()) {
            sendAsPacs(node.dicomPort(), ct);
            List<Delivery> pending = await(node.database(), ds -> ds.size() == 2
                    && ds.stream().allMatch(x -> x.attempts() >= 2 && x.state() == DeliveryState.PENDING));
            Delivery seg = pending.stream().filter(x -> x.sopClassUid().equals("1.2.840.10008.5.1.4.1.1.66.4")).findFirst().orElseThrow();
            Delivery sr = pending.stream().filter(x -> x != seg).findFirst().orElseThrow();
            Path db = Files.createDirectories(LocalArchive.databaseDir(archiveDir));
            Path copy = Files.copy(Path.of(seg.filePath()), db.resolve("seg.dcm"));
            Tools.Result idx = Tools.run(List.of("dcmqridx", db.toString(), copy.toString()));
            assertEquals(0, idx.exitCode(), idx.output());

            try (LocalArchive pacs = LocalArchive.start(archiveDir, pacsPort)) {
                List<Delivery> done = await(node.database(), ds -> ds.stream().allMatch(x -> x.state() == DeliveryState.DELIVERED));
                Thread.sleep(3000); // a second C-STORE would have arrived by now
                assertEquals(Map.of(sr.sopInstanceUid(), 1), pacs.storedCopies(), "the SR sent, the SEG not sent again: " + pacs.log());
                assertTrue(pacs.log().contains("C-FIND RQ"), "the archive was asked");
                assertEquals(2, done.size());
            }
        }
    }

    @Test
    void destinationRefusingIsRetriedThenMarkedFailed() throws Exception {
        List<Path> ct = Phantoms.study(tmp.resolve("phantom"), false); // no hemorrhage: the SR alone goes out
        // the "PACS" is our own SCP whose database is down: it answers every C-STORE with A700 Out of Resources
        DicomSpool refusing = new DicomSpool(tmp.resolve("pacs"), i -> { throw new IllegalStateException("database down"); }, 0,
                java.util.Set.of("1.2.840.10008.5.1.4.1.1.88.33", "1.2.840.10008.5.1.4.1.1.66.4", "1.2.840.10008.5.1.4.1.1.7"));
        try (StorageScp pacs = new StorageScp(new ScpSettings("PACS", InetAddress.getLoopbackAddress(), 0, CallerAllowlist.any(), 2,
                65536, Duration.ofSeconds(10), java.util.Set.of("1.2.840.10008.5.1.4.1.1.88.33", "1.2.840.10008.5.1.4.1.1.66.4",
                "1.2.840.10008.5.1.4.1.1.7"), ScpSettings.DEFAULT_TRANSFER_SYNTAXES), refusing);
             TestPostgres pg = new TestPostgres();
             IchNode node = new IchNode(Settings.load(null, Map.of(), nodeSettings(pg.url(), tmp.resolve("storage"),
                     FreePorts.pick(), pacs.port(), "delivery.maxAttempts=3"))).start()) {
            sendAsPacs(node.dicomPort(), ct);
            List<Delivery> failed = await(node.database(), ds -> ds.stream().allMatch(x -> x.state() == DeliveryState.FAILED));
            assertEquals(1, failed.size(), "the SR only");
            assertEquals(3, failed.get(0).attempts());
            assertTrue(failed.get(0).lastError().contains("A700") || failed.get(0).lastError().toLowerCase().contains("out of resources"),
                    failed.get(0).lastError());
        }
    }

    @Test
    void nodeKilledBetweenSegmentationAndDeliveryDeliversAfterRestart() throws Exception {
        List<Path> ct = Phantoms.study(tmp.resolve("phantom"), true);
        int pacsPort = FreePorts.pick();
        Path storage = tmp.resolve("storage");
        try (TestPostgres pg = new TestPostgres(); Database db = Database.open(pg.url())) {
            String[] extra = nodeSettings(pg.url(), storage, 0, pacsPort).stream()
                    .filter(s -> !s.startsWith("db.url=") && !s.startsWith("storage.dir=") && !s.startsWith("dicom.port=")
                            && !s.startsWith("http.port=") && !s.startsWith("storage.minFreeMb="))
                    .toArray(String[]::new);
            NodeProcess node = NodeProcess.start(tmp.resolve("node.log"), pg.url(), storage, "kill-delivery", extra);
            sendAsPacs(node.dicomPort, ct);
            await(db, ds -> ds.size() == 2); // result recorded, nothing delivered: the PACS is down
            node.kill9();
            Process pacs = storescp(tmp.resolve("pacs"), pacsPort);
            try (NodeProcess restarted = NodeProcess.start(tmp.resolve("node.log"), pg.url(), storage, "kill-delivery", extra)) {
                List<Delivery> done = await(db, ds -> ds.stream().allMatch(x -> x.state() == DeliveryState.DELIVERED));
                assertEquals(2, done.size());
                assertEquals(2, receivedFiles(tmp.resolve("pacs")));
                assertTrue(restarted.log().contains("job 1"), "the job is not redone from scratch after restart");
            } finally {
                pacs.destroy();
                pacs.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
