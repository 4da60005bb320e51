package org.ichnode.node.retrain;

import org.ichnode.app.cli.Args;
import org.ichnode.app.cli.RetrainCommand;
import org.ichnode.node.NodeProcess;
import org.ichnode.store.Database;
import org.ichnode.store.ModelRegistry;
import org.ichnode.store.ModelState;
import org.ichnode.store.RunState;
import org.ichnode.store.TrainingRun;
import org.ichnode.store.TrainingRuns;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Real {@code serve} processes on one PostgreSQL with the clustered Quartz job store. */
class RetrainClusterTest {
    private static final Pattern FIRED = Pattern.compile(
            "retrain job fired: trigger (\\S+) scheduled (\\S+) fire-instance (\\S+) on node (node-[ab])");
    @TempDir Path tmp;

    private static List<String> launcher(double dice, long trainMillis) {
        return List.of(TestTrainerMain.class.getName(), "--dice", String.valueOf(dice), "--train-millis", String.valueOf(trainMillis));
    }

    @Test
    void twoNodesRunEachFiredTriggerExactlyOnce() throws Exception {
        try (TestPostgres pg = new TestPostgres(); Database db = Database.open(pg.url())) {
            new TrainingData(db, tmp.resolve("spool")).studies(2, 1);
            TrainingRuns runs = new TrainingRuns(db);
            // a trigger every 2 s while the first run trains for 1.5 s: the nodes compete for every firing
            String[] sets = {"retrain.cron=0/2 * * * * ?", "retrain.gate.minStudies=2", "retrain.autoPromote=true"};
            try (NodeProcess a = NodeProcess.start(launcher(0.6, 1500), tmp.resolve("a.log"), pg.url(), tmp.resolve("storage"), "node-a", sets);
                 NodeProcess b = NodeProcess.start(launcher(0.6, 1500), tmp.resolve("b.log"), pg.url(), tmp.resolve("storage"), "node-b", sets)) {
                assertEquals(2, RetrainScheduler.liveSchedulers(db), "both nodes' schedulers are in the cluster: " + schedulerStates(db)
                        + "\n" + a.log() + "\n" + b.log());
                awaitRuns(runs, 8);

                // ./ichnode retrain: one more run, on one of the two nodes
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int code = new RetrainCommand(new PrintStream(out, true, StandardCharsets.UTF_8), System.err)
                        .run(new Args(List.of("--wait", "--set", "db.url=" + pg.url())));
                assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
                assertTrue(out.toString(StandardCharsets.UTF_8).contains("2 node(s) run the retrain scheduler"), out.toString(StandardCharsets.UTF_8));
                awaitEnded(runs, "manual-cli-");

                // node-a stops (between runs, so that no run is cut short): node-b takes the next firings
                pauseAndDrain(db, runs);
                a.close();
                int beforeTakeOver = runs.latest(1000).size();
                try (RetrainScheduler client = RetrainScheduler.create(db, "test-client")) {
                    client.quartz().resumeTrigger(RetrainScheduler.CRON);
                }
                awaitRuns(runs, beforeTakeOver + 3);
                pauseAndDrain(db, runs);
                b.close();
                List<TrainingRun> afterTakeOver = runs.latest(1000).subList(0, runs.latest(1000).size() - beforeTakeOver);
                assertTrue(afterTakeOver.size() >= 3);
                for (TrainingRun r : afterTakeOver) assertEquals("node-b", r.nodeId(), "node-a is gone: " + afterTakeOver);

                List<TrainingRun> all = new ArrayList<>(runs.latest(1000));
                all.sort(Comparator.comparing(TrainingRun::id));
                Map<String, Integer> fired = new HashMap<>();
                Map<String, Integer> perNode = new HashMap<>();
                int executions = 0;
                for (String log : List.of(a.log(), b.log())) {
                    Matcher m = FIRED.matcher(log);
                    while (m.find()) {
                        executions++;
                        fired.merge(m.group(1) + "@" + m.group(2), 1, Integer::sum);
                        perNode.merge(m.group(4), 1, Integer::sum);
                    }
                }
                String context = "runs " + all + "; executions per node " + perNode;
                assertEquals(all.size(), executions, "one run per execution; " + context);
                fired.forEach((firing, n) -> assertEquals(1, n, firing + " executed " + n + " times; " + context));
                assertEquals(1, fired.keySet().stream().filter(k -> k.startsWith("manual-cli-")).count(), context);
                for (int i = 1; i < all.size(); i++) {
                    assertFalse(all.get(i).startedAt().isBefore(all.get(i - 1).endedAt()), "runs never overlap; " + context);
                }
                assertEquals(RunState.PROMOTED, all.get(0).state(), context);
                for (TrainingRun r : all.subList(1, all.size())) {
                    assertEquals(RunState.REFUSED, r.state(), context);
                    assertTrue(r.reason().startsWith("dataset unchanged"), r.reason());
                }
                ModelRegistry registry = new ModelRegistry(db);
                assertEquals(1, registry.list().size());
                assertEquals(ModelState.ACTIVE, registry.list().get(0).state());
                System.out.println("two-node retraining: " + all.size() + " runs, executions per node " + perNode);
            }
        }
    }

