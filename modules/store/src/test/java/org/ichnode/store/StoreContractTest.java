package org.ichnode.store;

import static org.junit.jupiter.api.Assertions.*;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The store's behaviour, run once per database engine by the subclasses. Each subclass opens a fresh
 * database for the class; tables are emptied before each test so claims never see another test's jobs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StoreContractTest {
    private static final Duration LONG_LEASE = Duration.ofMinutes(5);

    protected Database db;
    private InstanceRecorder recorder;
    private SeriesCompletion completion;
    private JobQueue queue;
    private StoreQueries queries;

    /** Opens a Database on a fresh, empty database created for this test class. */
    protected abstract Database openFreshDatabase() throws Exception;

    /** A second, independent Database on the same database (another pool, like another process where possible). */
    protected abstract Database openSecond();

    protected abstract void dropDatabase() throws Exception;

    @BeforeAll
    void openDb() throws Exception {
        db = openFreshDatabase();
        recorder = new InstanceRecorder(db);
        completion = new SeriesCompletion(db, "segment", 2);
        queue = new JobQueue(db);
        queries = new StoreQueries(db);
    }

    @AfterAll
    void closeDb() throws Exception {
        if (db != null) {
            db.close();
        }
        dropDatabase();
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            for (String t : List.of("job", "instance", "series", "study")) {
                st.executeUpdate("DELETE FROM " + t);
            }
        }
    }

    // ---- helpers

    private static String uid() {
        return "2.25." + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    private static NewInstance ct(String study, String series, String sop, String sha, Integer expected) {
        return new NewInstance(study, series, sop, "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.2.1",
                "PID1", "ACC1", LocalDate.of(2024, 5, 17), "CT", "HEAD", "Head 5mm",
                5.0, "1\\0\\0\\0\\1\\0", "ORIGINAL\\PRIMARY\\AXIAL", expected,
                "/spool/" + sop + "-" + sha + ".dcm", 525_000L, sha, "PACS1");
    }

    private static NewInstance ct(String study, String series, Integer expected) {
        return ct(study, series, uid(), "aa", expected);
    }

    private static final Optional<String> KEEP = Optional.empty();

    /** Completes everything that is receiving, as if all series had been quiet for an hour. */
    private List<CompletionResult> completeAll() {
        return completion.completeStableSeries(Duration.ofSeconds(5), db.now().plus(Duration.ofHours(1)), c -> KEEP);
    }

    private Series series(String uid) {
        return queries.findSeries(uid).orElseThrow();
    }

    private Job job(long id) {
        return queries.findJob(id).orElseThrow();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // ---- tests

    @Test
    void migrationsApplied() throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version, success FROM flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank")) {
            assertTrue(rs.next());
            assertEquals("1", rs.getString(1));
            assertTrue(rs.getBoolean(2));
        }
        assertEquals(0L, queries.seriesCountsByState().get(SeriesState.RECEIVING));
    }

    @Test
    void recordCreatesStudyAndSeriesAndCounts() {
        String study = uid(), series = uid();
        RecordResult a = recorder.record(ct(study, series, 40));
        RecordResult b = recorder.record(ct(study, series, 40));
        assertEquals(RecordResult.Outcome.NEW, a.outcome());
        assertEquals(RecordResult.Outcome.NEW, b.outcome());
        assertEquals(a.seriesId(), b.seriesId());
        assertFalse(a.duplicate() || a.seriesReopened());

        Series s = series(series);
        assertEquals(SeriesState.RECEIVING, s.getState());
        assertEquals(2, s.getInstanceCount());
        assertEquals(40, s.getExpectedCount());
        assertEquals("HEAD", s.getBodyPart());
        assertEquals(5.0, s.getSliceThickness());
        assertEquals("ORIGINAL\\PRIMARY\\AXIAL", s.getImageType());
        assertFalse(s.getLastReceivedAt().isBefore(s.getFirstReceivedAt()));
        Study st = db.inTransaction(x -> x.get(Study.class, s.getStudyId()));
        assertEquals(study, st.getStudyInstanceUid());
        assertEquals(LocalDate.of(2024, 5, 17), st.getStudyDate());
        assertEquals(2, queries.instanceFilesOfSeries(series).size());
        assertEquals(2, queries.allInstanceFiles().size());
    }

    @Test
    void recordAcceptsMissingOptionalHeaders() {
        String series = uid();
        recorder.record(new NewInstance(uid(), series, uid(), null, null, null, null, null, null, null, null,
                null, null, null, null, "/spool/x.dcm", 1, "ff", null));
        assertEquals(1, series(series).getInstanceCount());
    }

    @Test
    void duplicateWithSameContentChangesNothing() {
        String series = uid(), sop = uid();
        RecordResult first = recorder.record(ct(uid(), series, sop, "aa", null));
        NewInstance again = ct(uid(), series, sop, "aa", null);
        RecordResult dup = recorder.record(again);
        assertEquals(RecordResult.Outcome.DUPLICATE_SAME, dup.outcome());
        assertTrue(dup.duplicate());
        assertEquals(first.instanceId(), dup.instanceId());
        assertNull(dup.supersededFilePath());
        assertEquals(1, series(series).getInstanceCount());
    }

    @Test
    void duplicateWithDifferentContentReplacesFile() {
        String study = uid(), series = uid(), sop = uid();
        NewInstance v1 = ct(study, series, sop, "aa", null);
        NewInstance v2 = ct(study, series, sop, "bb", null);
        recorder.record(v1);
        RecordResult dup = recorder.record(v2);
        assertEquals(RecordResult.Outcome.DUPLICATE_REPLACED, dup.outcome());
        assertEquals(v1.filePath(), dup.supersededFilePath());
        assertEquals(List.of(v2.filePath()), queries.instanceFilesOfSeries(series));
        Instance row = db.inTransaction(x -> x.get(Instance.class, dup.instanceId()));
        assertEquals("bb", row.getSha256());
        assertEquals(1, series(series).getInstanceCount());
    }

    @Test
    void seriesCompletesWhenStable() {
        String series = uid();
        recorder.record(ct(uid(), series, null));
        Instant now = db.now();
        assertTrue(completion.completeStableSeries(Duration.ofSeconds(30), now, c -> KEEP).isEmpty());
        assertEquals(SeriesState.RECEIVING, series(series).getState());

        List<CompletionResult> done = completion.completeStableSeries(Duration.ofSeconds(30), now.plusSeconds(31), c -> KEEP);
        assertEquals(1, done.size());
        CompletionResult r = done.get(0);
        assertEquals(SeriesState.QUEUED, r.state());
        assertNotNull(r.jobId());
        Series s = series(series);
        assertEquals(SeriesState.QUEUED, s.getState());
        assertNotNull(s.getCompletedAt());
        Job j = job(r.jobId());
        assertEquals(JobState.QUEUED, j.getState());
        assertEquals("segment", j.getKind());
        assertEquals(0, j.getAttempts());
        assertEquals(2, j.getMaxAttempts());
        // Nothing left to do on the next sweep.
        assertTrue(completion.completeStableSeries(Duration.ofSeconds(30), now.plusSeconds(60), c -> KEEP).isEmpty());
    }

    @Test
    void seriesCompletesWhenExpectedCountReached() {
        String study = uid(), series = uid();
        recorder.record(ct(study, series, 3));
        recorder.record(ct(study, series, 3));
        Duration stable = Duration.ofMinutes(10);
        assertTrue(completion.completeStableSeries(stable, db.now(), c -> KEEP).isEmpty());
        recorder.record(ct(study, series, 3));
        List<CompletionResult> done = completion.completeStableSeries(stable, db.now(), c -> KEEP);
        assertEquals(1, done.size());
        assertEquals(SeriesState.QUEUED, series(series).getState());
    }

    @Test
    void selectionRulesCanIgnoreWithReason() {
        String head = uid(), thick = uid();
        recorder.record(ct(uid(), head, null));
        NewInstance t = ct(uid(), thick, null);
        recorder.record(new NewInstance(t.studyUid(), t.seriesUid(), t.sopInstanceUid(), t.sopClassUid(),
                t.transferSyntaxUid(), null, null, null, "CT", "HEAD", "scout", 10.0, null, "ORIGINAL\\PRIMARY\\LOCALIZER",
                null, t.filePath(), t.sizeBytes(), t.sha256(), null));
        List<SeriesCandidate> seen = new ArrayList<>();
        List<CompletionResult> done = completion.completeStableSeries(Duration.ofSeconds(5), db.now().plusSeconds(60), c -> {
            seen.add(c);
            return c.sliceThickness() != null && c.sliceThickness() > 6 ? Optional.of("slice thickness > 6 mm") : KEEP;
        });
        assertEquals(2, done.size());
        assertEquals(2, seen.size());
        SeriesCandidate tc = seen.stream().filter(c -> c.seriesUid().equals(thick)).findFirst().orElseThrow();
        assertEquals("ORIGINAL\\PRIMARY\\LOCALIZER", tc.imageType());
        assertEquals(1, tc.instanceCount());
        assertEquals(t.studyUid(), tc.studyUid());

        Series ignored = series(thick);
        assertEquals(SeriesState.IGNORED, ignored.getState());
        assertEquals("slice thickness > 6 mm", ignored.getStateReason());
        assertEquals(SeriesState.QUEUED, series(head).getState());
        assertEquals(1L, queries.jobCountsByState().get(JobState.QUEUED));
        assertEquals(1L, queries.seriesCountsByState().get(SeriesState.IGNORED));
    }

    /** A malformed header fails its own series only: the series after it in the same pass is still queued. */
    @Test
    void aSeriesWhoseHeaderBreaksTheSelectionIsIgnoredAloneAndThePassGoesOn() {
        String bad = uid(), good = uid();
        NewInstance t = ct(uid(), bad, null);
        recorder.record(new NewInstance(t.studyUid(), t.seriesUid(), t.sopInstanceUid(), t.sopClassUid(), t.transferSyntaxUid(),
                null, null, null, "CT", "HEAD", "Head 5mm", 5.0, "1\\0\\0\\0\\1", "ORIGINAL\\PRIMARY\\AXIAL", null,
                t.filePath(), t.sizeBytes(), t.sha256(), null));
        recorder.record(ct(uid(), good, null));
        List<CompletionResult> done = completion.completeStableSeries(Duration.ofSeconds(5), db.now().plusSeconds(60), c -> {
            org.ichnode.core.selection.SeriesDescriptor.parseOrientation(c.imageOrientation()); // throws on 5 values
            return KEEP;
        });
        assertEquals(2, done.size());
        Series ignored = series(bad);
        assertEquals(SeriesState.IGNORED, ignored.getState());
        assertTrue(ignored.getStateReason().contains("ImageOrientationPatient needs 6 values"), ignored.getStateReason());
        assertEquals(SeriesState.QUEUED, series(good).getState());
    }

    @Test
    void lateInstanceReopensQueuedSeries() {
        String study = uid(), series = uid();
        recorder.record(ct(study, series, null));
        long firstJob = completeAll().get(0).jobId();

        RecordResult late = recorder.record(ct(study, series, null));
        assertTrue(late.seriesReopened());
        Series s = series(series);
        assertEquals(SeriesState.RECEIVING, s.getState());
        assertEquals(2, s.getInstanceCount());
        assertNull(s.getCompletedAt());
        assertEquals(JobState.FAILED, job(firstJob).getState());
        assertEquals(InstanceRecorder.SUPERSEDED, job(firstJob).getLastError());

        List<CompletionResult> again = completeAll();
        assertEquals(1, again.size());
        ClaimedJob c = queue.claim("w1", LONG_LEASE).orElseThrow();
        assertEquals(again.get(0).jobId(), c.jobId());
        assertEquals(2, c.filePaths().size());
    }

    @Test
    void lateInstanceWhileRunningTakesTheJobFromTheWorker() {
        String study = uid(), series = uid();
        recorder.record(ct(study, series, null));
        completeAll();
        ClaimedJob c = queue.claim("w1", LONG_LEASE).orElseThrow();
        assertEquals(SeriesState.RUNNING, series(series).getState());

        assertTrue(recorder.record(ct(study, series, null)).seriesReopened());
        assertFalse(queue.renewLease(c.jobId(), "w1", LONG_LEASE));
        assertFalse(queue.complete(c.jobId(), "w1", "{}"));
        assertEquals(SeriesState.RECEIVING, series(series).getState());
        assertEquals(JobState.FAILED, job(c.jobId()).getState());
    }

    @Test
    void lateInstanceReopensDoneSeries() {
        String study = uid(), series = uid();
        recorder.record(ct(study, series, null));
        completeAll();
        ClaimedJob c = queue.claim("w1", LONG_LEASE).orElseThrow();
        assertTrue(queue.complete(c.jobId(), "w1", "{}"));
        RecordResult late = recorder.record(ct(study, series, null));
        assertTrue(late.seriesReopened());
        assertEquals(SeriesState.RECEIVING, series(series).getState());
        assertTrue(series(series).getStateReason().contains("done"));
        assertEquals(JobState.DONE, job(c.jobId()).getState(), "a finished job keeps its result");
    }

    @Test
    void urgentSeriesIsClaimedBeforeOlderRoutineOnes() {
        String routine = uid(), urgent = uid();
        recorder.record(ct(uid(), routine, null));
        recorder.record(ct(uid(), urgent, null));
        // the rule gives the second series (by UID, standing in for a STAT description) priority 10
        List<CompletionResult> done = completion.completeStableSeries(Duration.ofSeconds(5), db.now().plus(Duration.ofHours(1)),
                c -> KEEP, c -> c.seriesUid().equals(urgent) ? 10 : 0);
        assertEquals(2, done.size());
        ClaimedJob first = queue.claim("w1", LONG_LEASE).orElseThrow();
        assertEquals(urgent, first.seriesUid(), "the urgent series goes first although it came second");
        assertEquals(10, job(first.jobId()).getPriority());
        assertEquals(routine, queue.claim("w1", LONG_LEASE).orElseThrow().seriesUid());
    }

    @Test
    void claimAndComplete() {
        String study = uid(), series = uid();
        NewInstance a = ct(study, series, null), b = ct(study, series, null);
        recorder.record(a);
        recorder.record(b);
        long jobId = completeAll().get(0).jobId();

        ClaimedJob c = queue.claim("w1", LONG_LEASE).orElseThrow();
        assertEquals(jobId, c.jobId());
        assertEquals(series, c.seriesUid());
        assertEquals("segment", c.kind());
        assertEquals(1, c.attempt());
        assertEquals(List.of(a.filePath(), b.filePath()), c.filePaths());
        assertEquals(SeriesState.RUNNING, series(series).getState());
        Job running = job(jobId);
        assertEquals(JobState.RUNNING, running.getState());
        assertEquals("w1", running.getLeaseOwner());
        assertNotNull(running.getStartedAt());
        assertTrue(queue.claim("w2", LONG_LEASE).isEmpty());

        assertTrue(queue.renewLease(jobId, "w1", LONG_LEASE));
        assertFalse(queue.complete(jobId, "w2", "{}"), "only the owner may complete");
        assertTrue(queue.complete(jobId, "w1", "{\"slices\":2}"));
        Job done = job(jobId);
        assertEquals(JobState.DONE, done.getState());
        assertEquals("{\"slices\":2}", done.getResultJson());
        assertNotNull(done.getFinishedAt());
        assertEquals(SeriesState.DONE, series(series).getState());
        assertFalse(queue.complete(jobId, "w1", "{}"), "completing twice is refused");
        assertTrue(queue.claim("w1", LONG_LEASE).isEmpty());
    }

    @Test
    void restartedNodeReleasesOnlyItsOwnLeases() {
        recorder.record(ct(uid(), uid(), null));
        recorder.record(ct(uid(), uid(), null));
        completeAll();
        ClaimedJob mine = queue.claim("nodeA/w1", LONG_LEASE).orElseThrow();
        ClaimedJob theirs = queue.claim("nodeB/w1", LONG_LEASE).orElseThrow();

        assertEquals(1, queue.releaseLeasesOf("nodeA/"));
        ClaimedJob again = queue.claim("nodeA/w1", LONG_LEASE).orElseThrow();
        assertEquals(mine.jobId(), again.jobId(), "the interrupted job is taken again at once");
        assertEquals(2, again.attempt());
        assertTrue(queue.claim("nodeA/w2", LONG_LEASE).isEmpty(), "the other node's job keeps its lease");
        assertTrue(queue.renewLease(theirs.jobId(), "nodeB/w1", LONG_LEASE));
    }

    @Test
    void expiredLeaseIsTakenOverAndTheOldOwnerLosesIt() {
        recorder.record(ct(uid(), uid(), null));
        completeAll();
        ClaimedJob first = queue.claim("w1", Duration.ofMillis(1000)).orElseThrow();
        assertTrue(queue.claim("w2", LONG_LEASE).isEmpty(), "lease still valid");
        sleep(1300);
        ClaimedJob second = queue.claim("w2", LONG_LEASE).orElseThrow();
        assertEquals(first.jobId(), second.jobId());
        assertEquals(2, second.attempt());

        assertFalse(queue.renewLease(first.jobId(), "w1", LONG_LEASE));
        assertFalse(queue.complete(first.jobId(), "w1", "{}"));
        assertFalse(queue.fail(first.jobId(), "w1", "x", true, Duration.ZERO));
        assertTrue(queue.renewLease(second.jobId(), "w2", LONG_LEASE));
        assertTrue(queue.complete(second.jobId(), "w2", "{}"));
    }

    @Test
    void leaseExpiringOnTheLastAttemptFailsTheJob() {
        String series = uid();
        recorder.record(ct(uid(), series, null));
        long jobId = completeAll().get(0).jobId();  // max attempts 2
        queue.claim("w1", Duration.ofMillis(200)).orElseThrow();
        sleep(400);
        assertEquals(2, queue.claim("w2", Duration.ofMillis(200)).orElseThrow().attempt());
        sleep(400);
        assertTrue(queue.claim("w3", LONG_LEASE).isEmpty());
        Job j = job(jobId);
        assertEquals(JobState.FAILED, j.getState());
        assertTrue(j.getLastError().startsWith("lease expired after 2 attempts"), j.getLastError());
        assertEquals(SeriesState.FAILED, series(series).getState());
    }

    @Test
    void failRetriesAfterBackoffThenFailsForGood() {
        String series = uid();
        recorder.record(ct(uid(), series, null));
        long jobId = completeAll().get(0).jobId();  // max attempts 2
        ClaimedJob c1 = queue.claim("w1", LONG_LEASE).orElseThrow();
        assertTrue(queue.fail(c1.jobId(), "w1", "out of memory", true, Duration.ofMillis(1000)));
        assertEquals(JobState.QUEUED, job(jobId).getState());
        assertEquals("out of memory", job(jobId).getLastError());
        assertEquals(SeriesState.QUEUED, series(series).getState());
        assertTrue(queue.claim("w1", LONG_LEASE).isEmpty(), "backoff not over");
        sleep(1300);
        ClaimedJob c2 = queue.claim("w2", LONG_LEASE).orElseThrow();
        assertEquals(2, c2.attempt());
        assertTrue(queue.fail(c2.jobId(), "w2", "out of memory again", true, Duration.ZERO));
        Job j = job(jobId);
        assertEquals(JobState.FAILED, j.getState());
        assertEquals("out of memory again", j.getLastError());
        assertEquals(SeriesState.FAILED, series(series).getState());
        assertTrue(queue.claim("w1", LONG_LEASE).isEmpty());
    }

    @Test
    void nonRetryableFailureIsFinal() {
        String series = uid();
        recorder.record(ct(uid(), series, null));
        long jobId = completeAll().get(0).jobId();
        ClaimedJob c = queue.claim("w1", LONG_LEASE).orElseThrow();
        assertTrue(queue.fail(c.jobId(), "w1", "not a head CT", false, Duration.ZERO));
        assertEquals(JobState.FAILED, job(jobId).getState());
        assertEquals("not a head CT", series(series).getStateReason());
    }

    @Test
    void concurrentFirstInstancesOfOneNewSeries() throws Exception {
        String study = uid(), series = uid();
        int threads = 4, each = 10;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        recorder.record(ct(study, series, null));
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * each, series(series).getInstanceCount());
        assertEquals(threads * each, queries.instanceFilesOfSeries(series).size());
        assertEquals(1L, queries.seriesCountsByState().get(SeriesState.RECEIVING));
    }

    /** Late instances racing with workers and sweeps: no deadlock, no error, and every series ends done. */
    @Test
    void lateInstancesRacingWithWorkers() throws Exception {
        int seriesCount = 8, rounds = 4;
        List<NewInstance> firsts = new ArrayList<>();
        for (int i = 0; i < seriesCount; i++) {
            NewInstance n = ct(uid(), uid(), null);
            firsts.add(n);
            recorder.record(n);
        }
        completeAll();
        AtomicInteger recorderDone = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> fs = new ArrayList<>();
            fs.add(pool.submit(() -> {
                for (int r = 0; r < rounds; r++) {
                    for (NewInstance f : firsts) {
                        recorder.record(ct(f.studyUid(), f.seriesUid(), null));
                    }
                    completeAll();
                }
                recorderDone.set(1);
            }));
            for (int w = 0; w < 2; w++) {
                String id = "racer-" + w;
                fs.add(pool.submit(() -> {
                    while (true) {
                        Optional<ClaimedJob> c = queue.claim(id, LONG_LEASE);
                        if (c.isEmpty()) {
                            if (recorderDone.get() == 1) {
                                return;
                            }
                            sleep(5);
                            continue;
                        }
                        queue.renewLease(c.get().jobId(), id, LONG_LEASE);
                        queue.complete(c.get().jobId(), id, "{}");  // false when a late instance took it
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // Whatever was reopened last gets completed and processed once more.
        completeAll();
        Optional<ClaimedJob> c;
        while ((c = queue.claim("last", LONG_LEASE)).isPresent()) {
            assertTrue(queue.complete(c.get().jobId(), "last", "{}"));
        }
        for (NewInstance f : firsts) {
            Series s = series(f.seriesUid());
            assertEquals(SeriesState.DONE, s.getState());
            assertEquals(1 + rounds, s.getInstanceCount());
            assertEquals(1, queries.jobsOfSeries(s.getId()).stream().filter(j -> j.getState() == JobState.DONE
                    && j.getFinishedAt() != null && !j.getFinishedAt().isBefore(s.getCompletedAt())).count(),
                    "the last completion was processed exactly once");
        }
        assertEquals(0L, queries.jobCountsByState().get(JobState.QUEUED));
        assertEquals(0L, queries.jobCountsByState().get(JobState.RUNNING));
    }

    @Test
    void concurrentWorkersNeverShareAJobAndTakeThemAll() throws Exception {
        int jobs = 50;
        for (int i = 0; i < jobs; i++) {
            recorder.record(ct(uid(), uid(), null));
        }
        assertEquals(jobs, completeAll().size());

        try (Database other = openSecond()) {
            JobQueue[] queues = {queue, new JobQueue(other != null ? other : db)};
            Set<Long> taken = ConcurrentHashMap.newKeySet();
            AtomicInteger doubles = new AtomicInteger();
            List<List<Long>> perWorker = List.of(new ArrayList<>(), new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    int worker = w;
                    fs.add(pool.submit(() -> {
                        String id = "worker-" + worker;
                        Optional<ClaimedJob> c;
                        while ((c = queues[worker].claim(id, LONG_LEASE)).isPresent()) {
                            long jobId = c.get().jobId();
                            if (!taken.add(jobId)) {
                                doubles.incrementAndGet();
                            }
                            perWorker.get(worker).add(jobId);
                            assertTrue(queues[worker].complete(jobId, id, "{}"));
                        }
                    }));
                }
                for (Future<?> f : fs) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(0, doubles.get(), "a job was claimed twice");
            assertEquals(jobs, taken.size());
            assertEquals(jobs, perWorker.get(0).size() + perWorker.get(1).size());
            assertEquals((long) jobs, queries.jobCountsByState().get(JobState.DONE));
            assertEquals((long) jobs, queries.seriesCountsByState().get(SeriesState.DONE));
            System.out.printf("%s: worker-0 took %d jobs, worker-1 took %d%n", getClass().getSimpleName(),
                    perWorker.get(0).size(), perWorker.get(1).size());
        }
    }
}
