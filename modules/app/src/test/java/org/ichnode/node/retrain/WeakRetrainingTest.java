package org.ichnode.node.retrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.node.IchNode;
import org.ichnode.node.NodeProcess;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomExporter;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.store.Job;
import org.ichnode.store.ModelRegistry;
import org.ichnode.store.Series;
import org.ichnode.store.SeriesState;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.TrainingRun;
import org.ichnode.store.TrainingRuns;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nightly loop end to end with the real trainer, on a real PostgreSQL: DCMTK storescu sends small phantom studies,
 * the node processes them, plain MLLP clients send the radiology reports (positive / negative text), POST /retrain
 * runs the weak learning loop on the labelled series (few steps: the plumbing, not the quality), the candidate is
 * evaluated on the fixed phantom validation set and promoted (first model), the next study is segmented with it; a
 * second node with a strict gate refuses the next candidate and records why.
 */
class WeakRetrainingTest {
    @TempDir Path tmp;

    private List<String> settings(TestPostgres pg, int hl7, int http, String gain) throws Exception {
        return List.of("db.url=" + pg.url(), "storage.dir=" + tmp.resolve("storage"), "dicom.port=" + FreePorts.pick(),
                "http.port=" + http, "hl7.port=" + hl7, "storage.minFreeMb=0", "series.stableSeconds=1", "selection.minSlices=8",
                "model.dir=baseline", "model.threads=1", "retrain.gate.minStudies=4", "retrain.inputSize=64",
                "retrain.classifierSteps=20", "retrain.unetSteps=20", "retrain.validationData=phantom:small",
                "retrain.validationStudies=3", "retrain.gate.minDiceGain=" + gain, "node.id=weak-node", "retrain.autoPromote=true");
    }

    @Test
    void retrainsFromReportsPromotesServesAndGates() throws Exception {
        Tools.requireTool("storescu");
        List<PhantomExporter.ExportedStudy> studies = PhantomExporter.export(tmp.resolve("phantoms"), 3, 8,
                PhantomOptions.small().withNegativeFraction(0.5));
        assertTrue(studies.stream().anyMatch(PhantomExporter.ExportedStudy::hemorrhage) && studies.stream().anyMatch(s -> !s.hemorrhage()));
        try (TestPostgres pg = new TestPostgres()) {
            String firstVersion;
            int hl7 = FreePorts.pick(), http = FreePorts.pick();
            // a gate any candidate passes: 20 steps at 64 px do not beat the HU baseline, and this node must promote
            try (IchNode node = new IchNode(Settings.load(null, Map.of(), settings(pg, hl7, http, "-1.0"))).start()) {
                for (PhantomExporter.ExportedStudy s : studies.subList(0, 6)) receiveAndReport(node, hl7, s);
                TrainingRun run = retrain(node, http, 1);
                assertEquals(org.ichnode.store.RunState.PROMOTED, run.state(), run.reason());
                assertTrue(run.reason().contains("vs HU baseline"), "compared with the baseline that serves: " + run.reason());
                firstVersion = run.candidateVersion();
                Path artifact = new ModelRegistry(node.database()).find(firstVersion).orElseThrow().artifactPath();
                assertTrue(Files.isRegularFile(artifact.resolve("ichnode-model.properties")), "artifact at " + artifact);
                assertTrue(Files.readString(artifact.resolve("training-data.json")).contains("\"labels\":\"study\""));
                assertTrue(Files.readString(artifact.resolve("metrics.json")).contains("\"validation\":{\"studies\":3,"));
                String curves = Files.readString(artifact.resolve("training-curves.json"));
                assertTrue(curves.startsWith("{\"classifierA\":{\"steps\":20,\"loss\":["), curves);
                assertTrue(curves.contains("\"unet\":{\"steps\":"), curves);
                // the next study is segmented with the promoted model
                node.activeModel().refresh();
                Job job = receiveAndReport(node, hl7, studies.get(6));
                assertTrue(job.getResultJson().contains("\"algorithm\":\"ich-node weak U-Net\",\"version\":\"" + firstVersion + "\""),
                        job.getResultJson());
            }
            // a second node on the same database, with a gate no candidate can pass: trained, evaluated, refused
            int hl7b = FreePorts.pick(), httpb = FreePorts.pick();
            try (IchNode node = new IchNode(Settings.load(null, Map.of(), settings(pg, hl7b, httpb, "1.0"))).start()) {
                receiveAndReport(node, hl7b, studies.get(7));
                TrainingRun run = retrain(node, httpb, 2);
                assertEquals(org.ichnode.store.RunState.REFUSED, run.state(), run.reason());
                assertTrue(run.reason().contains("dice"), run.reason());
                assertEquals(firstVersion, new ModelRegistry(node.database()).active().orElseThrow().version(), "the active model stays");
            }
        }
    }

