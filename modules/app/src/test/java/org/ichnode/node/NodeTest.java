package org.ichnode.node;

import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.store.Job;
import org.ichnode.store.JobState;
import org.ichnode.store.Series;
import org.ichnode.store.SeriesState;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/** The node in-process on a real PostgreSQL, fed by DCMTK storescu with the real CT series. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeTest {
    @TempDir static Path tmp;
    private TestPostgres pg;
    private IchNode node;
    private StoreQueries queries;
    private int hl7Port;

    @BeforeAll
    void start() throws Exception {
        pg = new TestPostgres();
        node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + pg.url(), "storage.dir=" + tmp.resolve("storage"),
                "dicom.port=" + FreePorts.pick(), "http.port=0", "hl7.port=" + (hl7Port = FreePorts.pick()), "series.stableSeconds=1", "storage.minFreeMb=0",
                "dicom.allowedCallers=PACS"))).start();
        queries = new StoreQueries(node.database());
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) node.close();
        if (pg != null) pg.close();
    }

    private void send(List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("storescu", "-aet", "PACS", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(node.dicomPort())));
        files.forEach(f -> cmd.add(f.toString()));
        Tools.Result r = Tools.run(cmd);
        assertEquals(0, r.exitCode(), r.output());
    }

    private Series awaitSeries(String uid, Predicate<Series> done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            var s = queries.findSeries(uid);
            if (s.isPresent() && done.test(s.get())) return s.get();
            Thread.sleep(100);
        }
        fail("series " + uid + " did not reach the expected state; now " + queries.findSeries(uid).map(Series::getState));
        return null;
    }

    @Test
    void tiltedRealSeriesIsReceivedCompletedAndLoadedWithItsGeometry() throws Exception {
        send(Tools.files(Tools.realCt("ge-head-tilted")));
        String seriesUid = org.ichnode.dicom.spool.InstanceHeader.read(Tools.files(Tools.realCt("ge-head-tilted")).get(0)).seriesInstanceUid();
        Series s = awaitSeries(seriesUid, x -> x.getState() == SeriesState.DONE || x.getState() == SeriesState.FAILED);
        assertEquals(SeriesState.DONE, s.getState(), s.getStateReason());
        assertEquals(28, s.getInstanceCount());
        Job job = queries.jobsOfSeries(s.getId()).get(0);
        assertEquals(JobState.DONE, job.getState());
        assertEquals(1, job.getAttempts());
        String result = job.getResultJson();
        assertTrue(result.contains("\"usedSlices\":28"), result);
        assertTrue(result.matches("(?s).*\"tiltFromAxialDeg\":18\\.5\\d*.*"), result);
        assertTrue(result.contains("\"uniform\":false"), "variable spacing is reported");
        assertTrue(result.contains("\"hu\":{"), result);
    }

    @Test
    void seriesFailingTheSelectionRulesIsIgnoredWithTheReason() throws Exception {
        List<Path> three = Tools.files(Tools.realCt("philips-head-phantom-5mm")).subList(0, 3);
        send(three);
        String seriesUid = org.ichnode.dicom.spool.InstanceHeader.read(three.get(0)).seriesInstanceUid();
        Series s = awaitSeries(seriesUid, x -> x.getState() == SeriesState.IGNORED || x.getState() == SeriesState.QUEUED
                || x.getState() == SeriesState.DONE);
        assertEquals(SeriesState.IGNORED, s.getState());
        assertTrue(s.getStateReason().contains("3") && s.getStateReason().toLowerCase().contains("slice"), s.getStateReason());
        assertTrue(queries.jobsOfSeries(s.getId()).isEmpty(), "an ignored series gets no job");
    }

    @Test
    void reportSentOverMllpIsLabelledStoredAndLinkedToItsStudy() throws Exception {
        List<Path> ge = Tools.files(Tools.realCt("ge-head-tilted"));
        send(ge);
        org.ichnode.dicom.spool.InstanceHeader h = org.ichnode.dicom.spool.InstanceHeader.read(ge.get(0));
        String patient = h.patientId() == null ? "" : h.patientId();
        String oru = String.join("\r",
                "MSH|^~\\&|RIS|HOSP|ICHNODE|NEURO|20261123120000||ORU^R01^ORU_R01|NODETEST1|P|2.5.1",
                "PID|1||" + patient + "^^^HOSP^MR||DOE^JANE",
                "OBR|1|||CTHEAD^CT HEAD^L|||20261123110000|||||||||||||||20261123120000||CT|F",
                "ZDS|" + h.studyInstanceUid() + "^^Application^DICOM",
                "OBX|1|TX|CTHEAD^REPORT^L|1|IMPRESSION: Acute right subdural hematoma.||||||F") + "\r";
        String ack;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", hl7Port)) {
            s.setSoTimeout(20000);
            var out = s.getOutputStream();
            out.write(0x0B);
            out.write(oru.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.write(new byte[] {0x1C, 0x0D});
            out.flush();
            var in = s.getInputStream();
            StringBuilder b = new StringBuilder();
            for (int c; (c = in.read()) != -1 && c != 0x1C; ) if (c != 0x0B) b.append((char) c);
            ack = b.toString();
        }
        assertTrue(ack.contains("MSA|AA|NODETEST1"), ack);
        try (var c = node.database().dataSource().getConnection();
             var st = c.prepareStatement("SELECT r.label, s.study_instance_uid FROM report r JOIN study s ON r.study_id = s.id"
                     + " WHERE r.message_control_id = 'NODETEST1'");
             var rs = st.executeQuery()) {
            assertTrue(rs.next(), "the report is stored and linked");
            assertEquals("positive", rs.getString(1));
            assertEquals(h.studyInstanceUid(), rs.getString(2));
        }
    }

    @Test
    void callerNotOnTheAllowlistCannotStore() throws Exception {
        Tools.Result r = Tools.run(List.of("storescu", "-aet", "STRANGER", "-aec", "ICHNODE", "127.0.0.1",
                String.valueOf(node.dicomPort()), Tools.files(Tools.realCt("philips-head-phantom-5mm")).get(5).toString()));
        assertNotEquals(0, r.exitCode());
        assertTrue(r.output().contains("Calling AE Title Not Recognized"), r.output());
    }
}
