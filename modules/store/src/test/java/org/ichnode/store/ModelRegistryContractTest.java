package org.ichnode.store;

import static org.junit.jupiter.api.Assertions.*;
import org.ichnode.store.testing.TestRows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Model registry, training runs and dataset snapshots, run once per database engine by the subclasses. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ModelRegistryContractTest {
    protected Database db;
    private ModelRegistry registry;
    private TrainingRuns runs;
    private DatasetSnapshots snapshots;
    @TempDir Path tmp;

    protected abstract Database openFreshDatabase() throws Exception;

    protected abstract void dropDatabase() throws Exception;

    @BeforeAll
    void openDb() throws Exception {
        db = openFreshDatabase();
        registry = new ModelRegistry(db);
        runs = new TrainingRuns(db);
        snapshots = new DatasetSnapshots(db);
    }

    @AfterAll
    void closeDb() throws Exception {
        if (db != null) db.close();
        dropDatabase();
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            for (String t : List.of("model_version", "training_run", "dataset_entry", "dataset_snapshot", "instance", "series", "study")) {
                st.executeUpdate("DELETE FROM " + t);
            }
        }
    }

    private Path artifact(String name) throws Exception {
        return Files.createDirectories(tmp.resolve(name));
    }

    private ModelVersion candidate(String version, double dice) throws Exception {
        return registry.registerCandidate(version, artifact(version), Map.of("dice", dice), null, null);
    }

    private long activeRows() throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM model_version WHERE state = 'active'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ---- versions

    @Test
    void candidatesAreListedNewestFirstWithTheirMetrics() throws Exception {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("dice", 0.625);
        metrics.put("recall", 0.8);
        ModelVersion a = registry.registerCandidate("m1", artifact("m1"), metrics, null, null);
        assertEquals(ModelState.CANDIDATE, a.state());
        assertEquals(metrics, a.metrics());
        assertEquals(tmp.resolve("m1").toAbsolutePath(), a.artifactPath());
        assertNotNull(a.createdAt());
        candidate("m2", 0.5);
        assertEquals(List.of("m2", "m1"), registry.list().stream().map(ModelVersion::version).toList());
        assertTrue(registry.active().isEmpty(), "no active model before the first activation");

        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> candidate("m1", 0.7));
        assertTrue(dup.getMessage().contains("exists already"), dup.getMessage());
        IllegalArgumentException noDir = assertThrows(IllegalArgumentException.class,
                () -> registry.registerCandidate("m3", tmp.resolve("nothing-here"), Map.of(), null, null));
        assertTrue(noDir.getMessage().contains("is missing"), noDir.getMessage());
    }

    @Test
    void activationRetiresThePreviousVersionAndRollsBack() throws Exception {
        candidate("m1", 0.5);
        candidate("m2", 0.6);
        ModelVersion m1 = registry.activate("m1", "first");
        assertEquals(ModelState.ACTIVE, m1.state());
        assertEquals("first", m1.decisionReason());
        assertNotNull(m1.activatedAt());

        ModelVersion m2 = registry.activate("m2", "better");
        assertEquals(ModelState.ACTIVE, m2.state());
        assertEquals(ModelState.RETIRED, registry.find("m1").orElseThrow().state());
        assertNotNull(registry.find("m1").orElseThrow().retiredAt());
        assertEquals("m2", registry.active().orElseThrow().version());
        assertEquals(1, activeRows());

        registry.activate("m1", "rollback");
        assertEquals("m1", registry.active().orElseThrow().version());
        assertEquals(ModelState.RETIRED, registry.find("m2").orElseThrow().state());
        assertNull(registry.find("m1").orElseThrow().retiredAt());
        assertEquals(1, activeRows());

        assertEquals(ModelState.ACTIVE, registry.activate("m1", "again").state(), "activating the active version changes nothing");
        assertEquals("rollback", registry.find("m1").orElseThrow().decisionReason());
    }

    @Test
    void unknownVersionOrMissingArtifactIsNotActivated() throws Exception {
        candidate("m1", 0.5);
        candidate("m2", 0.6);
        registry.activate("m1", "first");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> registry.activate("nope", "x"));
        assertTrue(unknown.getMessage().contains("unknown model version 'nope'"), unknown.getMessage());

        Files.delete(tmp.resolve("m2"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> registry.activate("m2", "x"));
        assertTrue(missing.getMessage().contains("artifact folder") && missing.getMessage().contains("is missing"), missing.getMessage());
        assertEquals("m1", registry.active().orElseThrow().version(), "the active model is unchanged");
        assertEquals(ModelState.CANDIDATE, registry.find("m2").orElseThrow().state());
    }

    @Test
    void theDatabaseRefusesASecondActiveRow() throws Exception {
        candidate("m1", 0.5);
        candidate("m2", 0.6);
        registry.activate("m1", "first");
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            assertThrows(SQLException.class,
                    () -> st.executeUpdate("UPDATE model_version SET state = 'active', active_slot = 1 WHERE version = 'm2'"));
            assertThrows(SQLException.class,
                    () -> st.executeUpdate("UPDATE model_version SET state = 'active' WHERE version = 'm2'"), "active without its slot");
        }
        assertEquals(1, activeRows());
    }

    @Test
    void concurrentActivationsLeaveExactlyOneActive() throws Exception {
        List<String> versions = List.of("c1", "c2", "c3", "c4");
        for (String v : versions) candidate(v, 0.5);
        ExecutorService pool = Executors.newFixedThreadPool(versions.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (String v : versions) {
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 5; i++) {
                        registry.activate(v, "race " + i);
                        assertTrue(activeRows() <= 1);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, activeRows());
        assertEquals(3, registry.list().stream().filter(m -> m.state() == ModelState.RETIRED).count());
    }

    // ---- promotion with training runs

    @Test
    void promotionEndsTheRunAndActivatesTheCandidateTogether() throws Exception {
        candidate("old", 0.5);
        registry.activate("old", "first");
        TrainingRun run = runs.start("node-a", "manual");
        assertEquals(RunState.RUNNING, run.state());
        assertTrue(runs.progress(run.id(), "epoch 1/2"));
        assertEquals("epoch 1/2", runs.find(run.id()).orElseThrow().progress());
        registry.registerCandidate("new", artifact("new"), Map.of("dice", 0.7), null, run.id());

        ModelVersion promoted = registry.promote(run.id(), "new", "dice 0.70 >= 0.50");
        assertEquals(ModelState.ACTIVE, promoted.state());
        assertEquals(run.id(), promoted.trainingRunId());
        TrainingRun ended = runs.find(run.id()).orElseThrow();
        assertEquals(RunState.PROMOTED, ended.state());
        assertEquals("dice 0.70 >= 0.50", ended.reason());
        assertNotNull(ended.endedAt());
        assertEquals(ModelState.RETIRED, registry.find("old").orElseThrow().state());
        assertFalse(runs.progress(run.id(), "late"), "an ended run takes no progress");
    }

    @Test
    void anInterruptedRunIsNeverPromoted() throws Exception {
        candidate("old", 0.5);
        registry.activate("old", "first");
        TrainingRun run = runs.start("node-a", "cron");
        registry.registerCandidate("new", artifact("new"), Map.of("dice", 0.9), null, run.id());
        assertEquals(List.of(run.id()), runs.interruptRunning(null, "found running by run 99"));

        assertThrows(IllegalStateException.class, () -> registry.promote(run.id(), "new", "better"));
        assertEquals("old", registry.active().orElseThrow().version());
        assertEquals(ModelState.CANDIDATE, registry.find("new").orElseThrow().state());
        TrainingRun r = runs.find(run.id()).orElseThrow();
        assertEquals(RunState.INTERRUPTED, r.state());
        assertEquals("found running by run 99", r.reason());
    }

    @Test
    void aPromotionThatFailsHalfwayChangesNothing() throws Exception {
        candidate("old", 0.5);
        registry.activate("old", "first");
        TrainingRun run = runs.start("node-a", "cron");
        registry.registerCandidate("new", artifact("new"), Map.of("dice", 0.9), null, run.id());
        Files.delete(tmp.resolve("new"));
        // the run is ended first inside the transaction; the missing artifact then fails the activation
        assertThrows(IllegalArgumentException.class, () -> registry.promote(run.id(), "new", "better"));
        assertEquals(RunState.RUNNING, runs.find(run.id()).orElseThrow().state(), "the run's end was rolled back");
        assertEquals("old", registry.active().orElseThrow().version());
        assertEquals(1, activeRows());
    }

    @Test
    void refusalRecordsTheReasonOnRunAndCandidate() throws Exception {
        TrainingRun run = runs.start("node-a", "cron");
        registry.registerCandidate("new", artifact("new"), Map.of("dice", 0.4), null, run.id());
        registry.refuse(run.id(), "new", "dice 0.40 < active 0.50 + 0.00");
        assertEquals(RunState.REFUSED, runs.find(run.id()).orElseThrow().state());
        assertEquals("dice 0.40 < active 0.50 + 0.00", runs.find(run.id()).orElseThrow().reason());
        ModelVersion m = registry.find("new").orElseThrow();
        assertEquals(ModelState.CANDIDATE, m.state());
        assertEquals("dice 0.40 < active 0.50 + 0.00", m.decisionReason());
        assertThrows(IllegalStateException.class, () -> registry.refuse(run.id(), null, "twice"));
    }

    @Test
    void interruptingByNodeLeavesOtherNodesRuns() {
        TrainingRun a = runs.start("node-a", "cron");
        TrainingRun b = runs.start("node-b", "cron");
        assertEquals(List.of(a.id()), runs.interruptRunning("node-a", "node-a restarted"));
        assertEquals(RunState.RUNNING, runs.find(b.id()).orElseThrow().state());
        assertTrue(runs.fail(b.id(), "boom"));
        assertFalse(runs.fail(b.id(), "boom again"));
        assertEquals(List.of(b.id(), a.id()), runs.latest(5).stream().map(TrainingRun::id).toList());
    }

    // ---- dataset snapshots

    private long study(String uid) throws SQLException {
        return insert("INSERT INTO study (study_instance_uid, created_at) VALUES (?, ?)", uid, OffsetDateTime.now());
    }

    private long series(long studyId, String uid, String state) throws SQLException {
        return insert("""
                INSERT INTO series (series_instance_uid, study_id, state, first_received_at, last_received_at)
                VALUES (?, ?, ?, ?, ?)""", uid, studyId, state, OffsetDateTime.now(), OffsetDateTime.now());
    }

    private void instance(long seriesId, String sopUid, String sha) throws SQLException {
        insert("""
                INSERT INTO instance (sop_instance_uid, series_id, file_path, size_bytes, sha256, received_at)
                VALUES (?, ?, ?, 1, ?, ?)""", sopUid, seriesId, "/spool/" + sopUid + ".dcm", sha, OffsetDateTime.now());
    }

    private long insert(String sql, Object... values) throws SQLException { return TestRows.insert(db, sql, values); }

    private static String uid() {
        return "2.25." + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    @Test
    void aSnapshotFreezesTheProcessedSeriesOfLabelledStudiesWithHashes() throws Exception {
        String studyA = uid(), studyB = uid(), studyC = uid();
        long a = study(studyA), b = study(studyB), c = study(studyC);
        long a1 = series(a, "1.2.3.1", "done");
        instance(a1, "1.2.3.1.2", "bb");
        instance(a1, "1.2.3.1.1", "aa");
        series(a, "1.2.3.9", "ignored"); // a scout: not eligible, not in the dataset
        long b1 = series(b, "1.2.3.2", "done");
        instance(b1, "1.2.3.2.1", "cc");
        series(c, "1.2.3.3", "failed"); // no processed series: the study is left out
        Instant linked = Instant.parse("2026-01-01T00:00:00Z");
        List<TrainingLabel> labels = List.of(
                new TrainingLabel(a, studyA, "positive", "{}", 11, ReportState.FINAL, linked),
                new TrainingLabel(b, studyB, "negative", "{}", 12, ReportState.FINAL, linked),
                new TrainingLabel(c, studyC, "negative", "{}", 13, ReportState.FINAL, linked));

        DatasetSnapshot s1 = snapshots.freeze(labels);
        assertEquals(2, s1.studyCount());
        assertEquals(2, s1.newStudies(), "first snapshot: every study is new");
        assertEquals(List.of("1.2.3.1", "1.2.3.2"), s1.entries().stream().map(DatasetSnapshot.Entry::seriesInstanceUid).toList());
        DatasetSnapshot.Entry e = s1.entries().get(0);
        assertEquals("positive", e.label());
        assertEquals(11, e.reportId());
        assertEquals(List.of(Path.of("/spool/1.2.3.1.1.dcm"), Path.of("/spool/1.2.3.1.2.dcm")), e.files(), "SOP Instance UID order");
        try (Connection conn = db.dataSource().getConnection(); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), min(instance_count), max(instance_count) FROM dataset_entry WHERE snapshot_id = " + s1.id())) {
            rs.next();
            assertEquals(2, rs.getInt(1));
            assertEquals(1, rs.getInt(2));
            assertEquals(2, rs.getInt(3));
        }

        DatasetSnapshot same = snapshots.freeze(labels);
        assertEquals(s1.contentHash(), same.contentHash(), "same data, same hash");
        assertEquals(0, same.newStudies(), "nothing linked since the previous freeze");

        List<TrainingLabel> relabelled = List.of(labels.get(0),
                new TrainingLabel(b, studyB, "positive", "{}", 14, ReportState.CORRECTED, Instant.now().plusSeconds(60)));
        DatasetSnapshot changed = snapshots.freeze(relabelled);
        assertNotEquals(s1.contentHash(), changed.contentHash(), "a corrected label changes the hash");
        assertEquals(1, changed.newStudies());

        instance(b1, "1.2.3.2.2", "dd");
        assertNotEquals(changed.contentHash(), snapshots.freeze(relabelled).contentHash(), "a new instance changes the hash");

        registry.registerCandidate("m1", artifact("m1"), Map.of("dice", 0.5), s1.id(), null);
        assertEquals("m1", registry.trainedOn(s1.contentHash()).orElseThrow().version());
        assertEquals(2, registry.find("m1").orElseThrow().datasetStudies());
        assertTrue(registry.trainedOn(changed.contentHash()).isEmpty());
    }
}