    private static TrainingRun retrain(IchNode node, int http, int runs) throws Exception {
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/retrain"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, post.statusCode(), post.body());
        TrainingRuns r = new TrainingRuns(node.database());
        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        while (System.nanoTime() < deadline) {
            List<TrainingRun> l = r.latest(10);
            if (l.size() >= runs && l.get(0).state() != org.ichnode.store.RunState.RUNNING) return l.get(0);
            Thread.sleep(500);
        }
        fail("retraining did not end: " + r.latest(10));
        return null;
    }

    /** Sends the study with storescu, waits until it is processed, then sends its report over MLLP. */
    private static Job receiveAndReport(IchNode node, int hl7, PhantomExporter.ExportedStudy s) throws Exception {
        List<Path> files;
        try (Stream<Path> f = Files.list(s.directory().resolve("dicom"))) { files = f.sorted().toList(); }
        List<String> cmd = new ArrayList<>(List.of("storescu", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(node.dicomPort())));
        files.forEach(p -> cmd.add(p.toString()));
        Tools.Result r = Tools.run(cmd);
        assertEquals(0, r.exitCode(), r.output());
        InstanceHeader h = InstanceHeader.read(files.get(0));
        StoreQueries q = new StoreQueries(node.database());
        Series series = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            series = q.findSeries(h.seriesInstanceUid()).orElse(null);
            if (series != null && (series.getState() == SeriesState.DONE || series.getState() == SeriesState.FAILED)) break;
            Thread.sleep(200);
        }
        assertEquals(SeriesState.DONE, series == null ? null : series.getState());
        String text = s.hemorrhage() ? "IMPRESSION: Acute intraparenchymal hemorrhage in the left frontal lobe."
                : "IMPRESSION: No acute intracranial hemorrhage.";
        String oru = String.join("\r",
                "MSH|^~\\&|RIS|HOSP|ICHNODE|NEURO|20261201120000||ORU^R01^ORU_R01|W" + s.studyId() + "|P|2.5.1",
                "PID|1||" + h.patientId() + "^^^HOSP^MR",
                "OBR|1|||CTHEAD^CT HEAD^L|||20261201110000|||||||||||||||20261201120000||CT|F",
                "ZDS|" + h.studyInstanceUid() + "^^Application^DICOM",
                "OBX|1|TX|CTHEAD^REPORT^L|1|" + text + "||||||F") + "\r";
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", hl7)) {
            sock.setSoTimeout(20000);
            var out = sock.getOutputStream();
            out.write(0x0B);
            out.write(oru.getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {0x1C, 0x0D});
            out.flush();
            StringBuilder b = new StringBuilder();
            for (int c; (c = sock.getInputStream().read()) != -1 && c != 0x1C; ) if (c != 0x0B) b.append((char) c);
            assertTrue(b.toString().contains("MSA|AA|"), b.toString());
        }
        return q.jobsOfSeries(series.getId()).get(0);
    }
}
