package org.ichnode.node.retrain;

import org.ichnode.store.Database;
import org.ichnode.store.DatasetSnapshot;
import org.ichnode.store.DatasetSnapshots;
import org.ichnode.store.ModelRegistry;
import org.ichnode.store.ModelState;
import org.ichnode.store.ModelVersion;
import org.ichnode.store.ReportStore;
import org.ichnode.store.RunState;
import org.ichnode.store.TrainingRun;
import org.ichnode.store.TrainingRuns;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Retraining runs end to end on a real PostgreSQL with the deterministic test trainer (no scheduler: see the Quartz tests). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetrainingTest {
    private TestPostgres pg;
    private Database db;
    private ModelRegistry registry;
    private TrainingRuns runs;
    @TempDir Path tmp;
    private Path models;
    private TrainingData data;
    private FixedDiceTrainer trainer;
    private ActiveModel activeModel;

    @BeforeAll
    void open() {
        pg = new TestPostgres();
        db = Database.open(pg.url());
        registry = new ModelRegistry(db);
        runs = new TrainingRuns(db);
    }

    @AfterAll
    void close() throws Exception {
        if (db != null) db.close();
        if (pg != null) pg.close();
    }

    @BeforeEach
    void empty() throws Exception {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE report SET superseded_by = NULL");
            for (String t : List.of("model_version", "training_run", "dataset_entry", "dataset_snapshot", "report", "report_subject",
                    "instance", "series", "study")) {
                st.executeUpdate("DELETE FROM " + t);
            }
        }
        models = tmp.resolve("models");
        data = new TrainingData(db, tmp.resolve("spool"));
        trainer = new FixedDiceTrainer(0.6, Duration.ofMillis(40));
        activeModel = new ActiveModel(registry);
    }

    private Retraining retraining(RetrainPolicy policy) {
        return new Retraining(new ReportStore(db), new DatasetSnapshots(db), runs, registry, trainer, policy, models, "node-t", activeModel);
    }

    /** Auto-promotion on: these tests are about the gate; the sign-off has its own test. */
    private static RetrainPolicy policy(int minStudies) {
        return new RetrainPolicy(0.0, minStudies, 1, Duration.ofMinutes(5)).withAutoPromote(true);
    }

    @Test
    void byDefaultACandidateThatPassesTheGateWaitsForAPerson() throws Exception {
        data.studies(2, 2);
        TrainingRun run = retraining(new RetrainPolicy(0.0, 3, 1, Duration.ofMinutes(5))).run("nightly");
        assertEquals(RunState.APPROVED, run.state(), run.reason());
        assertTrue(run.reason().startsWith("approved by the gate, waiting for a person: first model"), run.reason());
        assertTrue(registry.active().isEmpty(), "nothing goes into service without sign-off");
        assertTrue(activeModel.refresh().isEmpty());
        assertEquals(ModelState.CANDIDATE, registry.find(run.candidateVersion()).orElseThrow().state());

        registry.activate(run.candidateVersion(), "reviewed the validation Dice and 5 cases", "dr.house (dashboard)");
        assertEquals(run.candidateVersion(), registry.active().orElseThrow().version());
        List<ModelRegistry.Event> events = registry.events(2); // the newest two (the class shares its database)
        assertEquals(List.of("activated", "approved"), events.stream().map(ModelRegistry.Event::action).toList());
        assertEquals("dr.house (dashboard)", events.get(0).actor());
        assertEquals("reviewed the validation Dice and 5 cases", events.get(0).reason());
        assertEquals("gate", events.get(1).actor());
    }

    @Test
    void firstCandidateIsPromotedAWorseOneRefusedABetterOnePromoted() throws Exception {
        data.studies(2, 2);
        data.study("uncertain"); // never trains
        Retraining r = retraining(policy(3));

        TrainingRun first = r.run("manual-test");
        assertEquals(RunState.PROMOTED, first.state(), first.reason());
        assertTrue(first.reason().startsWith("promoted: first model"), first.reason());
        assertEquals("step 4/4", first.progress());
        ModelVersion v1 = registry.active().orElseThrow();
        assertEquals(first.candidateVersion(), v1.version());
        assertEquals(first.id(), v1.trainingRunId());
        assertEquals(0.6, v1.metrics().get("dice"));
        assertEquals(4, v1.datasetStudies());
        assertTrue(Files.isRegularFile(v1.artifactPath().resolve("metrics.properties")));
        assertEquals(models.resolve(v1.version()).toAbsolutePath(), v1.artifactPath());
        assertEquals(v1.version(), activeModel.current().orElseThrow().version(), "serving sees the promotion at once");
        DatasetSnapshot seen = trainer.trainedOn.get(0);
        assertEquals(4, seen.entries().size());
        assertEquals(List.of("negative", "negative", "positive", "positive"),
                seen.entries().stream().map(DatasetSnapshot.Entry::label).sorted().toList());
        assertEquals(first.datasetSnapshotId(), seen.id());

        TrainingRun unchanged = r.run("manual-test");
        assertEquals(RunState.REFUSED, unchanged.state());
        assertTrue(unchanged.reason().startsWith("dataset unchanged: model version " + v1.version()), unchanged.reason());
        assertEquals(1, trainer.trainedOn.size(), "no training on the same data");

        data.study("positive");
        trainer.nextDice = 0.55;
        TrainingRun worse = r.run("nightly");
        assertEquals(RunState.REFUSED, worse.state());
        assertTrue(worse.reason().contains("dice 0.5500 vs active " + v1.version() + " 0.6000: gain -0.0500 < retrain.gate.minDiceGain 0.0000"),
                worse.reason());
        ModelVersion refused = registry.find(worse.candidateVersion()).orElseThrow();
        assertEquals(ModelState.CANDIDATE, refused.state());
        assertEquals(worse.reason(), refused.decisionReason());
        assertTrue(Files.isDirectory(refused.artifactPath()), "a refused candidate keeps its artifact (it can be activated by hand)");
        assertEquals(v1.version(), registry.active().orElseThrow().version());

        data.study("negative");
        trainer.nextDice = 0.7;
        TrainingRun better = r.run("nightly");
        assertEquals(RunState.PROMOTED, better.state(), better.reason());
        assertTrue(better.reason().contains("gain +0.1000 >= retrain.gate.minDiceGain"), better.reason());
        assertEquals(better.candidateVersion(), registry.active().orElseThrow().version());
        assertEquals(ModelState.RETIRED, registry.find(v1.version()).orElseThrow().state());
        assertEquals(better.candidateVersion(), activeModel.current().orElseThrow().version());
        assertEquals(6, trainer.trainedOn.get(2).studyCount());
        assertEquals(1, trainer.trainedOn.get(2).newStudies());
        try (var l = Files.list(models)) {
            assertTrue(l.noneMatch(p -> p.getFileName().toString().endsWith(".partial")));
        }
    }

    @Test
    void firstCandidateMustNotBeWorseThanTheModelThatServesWithoutARegistryEntry() throws Exception {
        data.studies(2, 2);
        Path shipped = Files.createDirectories(tmp.resolve("shipped"));
        Files.writeString(shipped.resolve("metrics.properties"), "dice=0.7\n");
        Retraining r = new Retraining(new ReportStore(db), new DatasetSnapshots(db), runs, registry, trainer, policy(1), models,
                "node-t", activeModel, shipped);
        trainer.nextDice = 0.5;
        TrainingRun worse = r.run("nightly");
        assertEquals(RunState.REFUSED, worse.state(), worse.reason());
        assertTrue(worse.reason().contains("dice 0.5000 vs serving model shipped 0.7000: gain -0.2000 < retrain.gate.minDiceGain"), worse.reason());
        assertTrue(registry.active().isEmpty(), "the shipped model keeps serving");
        data.study("negative");
        trainer.nextDice = 0.75;
        TrainingRun better = r.run("nightly");
        assertEquals(RunState.PROMOTED, better.state(), better.reason());
        assertEquals(better.candidateVersion(), registry.active().orElseThrow().version());
    }

    @Test
    void firstCandidateMustNotBeWorseThanTheHuBaselineWhenTheBaselineServes() throws Exception {
        data.studies(2, 2);
        trainer.baselineDice = 0.6;
        trainer.nextDice = 0.5;
        TrainingRun worse = retraining(policy(1)).run("nightly");
        assertEquals(RunState.REFUSED, worse.state(), worse.reason());
        assertTrue(worse.reason().contains("dice 0.5000 vs HU baseline 0.6000: gain -0.1000 < retrain.gate.minDiceGain"), worse.reason());
        assertTrue(registry.active().isEmpty(), "the baseline keeps serving");
        data.study("negative");
        trainer.nextDice = 0.65;
        TrainingRun better = retraining(policy(1)).run("nightly");
        assertEquals(RunState.PROMOTED, better.state(), better.reason());
        assertTrue(better.reason().contains("vs HU baseline 0.6000: gain +0.0500 >="), better.reason());
    }

    @Test
    void minDiceGainAboveZeroRefusesAnEqualCandidate() throws Exception {
        data.studies(2, 1);
        assertEquals(RunState.PROMOTED, retraining(policy(1)).run("t").state());
        data.study("positive");
        TrainingRun r = retraining(new RetrainPolicy(0.01, 1, 1, Duration.ofMinutes(5)).withAutoPromote(true)).run("t");
        assertEquals(RunState.REFUSED, r.state());
        assertTrue(r.reason().contains("gain +0.0000 < retrain.gate.minDiceGain 0.0100"), r.reason());
    }

    @Test
    void tooFewStudiesIsRefusedBeforeTraining() throws Exception {
        data.studies(1, 1);
        TrainingRun r = retraining(policy(3)).run("nightly");
        assertEquals(RunState.REFUSED, r.state());
        assertTrue(r.reason().contains("has 2 labelled studies with a processed series; retrain.gate.minStudies is 3"), r.reason());
        assertNotNull(r.datasetSnapshotId(), "the dataset it judged is frozen and named");
        assertTrue(trainer.trainedOn.isEmpty());
        assertTrue(registry.list().isEmpty());
    }

    @Test
    void aRunLeftRunningByADeadNodeIsInterruptedAndAFreshRunStarts() throws Exception {
        data.studies(2, 2);
        TrainingRun orphan = runs.start("dead-node", "nightly");
        Path leftover = Files.createDirectories(models.resolve("m" + orphan.id() + "-x.partial"));
        Files.writeString(leftover.resolve("half-written"), "x");

        TrainingRun fresh = retraining(policy(1)).run("nightly");
        TrainingRun old = runs.find(orphan.id()).orElseThrow();
        assertEquals(RunState.INTERRUPTED, old.state());
        assertTrue(old.reason().contains("found running when a new run started on node-t"), old.reason());
        assertNotNull(old.endedAt());
        assertFalse(Files.exists(leftover), "the unfinished artifact is deleted");
        assertEquals(RunState.PROMOTED, fresh.state());
        assertEquals(1, registry.list().size());
    }

    @Test
    void aTrainerErrorFailsTheRunAndKeepsTheActiveModel() throws Exception {
        data.studies(2, 2);
        TrainingRun ok = retraining(policy(1)).run("t");
        data.study("positive");
        trainer.failWith = new IllegalStateException("out of memory on the validation set");
        TrainingRun failed = retraining(policy(1)).run("t");
        assertEquals(RunState.FAILED, failed.state());
        assertEquals("IllegalStateException: out of memory on the validation set", failed.reason());
        assertEquals(ok.candidateVersion(), registry.active().orElseThrow().version());
        assertEquals(1, registry.list().size(), "no candidate registered");
        assertFalse(Files.exists(models.resolve(failed.candidateVersion() + ".partial")));
    }

    @Test
    void trainingPastItsTimeLimitIsStopped() throws Exception {
        data.studies(1, 1);
        trainer.trainTime = Duration.ofSeconds(60);
        long t0 = System.nanoTime();
        TrainingRun r = retraining(new RetrainPolicy(0.0, 1, 1, Duration.ofSeconds(1))).run("t");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(RunState.FAILED, r.state());
        assertTrue(r.reason().contains("training did not end within 1 s (retrain.maxMinutes)"), r.reason());
        assertTrue(seconds < 10, "stopped at the limit, took " + seconds + " s");
        assertTrue(registry.list().isEmpty());
    }

    @Test
    void withoutATrainerRunsFailWithTheReason() throws Exception {
        trainer = null;
        TrainingRun r = new Retraining(new ReportStore(db), new DatasetSnapshots(db), runs, registry, null, policy(1), models, "node-t",
                activeModel).run("t");
        assertEquals(RunState.FAILED, r.state());
        assertTrue(r.reason().startsWith("no trainer in this build"), r.reason());
    }
}
