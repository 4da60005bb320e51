package org.ichnode.node.retrain;

import org.ichnode.app.cli.ModelsCommand;
import org.ichnode.app.cli.RetrainCommand;
import org.ichnode.app.cli.Args;
import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.node.IchNode;
import org.ichnode.node.NodeProcess;
import org.ichnode.store.ModelRegistry;
import org.ichnode.store.RunState;
import org.ichnode.store.TrainingRun;
import org.ichnode.store.TrainingRuns;
import org.ichnode.store.testing.TestH2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A node on the embedded H2 database (the default) with the Quartz scheduler: POST /retrain runs a retraining through
 * the JDBC job store, /status shows it, {@code ./ichnode retrain --wait} (in this JVM, which may share the H2 file)
 * runs another, and {@code ./ichnode models} lists and activates.
 */
class RetrainNodeTest {
    @TempDir Path tmp;

    private static List<String> settings(TestH2 h2, Path storage) throws Exception {
        return List.of("db.url=" + h2.url(), "storage.dir=" + storage, "dicom.port=" + FreePorts.pick(),
                "http.port=" + FreePorts.pick(), "hl7.port=0", "storage.minFreeMb=0", "node.id=node-h2",
                "retrain.gate.minStudies=2", "retrain.autoPromote=true");
    }