    @Test
    void aRunKilledWithItsNodeIsInterruptedAndRestartedWhenTheNodeComesBack() throws Exception {
        try (TestPostgres pg = new TestPostgres(); Database db = Database.open(pg.url())) {
            new TrainingData(db, tmp.resolve("spool")).studies(2, 1);
            TrainingRuns runs = new TrainingRuns(db);
            Path storage = tmp.resolve("storage");
            TrainingRun killed;
            try (NodeProcess a = NodeProcess.start(launcher(0.6, 40_000), tmp.resolve("a1.log"), pg.url(), storage, "node-a",
                    "retrain.gate.minStudies=2", "retrain.autoPromote=true")) {
                RetrainScheduler.requestRunFromOutside(db, "test");
                killed = awaitRunning(runs, "step 1/4");
                assertTrue(Files.isDirectory(storage.resolve("models").resolve(killed.candidateVersion() + ".partial")));
                a.kill9();
            }
            assertEquals(RunState.RUNNING, runs.find(killed.id()).orElseThrow().state(), "nobody knows yet");
            try (NodeProcess again = NodeProcess.start(launcher(0.7, 300), tmp.resolve("a2.log"), pg.url(), storage, "node-a",
                    "retrain.gate.minStudies=2", "retrain.autoPromote=true")) {
                awaitRuns(runs, 2);
                TrainingRun old = runs.find(killed.id()).orElseThrow();
                assertEquals(RunState.INTERRUPTED, old.state());
                assertEquals("node node-a stopped while the run was running", old.reason());
                TrainingRun fresh = runs.latest(1).get(0);
                assertEquals(RunState.PROMOTED, fresh.state(), fresh.reason());
                assertTrue(fresh.triggerName().endsWith("(recovery)"), "Quartz re-fired the interrupted job: " + fresh.triggerName());
                assertFalse(Files.exists(storage.resolve("models").resolve(killed.candidateVersion() + ".partial")));
                ModelRegistry registry = new ModelRegistry(db);
                assertEquals(1, registry.list().size(), "the killed run registered nothing");
                assertEquals(fresh.candidateVersion(), registry.active().orElseThrow().version());
                assertEquals(0.7, registry.active().orElseThrow().metrics().get("dice"));
                assertTrue(again.log().contains("(recovering a run whose node died)"), again.log());
            }
        }
    }

    /** Stops the cron firing and waits until the run in progress, if any, has ended. */
    private static void pauseAndDrain(Database db, TrainingRuns runs) throws Exception {
        try (RetrainScheduler client = RetrainScheduler.create(db, "test-client")) {
            client.quartz().pauseTrigger(RetrainScheduler.CRON);
        }
        Thread.sleep(3000);
        awaitRuns(runs, runs.latest(1000).size());
    }

    private static String schedulerStates(Database db) throws Exception {
        StringBuilder b = new StringBuilder("now " + System.currentTimeMillis());
        try (var c = db.dataSource().getConnection(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT instance_name, last_checkin_time, checkin_interval FROM qrtz_scheduler_state")) {
            while (rs.next()) b.append("; ").append(rs.getString(1)).append(' ').append(rs.getLong(2)).append(' ').append(rs.getLong(3));
        }
        return b.toString();
    }

    private static void awaitRuns(TrainingRuns runs, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            List<TrainingRun> l = runs.latest(1000);
            if (l.stream().filter(r -> r.state() != RunState.RUNNING).count() >= count) return;
            Thread.sleep(250);
        }
        fail("fewer than " + count + " ended runs within 120 s: " + runs.latest(1000));
    }

    private static void awaitEnded(TrainingRuns runs, String triggerPrefix) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (runs.latest(1000).stream().anyMatch(r -> r.triggerName().startsWith(triggerPrefix) && r.state() != RunState.RUNNING)) return;
            Thread.sleep(250);
        }
        fail("no ended run of trigger " + triggerPrefix + "* within 60 s: " + runs.latest(1000));
    }

    private static TrainingRun awaitRunning(TrainingRuns runs, String progress) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (TrainingRun r : runs.latest(10)) {
                if (r.state() == RunState.RUNNING && progress.equals(r.progress())) return r;
            }
            Thread.sleep(200);
        }
        fail("no run reached '" + progress + "' within 60 s: " + runs.latest(10));
        return null;
    }
}
