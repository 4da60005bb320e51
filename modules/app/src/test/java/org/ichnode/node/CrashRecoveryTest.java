package org.ichnode.node;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import org.ichnode.dicom.spool.DicomSpool;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.dicom.tools.SeriesCopier;
import org.ichnode.store.Database;
import org.ichnode.store.Job;
import org.ichnode.store.JobState;
import org.ichnode.store.SeriesState;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** kill -9 of a real node process during a transfer and during processing, then a restart. */
class CrashRecoveryTest {
    @TempDir Path tmp;

    @Test
    void killDuringTransferLosesNothingAcknowledgedAndSeriesCompleteAfterRestart() throws Exception {
        List<Path> ge = Tools.files(Tools.realCt("ge-head-tilted"));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 4; i++) files.addAll(SeriesCopier.copyWithNewUids(ge, tmp.resolve("copy" + i)));
        Path storage = tmp.resolve("storage");
        try (TestPostgres pg = new TestPostgres()) {
            NodeProcess node = NodeProcess.start(tmp.resolve("node.log"), pg.url(), storage, "crash-a", "series.stableSeconds=2");
            // one association with 112 instances; the node is killed after the 40th acknowledgement
            List<String> cmd = new ArrayList<>(List.of("storescu", "-v", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(node.dicomPort)));
            files.forEach(f -> cmd.add(f.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("TCP_NODELAY", "1");
            Process scu = pb.start();
            int acknowledged = 0;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(scu.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.contains("Received Store Response (Success)") && ++acknowledged == 40) node.kill9();
                }
            }
            scu.waitFor(30, TimeUnit.SECONDS);
            assertTrue(acknowledged >= 40 && acknowledged < files.size(), "killed mid-transfer after " + acknowledged);

            try (NodeProcess restarted = NodeProcess.start(tmp.resolve("node.log"), pg.url(), storage, "crash-a", "series.stableSeconds=2");
                 Database db = Database.open(pg.url())) {
                // instances acknowledged from preallocated files are moved to their place by the restarted node
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (countInPreallocated(db) > 0 && System.nanoTime() < deadline) Thread.sleep(100);
                assertEquals(0, countInPreallocated(db), "no instance left under its preallocated file's name");
                // every acknowledged instance (storescu sends in command-line order) is on disk and recorded, intact
                for (Path f : files.subList(0, acknowledged)) {
                    String sop = InstanceHeader.read(f).sopInstanceUid();
                    String[] row = instanceRow(db, sop);
                    assertNotNull(row, "acknowledged instance " + sop + " is recorded");
                    Path stored = Path.of(row[0]);
                    assertEquals(row[1], DicomSpool.sha256Of(stored), "checksum of " + sop);
                    assertArrayEquals(pixels(f), pixels(stored));
                }
                // the series that were receiving when the node died complete after the restart
                StoreQueries q = new StoreQueries(db);
                awaitNoSeriesIn(q, SeriesState.RECEIVING, SeriesState.COMPLETE, SeriesState.QUEUED, SeriesState.RUNNING);
                // the sender resends: duplicates are idempotent, the partial series are reopened and processed whole
                Tools.Result resend = send(restarted.dicomPort, files);
                assertEquals(0, resend.exitCode(), resend.output());
                Thread.sleep(2500);
                awaitNoSeriesIn(q, SeriesState.RECEIVING, SeriesState.COMPLETE, SeriesState.QUEUED, SeriesState.RUNNING);
                for (int i = 0; i < 4; i++) {
                    String seriesUid = InstanceHeader.read(files.get(i * 28)).seriesInstanceUid();
                    var s = q.findSeries(seriesUid).orElseThrow();
                    assertEquals(SeriesState.DONE, s.getState(), seriesUid);
                    assertEquals(28, s.getInstanceCount());
                }
                assertEquals(files.size(), countInstances(db));
            }
        }
    }

    @Test
    void killDuringProcessingRunsTheInterruptedJobAgain() throws Exception {
        List<Path> ge = Tools.files(Tools.realCt("ge-head-tilted"));
        Path storage = tmp.resolve("storage");
        try (TestPostgres pg = new TestPostgres(); Database db = Database.open(pg.url())) {
            StoreQueries q = new StoreQueries(db);
            NodeProcess node = NodeProcess.start(tmp.resolve("node.log"), pg.url(), storage, "crash-b", "series.stableSeconds=1");
            assertEquals(0, send(node.dicomPort, ge).exitCode());
            String seriesUid = InstanceHeader.read(ge.get(0)).seriesInstanceUid();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Job running = null;
            while (running == null && System.nanoTime() < deadline) {
                var s = q.findSeries(seriesUid);
                if (s.isPresent()) {
                    running = q.jobsOfSeries(s.get().getId()).stream().filter(j -> j.getState() == JobState.RUNNING).findFirst().orElse(null);
                }
                if (running == null) Thread.sleep(10);
            }
            assertNotNull(running, "the job started");
            node.kill9();
            assertEquals(JobState.RUNNING, q.findJob(running.getId()).orElseThrow().getState(), "killed while processing");

            try (NodeProcess restarted = NodeProcess.start(tmp.resolve("node.log"), pg.url(), storage, "crash-b", "series.stableSeconds=1")) {
                long id = running.getId();
                Job done = awaitJob(q, id, JobState.DONE);
                assertEquals(2, done.getAttempts(), "run again after the restart");
                assertTrue(done.getResultJson().contains("\"usedSlices\":28"));
                assertEquals(SeriesState.DONE, q.findSeries(seriesUid).orElseThrow().getState());
                assertTrue(restarted.log().contains("interrupted by the previous run of crash-b queued again"), "restart log says so");
            }
        }
    }

    static Tools.Result send(int port, List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("storescu", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(port)));
        files.forEach(f -> cmd.add(f.toString()));
        return Tools.run(cmd);
    }

    static Job awaitJob(StoreQueries q, long id, JobState state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            Job j = q.findJob(id).orElseThrow();
            if (j.getState() == state) return j;
            Thread.sleep(100);
        }
        fail("job " + id + " did not reach " + state + ": " + q.findJob(id).map(Job::getState));
        return null;
    }

    static void awaitNoSeriesIn(StoreQueries q, SeriesState... states) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            var counts = q.seriesCountsByState();
            long busy = 0;
            for (SeriesState s : states) busy += counts.get(s);
            if (busy == 0) return;
            Thread.sleep(200);
        }
        fail("series still in progress: " + q.seriesCountsByState());
    }

    private static String[] instanceRow(Database db, String sop) throws Exception {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement st = c.prepareStatement("SELECT file_path, sha256 FROM instance WHERE sop_instance_uid = ?")) {
            st.setString(1, sop);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
            }
        }
    }

    private static long countInPreallocated(Database db) throws Exception {
        try (Connection c = db.dataSource().getConnection();
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM instance WHERE file_path LIKE '%/spool/slots/%'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long countInstances(Database db) throws Exception {
        try (Connection c = db.dataSource().getConnection(); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM instance")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static short[] pixels(Path f) throws Exception {
        AttributeList l = new AttributeList();
        l.read(f.toFile());
        return l.get(TagFromName.PixelData).getShortValues();
    }
}
