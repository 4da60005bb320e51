package org.ichnode.node;

import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.store.DeliveryQueue;
import org.ichnode.store.Overview;
import org.ichnode.store.Series;
import org.ichnode.store.SeriesState;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.testing.TestH2;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Retention on a node with three series: one finished (processed, nothing to send), one ignored (too few slices), and
 * one processed whose results still wait for an unreachable PACS. Images go by age, or by the free-space watermark;
 * result objects by age; the series waiting to send keeps everything.
 */
class RetentionTest {
    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"age", "watermark"})
    void onlyFinishedSeriesLoseTheirImages(String rule) throws Exception {
        List<Path> finished = Phantoms.study(tmp.resolve("a"), false);
        List<Path> waiting = Phantoms.study(tmp.resolve("b"), true);
        List<Path> ignored; // another phantom series (its own UIDs), 3 of its slices: too few, so ignored
        try (var files = Files.list(org.ichnode.testkit.phantom.PhantomExporter.export(tmp.resolve("c"), 77, 1, Phantoms.SMALL).get(0)
                .directory().resolve("dicom"))) {
            ignored = files.sorted().toList().subList(0, 3);
        }
        int closedPort = FreePorts.pick(); // nobody listens: deliveries to PACS stay pending
        try (TestH2 h2 = new TestH2();
             IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + h2.url(), "storage.dir=" + tmp.resolve("storage"),
                     "dicom.port=" + FreePorts.pick(), "http.port=0", "hl7.port=0", "series.stableSeconds=1", "storage.minFreeMb=0",
                     "model.dir=baseline", "retrain.enabled=false", "dicom.peers=PACS@127.0.0.1:" + closedPort,
                     "delivery.backoffSeconds=3600", "retention.minFreeMb=" + (rule.equals("watermark") ? "100000000" : "0"))))
                     .start()) {
            send(node, "OTHER", finished); // not in dicom.peers: its results have nowhere to go, nothing waits
            send(node, "PACS", waiting);
            send(node, "OTHER", ignored);
            StoreQueries q = new StoreQueries(node.database());
            Series f = await(q, uid(finished), SeriesState.DONE);
            Series w = await(q, uid(waiting), SeriesState.DONE);
            Series i = await(q, uid(ignored), SeriesState.IGNORED);
            Thread.sleep(1500); // the overlay and the first (failing) delivery attempts

            Instant when = rule.equals("age") ? Instant.now().plus(Duration.ofDays(91)) : Instant.now();
            if (rule.equals("age")) assertEquals(0, node.retentionPass(Instant.now().plus(Duration.ofDays(89))), "nothing is old enough yet");
            assertEquals(2, node.retentionPass(when));
            for (Path p : spoolFiles(tmp)) assertTrue(Files.size(p) > 0);
            assertEquals(waiting.size(), spoolFiles(tmp).size(), "only the series waiting to send keeps its images");
            assertTrue(q.instanceFilesOfSeries(uid(finished)).isEmpty());
            assertTrue(q.instanceFilesOfSeries(uid(ignored)).isEmpty());
            assertEquals(waiting.size(), q.instanceFilesOfSeries(uid(waiting)).size());
            assertTrue(q.findSeries(uid(finished)).orElseThrow().getStateReason().startsWith("images removed by retention"));
            assertEquals(SeriesState.DONE, q.findSeries(uid(finished)).orElseThrow().getState(), "the series and its result stay");

            // result objects after retention.resultDays (730): only the finished one's, the waiting one keeps its SEG and SR
            Overview overview = new Overview(node.database());
            long doneResult = overview.recentSeries(10).stream().filter(r -> r.seriesId() == f.getId()).findFirst().orElseThrow().resultId();
            long waitingResult = overview.recentSeries(10).stream().filter(r -> r.seriesId() == w.getId()).findFirst().orElseThrow().resultId();
            DeliveryQueue d = new DeliveryQueue(node.database());
            Path waitingFolder = Path.of(d.findResult(waitingResult).orElseThrow().folder());
            Path doneFolder = Path.of(d.findResult(doneResult).orElseThrow().folder());
            assertTrue(Files.isDirectory(doneFolder));
            node.retentionPass(Instant.now().plus(Duration.ofDays(731)));
            assertFalse(Files.exists(doneFolder));
            assertEquals("", d.findResult(doneResult).orElseThrow().folder());
            assertTrue(Files.isRegularFile(waitingFolder.resolve("sr.dcm")));
            assertNotNull(d.findResult(doneResult).orElseThrow().summaryJson(), "the summary stays for the dashboard");

            String audit;
            try (var files = Files.list(tmp.resolve("storage/audit"))) {
                audit = Files.readString(files.findFirst().orElseThrow());
            }
            assertTrue(audit.contains("\"action\":\"retention.images_removed\""), audit);
            assertTrue(audit.contains("\"action\":\"retention.result_removed\""), audit);
            assertNotNull(i);
        }
    }

    private static List<Path> spoolFiles(Path tmp) throws Exception {
        try (var files = Files.walk(tmp.resolve("storage/spool/instances"))) {
            return files.filter(p -> p.toString().endsWith(".dcm")).toList();
        }
    }

    private static String uid(List<Path> files) throws Exception {
        return InstanceHeader.read(files.get(0)).seriesInstanceUid();
    }

    private static void send(IchNode node, String aet, List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("storescu", "-aet", aet, "-aec", "ICHNODE", "127.0.0.1", String.valueOf(node.dicomPort())));
        files.forEach(f -> cmd.add(f.toString()));
        assertEquals(0, Tools.run(cmd).exitCode());
    }

    private static Series await(StoreQueries q, String uid, SeriesState state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            var s = q.findSeries(uid);
            if (s.isPresent() && s.get().getState() == state) return s.get();
            Thread.sleep(100);
        }
        throw new AssertionError("series not " + state + ": " + q.findSeries(uid).map(Series::getState));
    }
}