    @Test
    void retrainOverHttpAndCommandLineThenListAndActivate() throws Exception {
        FixedDiceTrainer trainer = new FixedDiceTrainer(0.6, Duration.ofMillis(400));
        try (TestH2 h2 = new TestH2()) {
            List<String> sets = settings(h2, tmp.resolve("storage"));
            try (IchNode node = new IchNode(Settings.load(null, Map.of(), sets), trainer).start()) {
                new TrainingData(node.database(), tmp.resolve("spool")).studies(2, 1);
                HttpClient http = HttpClient.newHttpClient();
                URI base = URI.create("http://127.0.0.1:" + node.httpPort());

                HttpResponse<String> get = http.send(HttpRequest.newBuilder(base.resolve("/retrain")).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(405, get.statusCode());
                HttpResponse<String> post = http.send(HttpRequest.newBuilder(base.resolve("/retrain"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(202, post.statusCode(), post.body());
                assertTrue(post.body().contains("\"requested\":\"manual-http-node-h2-"), post.body());

                TrainingRuns runs = new TrainingRuns(node.database());
                TrainingRun first = awaitEnded(runs, 1);
                assertEquals(RunState.PROMOTED, first.state(), first.reason());
                assertEquals("node-h2", first.nodeId());
                assertTrue(first.triggerName().startsWith("manual-http-node-h2-"), first.triggerName());
                // the run is marked promoted in the promotion's transaction; the node's cache follows right after it
                assertEquals(first.candidateVersion(), awaitActive(node).version());

                String status = http.send(HttpRequest.newBuilder(base.resolve("/status")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(status.contains("\"retraining\":{\"enabled\":true,\"activeModel\":\"" + first.candidateVersion() + "\""), status);
                assertTrue(status.contains("\"lastRun\":{\"id\":" + first.id() + ",\"state\":\"promoted\""), status);
                assertTrue(status.contains("\"progress\":\"step 4/4\""), status);

                // the command line stores a trigger through its own (unstarted) scheduler; the node's runs it
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                List<String> cli = new java.util.ArrayList<>(List.of("--wait"));
                cli.addAll(sets(sets));
                int code = new RetrainCommand(new PrintStream(out, true, StandardCharsets.UTF_8), System.err).run(new Args(cli));
                String printed = out.toString(StandardCharsets.UTF_8);
                assertEquals(0, code, printed);
                assertTrue(printed.contains("retraining requested: trigger manual-cli-"), printed);
                assertTrue(printed.contains("1 node(s) run the retrain scheduler"), printed);
                assertTrue(printed.contains("ended refused: dataset unchanged"), printed);
                assertEquals(2, runs.latest(10).size());

                // models lists the version; activate refuses an unknown version and keeps the active one
                ByteArrayOutputStream listed = new ByteArrayOutputStream();
                assertEquals(0, models(listed, new ByteArrayOutputStream(), sets(sets)));
                String table = listed.toString(StandardCharsets.UTF_8);
                assertTrue(table.startsWith("VERSION"), table);
                assertTrue(table.matches("(?s).*\\n" + first.candidateVersion() + " +active +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +0\\.6000 +3 +series=3\\.0000\\n.*"), table);
                assertTrue(table.contains("promoted: first model"), table);
                assertTrue(table.contains("run " + first.id() + " promoted on node-h2"), table);

                ByteArrayOutputStream err = new ByteArrayOutputStream();
                assertEquals(1, models(new ByteArrayOutputStream(), err, cons("activate", "no-such-version", sets)));
                assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown model version 'no-such-version'"), err.toString());
                assertTrue(err.toString(StandardCharsets.UTF_8).contains("the active model is unchanged"), err.toString());
                assertEquals(first.candidateVersion(), new ModelRegistry(node.database()).active().orElseThrow().version());
            }
        }
    }

    @Test
    void activateRollsBackAndRefusesAVersionWithoutItsArtifact() throws Exception {
        try (TestH2 h2 = new TestH2()) {
            List<String> sets = List.of("db.url=" + h2.url());
            try (var db = org.ichnode.store.Database.open(h2.url())) {
                ModelRegistry registry = new ModelRegistry(db);
                registry.registerCandidate("m1", Files.createDirectories(tmp.resolve("m1")), Map.of("dice", 0.5), null, null);
                registry.registerCandidate("m2", Files.createDirectories(tmp.resolve("m2")), Map.of("dice", 0.6), null, null);
                registry.activate("m2", "test");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertEquals(0, models(out, new ByteArrayOutputStream(), cons("activate", "m1", sets)));
                assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("model version m1 is active"), out.toString());
                assertEquals("m1", registry.active().orElseThrow().version());
                assertEquals("activated by hand (./ichnode models activate)", registry.active().orElseThrow().decisionReason());

                Files.delete(tmp.resolve("m2"));
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                assertEquals(1, models(new ByteArrayOutputStream(), err, cons("activate", "m2", sets)));
                assertTrue(err.toString(StandardCharsets.UTF_8).contains("model version m2: artifact folder " + tmp.resolve("m2") + " is missing"),
                        err.toString());
                assertEquals("m1", registry.active().orElseThrow().version());

                ByteArrayOutputStream noVersion = new ByteArrayOutputStream();
                assertEquals(2, models(new ByteArrayOutputStream(), noVersion, List.of("activate")));
                assertTrue(noVersion.toString(StandardCharsets.UTF_8).contains("needs a version"));
            }
        }
    }

    @Test
    void emptyRegistryIsSaidSo() throws Exception {
        try (TestH2 h2 = new TestH2()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, models(out, new ByteArrayOutputStream(), List.of("--set", "db.url=" + h2.url())));
            assertEquals("no model versions yet: serving uses the HU threshold baseline\n", out.toString(StandardCharsets.UTF_8));
        }
    }

    private static List<String> cons(String a, String b, List<String> sets) {
        List<String> l = new java.util.ArrayList<>(List.of(a, b));
        l.addAll(sets(sets));
        return l;
    }

    private static List<String> sets(List<String> settings) {
        List<String> l = new java.util.ArrayList<>();
        for (String s : settings) { l.add("--set"); l.add(s); }
        return l;
    }

    private static int models(ByteArrayOutputStream out, ByteArrayOutputStream err, List<String> args) {
        return new ModelsCommand(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
    }

    static TrainingRun awaitEnded(TrainingRuns runs, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            List<TrainingRun> l = runs.latest(100);
            if (l.size() >= count && l.stream().noneMatch(r -> r.state() == RunState.RUNNING)) return l.get(0);
            Thread.sleep(200);
        }
        fail("no " + count + " ended run(s) within 60 s: " + runs.latest(100));
        return null;
    }

    private static ActiveModel.Active awaitActive(IchNode node) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (node.activeModel().current().isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        return node.activeModel().current().orElseThrow();
    }
}
