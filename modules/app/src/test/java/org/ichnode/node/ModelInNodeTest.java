package org.ichnode.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.ichnode.app.cli.Args;
import org.ichnode.app.cli.EvaluateCommand;
import org.ichnode.app.cli.TrainCommand;
import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.ConfigException;
import org.ichnode.node.config.Settings;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomExporter;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.store.Job;
import org.ichnode.store.JobState;
import org.ichnode.store.Series;
import org.ichnode.store.SeriesState;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learned model from the command line into the node: {@code train} writes an artifact from small phantom studies
 * (few steps: this checks the plumbing, not the quality), {@code evaluate} reads it, and a node started with
 * {@code model.dir} pointing at it segments a study that DCMTK storescu sends, writing SEG and SR with the model's name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelInNodeTest {
    @TempDir static Path tmp;
    private Path model;

    @BeforeAll void train() throws Exception {
        model = tmp.resolve("model-1");
        String out = runCommand(() -> new TrainCommand().run(new Args(List.of("--out", model.toString(), "--data", "phantom:small",
                "--studies", "16", "--size", "64", "--classifier-steps", "30", "--unet-steps", "30", "--held-out", "4",
                "--threads", "1", "--version", "test-1"))));
        assertTrue(out.contains("\"heldOut\":{"), out);
        for (String f : List.of("ichnode-model.properties", "classifier-a", "classifier-b", "unet", "metrics.json", "training-data.json")) {
            assertTrue(Files.exists(model.resolve(f)), f + " in the artifact");
        }
        assertTrue(Files.readString(model.resolve("training-data.json")).contains("\"studies\":16"));
    }

    @Test void trainRefusesToOverwriteAnArtifact() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainCommand().run(new Args(
                List.of("--out", model.toString(), "--data", "phantom:small", "--studies", "4"))));
        assertTrue(e.getMessage().contains("already holds a model"), e.getMessage());
    }

    @Test void evaluateWritesTheReportsAndPrintsJsonLast() throws Exception {
        Path report = tmp.resolve("eval");
        String out = runCommand(() -> new EvaluateCommand().run(new Args(List.of("--model", model.toString(), "--data", "phantom:small",
                "--from", "100", "--studies", "4", "--out", report.toString(), "--threads", "1"))));
        String[] lines = out.trim().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("{\"studies\":4,") && last.contains("\"mIoU\":") && last.contains("\"FPL\":"), last);
        assertTrue(Files.isRegularFile(report.resolve("report.json")) && Files.isRegularFile(report.resolve("report.md")));
        try (Stream<Path> pngs = Files.list(report)) {
            assertTrue(pngs.anyMatch(p -> p.getFileName().toString().endsWith(".png")), "overlays written");
        }
    }

    @Test void nodeConfiguredWithAMissingModelRefusesToStart() {
        ConfigException e = assertThrows(ConfigException.class, () -> new IchNode(Settings.load(null, Map.of(), List.of(
                "model.dir=" + tmp.resolve("no-such-model"), "db.url=jdbc:h2:mem:nomodel", "storage.dir=" + tmp.resolve("s0"),
                "dicom.port=" + FreePorts.pick(), "http.port=0", "hl7.port=0"))).start());
        assertEquals("model.dir", e.key());
    }

    @Test void nodeSegmentsAReceivedStudyWithTheModel() throws Exception {
        try (TestPostgres pg = new TestPostgres()) {
            IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + pg.url(),
                    "storage.dir=" + tmp.resolve("storage"), "dicom.port=" + FreePorts.pick(), "http.port=0", "hl7.port=0", "series.stableSeconds=1",
                    "storage.minFreeMb=0", "selection.minSlices=8", "model.dir=" + model, "model.threads=1"))).start();
            try {
                PhantomExporter.ExportedStudy study = PhantomExporter.export(tmp.resolve("send"), 7, 1, PhantomOptions.small()).get(0);
                List<Path> files;
                try (Stream<Path> s = Files.list(study.directory().resolve("dicom"))) { files = s.sorted().toList(); }
                List<String> cmd = new ArrayList<>(List.of("storescu", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(node.dicomPort())));
                files.forEach(f -> cmd.add(f.toString()));
                Tools.Result r = Tools.run(cmd);
                assertEquals(0, r.exitCode(), r.output());
                String seriesUid = org.ichnode.dicom.spool.InstanceHeader.read(files.get(0)).seriesInstanceUid();
                StoreQueries q = new StoreQueries(node.database());
                Series s = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (System.nanoTime() < deadline) {
                    s = q.findSeries(seriesUid).orElse(null);
                    if (s != null && (s.getState() == SeriesState.DONE || s.getState() == SeriesState.FAILED)) break;
                    Thread.sleep(200);
                }
                if (s == null || s.getState() != SeriesState.DONE) fail("series not done: " + (s == null ? "absent" : s.getState() + " " + s.getStateReason()));
                Job job = q.jobsOfSeries(s.getId()).get(0);
                assertEquals(JobState.DONE, job.getState());
                assertTrue(job.getResultJson().contains("\"algorithm\":\"ich-node weak U-Net\",\"version\":\"test-1\""), job.getResultJson());
            } finally {
                node.close();
            }
        }
    }

    interface Command { int run() throws Exception; }

    /** Runs a command in-process with its standard output captured (exit code must be 0). */
    static String runCommand(Command c) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertEquals(0, c.run());
        } finally {
            System.setOut(old);
        }
        return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
