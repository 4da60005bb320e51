package org.ichnode.store;

import static org.junit.jupiter.api.Assertions.*;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
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

/** The delivery queue's behaviour, run once per database engine by the subclasses (a fresh database per class). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DeliveryQueueContractTest {
    private static final Duration LONG_LEASE = Duration.ofMinutes(5);

    protected Database db;
    private DeliveryQueue queue;

    protected abstract Database openFreshDatabase() throws Exception;

    protected abstract Database openSecond();

    protected abstract void dropDatabase() throws Exception;

    @BeforeAll
    void openDb() throws Exception {
        db = openFreshDatabase();
        queue = new DeliveryQueue(db);
    }

    @AfterAll
    void closeDb() throws Exception {
        if (db != null) db.close();
        dropDatabase();
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            for (String t : List.of("alert", "delivery", "result", "job", "instance", "series", "study")) {
                st.executeUpdate("DELETE FROM " + t);
            }
        }
    }

    // ---- helpers

    private static String uid() {
        return "2.25." + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    private record JobRef(long jobId, long seriesId) {}

    /** A study, series and finished job, inserted directly. */
    private JobRef finishedJob() throws SQLException {
        try (Connection c = db.dataSource().getConnection()) {
            OffsetDateTime now = OffsetDateTime.now();
            long study = insert(c, "INSERT INTO study (study_instance_uid, created_at) VALUES (?, ?)", uid(), now);
            long series = insert(c, "INSERT INTO series (series_instance_uid, study_id, state, first_received_at, last_received_at)"
                    + " VALUES (?, ?, 'done', ?, ?)", uid(), study, now, now);
            long job = insert(c, "INSERT INTO job (series_id, kind, state, max_attempts, not_before, created_at)"
                    + " VALUES (?, 'segment', 'done', 3, ?, ?)", series, now, now);
            return new JobRef(job, series);
        }
    }

    private static long insert(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql, new String[] {"id"})) {
            for (int i = 0; i < params.length; i++) st.setObject(i + 1, params[i]);
            st.executeUpdate();
            try (ResultSet rs = st.getGeneratedKeys()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static DeliveryRequest to(String destination, int port, int maxAttempts) {
        String sop = uid();
        return new DeliveryRequest("/results/" + sop + ".dcm", "1.2.840.10008.5.1.4.1.1.66.4", sop, destination,
                destination.toUpperCase(), "127.0.0.1", port, maxAttempts);
    }

    private long record(List<DeliveryRequest> deliveries) throws SQLException {
        JobRef j = finishedJob();
        return queue.recordResult(j.jobId(), j.seriesId(), "/results/job-" + j.jobId(), "{\"volume_ml\":12.5}", deliveries);
    }

    private Delivery delivery(long id) {
        return queue.findDelivery(id).orElseThrow();
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
    void positiveResultsAreClaimedBeforeOlderRoutineOnes() throws SQLException {
        JobRef routine = finishedJob();
        queue.recordResult(routine.jobId(), routine.seriesId(), "/results/r", "{}", List.of(to("pacs", 104, 5), to("pacs", 104, 5)));
        JobRef urgent = finishedJob();
        DeliveryRequest seg = to("pacs", 104, 5);
        long urgentId = queue.recordResult(urgent.jobId(), urgent.seriesId(), "/results/u", "{}", 10, List.of(seg));
        DeliveryBatch first = queue.claimDue("w1", LONG_LEASE, 1).orElseThrow();
        assertEquals(seg.sopInstanceUid(), first.items().get(0).sopInstanceUid(), "the positive result's object goes first");
        DeliveryRequest overlay = to("pacs", 104, 5);
        queue.addDeliveries(urgentId, 10, List.of(overlay));
        DeliveryBatch second = queue.claimDue("w1", LONG_LEASE, 1).orElseThrow();
        assertEquals(overlay.sopInstanceUid(), second.items().get(0).sopInstanceUid());
    }

    @Test
    void alertsAreRecordedOncePerChannelAndDestination() throws SQLException {
        AlertQueue alerts = new AlertQueue(db);
        long result = record(List.of());
        AlertRequest hl7 = new AlertRequest(AlertRequest.HL7, "ris:2575", "MSH|^~\\&|x", 3);
        AlertRequest hook = new AlertRequest(AlertRequest.WEBHOOK, "http://h/x", "{\"a\":1}", 3);
        assertEquals(2, alerts.record(result, List.of(hl7, hook)));
        assertEquals(0, alerts.record(result, List.of(hl7, hook)), "a job run again must not alert twice");
        List<Alert> rows = alerts.alertsOf(result);
        assertEquals(List.of("hl7", "webhook"), rows.stream().map(Alert::channel).toList());
        assertEquals(hl7.message(), rows.get(0).message());
        assertEquals(2L, alerts.countsByState().get(DeliveryState.PENDING));
        assertThrows(IllegalArgumentException.class, () -> new AlertRequest("pager", "x", "m", 1));
    }

    @Test
    void alertIsRetriedThenFailsVisiblyAndCanBeResent() throws SQLException {
        AlertQueue alerts = new AlertQueue(db);
        long result = record(List.of());
        alerts.record(result, List.of(new AlertRequest(AlertRequest.WEBHOOK, "http://h/x", "{}", 2)));
        Alert a = alerts.claimDue("n/a1", LONG_LEASE).orElseThrow();
        assertEquals(1, a.attempts());
        assertTrue(alerts.claimDue("n/a2", LONG_LEASE).isEmpty(), "a leased alert is not claimed twice");
        assertFalse(alerts.markFailedAttempt(a.id(), "n/a2", "not mine", Duration.ZERO, true));
        assertTrue(alerts.markFailedAttempt(a.id(), "n/a1", "HTTP 503", Duration.ZERO, true));
        Alert again = alerts.claimDue("n/a1", LONG_LEASE).orElseThrow();
        assertEquals(2, again.attempts());
        assertTrue(alerts.markFailedAttempt(again.id(), "n/a1", "HTTP 503", Duration.ZERO, true));
        Alert failed = alerts.find(a.id()).orElseThrow();
        assertEquals(DeliveryState.FAILED, failed.state());
        assertEquals("HTTP 503", failed.lastError());
        assertTrue(alerts.claimDue("n/a1", LONG_LEASE).isEmpty());
        assertTrue(alerts.resend(a.id()));
        Alert third = alerts.claimDue("n/a1", LONG_LEASE).orElseThrow();
        assertEquals(1, third.attempts());
        assertTrue(alerts.markDelivered(third.id()));
        assertEquals(DeliveryState.DELIVERED, alerts.find(a.id()).orElseThrow().state());
        assertNotNull(alerts.find(a.id()).orElseThrow().deliveredAt());
        assertFalse(alerts.resend(a.id()), "a delivered alert is never sent again");
    }

    @Test
    void alertFailsAtOnceWhenNotRetryable() throws SQLException {
        AlertQueue alerts = new AlertQueue(db);
        long result = record(List.of());
        alerts.record(result, List.of(new AlertRequest(AlertRequest.HL7, "ris:2575", "MSH", 5)));
        Alert a = alerts.claimDue("n/a1", LONG_LEASE).orElseThrow();
        alerts.markFailedAttempt(a.id(), "n/a1", "AR: unknown accession", Duration.ZERO, false);
        assertEquals(DeliveryState.FAILED, alerts.find(a.id()).orElseThrow().state());
        assertEquals(1L, alerts.countsByState().get(DeliveryState.FAILED));
    }

    @Test
    void recordResultIsIdempotentPerJob() throws SQLException {
        JobRef j = finishedJob();
        List<DeliveryRequest> ds = List.of(to("pacs", 104, 5), to("pacs", 104, 5), to("caller", 11112, 5));
        long id = queue.recordResult(j.jobId(), j.seriesId(), "/results/a", "{}", ds);
        long again = queue.recordResult(j.jobId(), j.seriesId(), "/results/b", "{\"x\":1}", List.of(to("pacs", 104, 5)));
        assertEquals(id, again);
        JobResult r = queue.resultOfJob(j.jobId()).orElseThrow();
        assertEquals("/results/a", r.folder());
        assertEquals("{}", r.summaryJson());
        assertEquals(j.seriesId(), r.seriesId());
        assertNotNull(r.createdAt());
        assertEquals(r, queue.findResult(id).orElseThrow());

        List<Delivery> rows = queue.deliveriesOf(id);
        assertEquals(3, rows.size());
        for (int i = 0; i < 3; i++) {
            Delivery d = rows.get(i);
            assertEquals(ds.get(i).sopInstanceUid(), d.sopInstanceUid());
            assertEquals(ds.get(i).destination(), d.destination());
            assertEquals(DeliveryState.PENDING, d.state());
            assertEquals(0, d.attempts());
            assertEquals(5, d.maxAttempts());
            assertNull(d.leaseOwner());
            assertNotNull(d.nextAttemptAt());
        }
        assertEquals(3L, queue.countsByState().get(DeliveryState.PENDING));
        assertEquals(0L, queue.countsByState().get(DeliveryState.FAILED));

        // the same object to the same destination from another result is not recorded twice
        JobRef k = finishedJob();
        long other = queue.recordResult(k.jobId(), k.seriesId(), "/results/c", null, List.of(ds.get(0), to("pacs", 104, 5)));
        assertEquals(1, queue.deliveriesOf(other).size());
        assertNull(queue.findResult(other).orElseThrow().summaryJson());
    }

    @Test
    void claimTakesOneDestinationAtATime() throws SQLException {
        record(List.of(to("pacs", 104, 3), to("caller", 11112, 3), to("pacs", 104, 3), to("pacs", 104, 3), to("caller", 11112, 3)));
        DeliveryBatch first = queue.claimDue("w1", LONG_LEASE, 10).orElseThrow();
        assertEquals("pacs", first.destination());
        assertEquals("PACS", first.destAe());
        assertEquals("127.0.0.1", first.destHost());
        assertEquals(104, first.destPort());
        assertEquals(3, first.items().size());
        assertTrue(first.items().stream().allMatch(i -> i.attempt() == 1 && i.maxAttempts() == 3));

        DeliveryBatch second = queue.claimDue("w1", LONG_LEASE, 1).orElseThrow();
        assertEquals("caller", second.destination());
        assertEquals(1, second.items().size());
        DeliveryBatch third = queue.claimDue("w2", LONG_LEASE, 10).orElseThrow();
        assertEquals("caller", third.destination());
        assertEquals(1, third.items().size());
        assertTrue(queue.claimDue("w2", LONG_LEASE, 10).isEmpty(), "everything is leased");

        Delivery leased = delivery(first.items().get(0).deliveryId());
        assertEquals("w1", leased.leaseOwner());
        assertEquals(1, leased.attempts());
        assertEquals(first.leaseUntil(), leased.leaseUntil());
        assertEquals(DeliveryState.PENDING, leased.state());
    }

    @Test
    void twoWorkersOnTwoPoolsNeverClaimTheSameDelivery() throws Exception {
        List<DeliveryRequest> ds = new ArrayList<>();
        for (int i = 0; i < 60; i++) ds.add(to(List.of("pacs", "caller", "archive").get(i % 3), 104 + i % 3, 3));
        record(ds);
        try (Database other = openSecond()) {
            DeliveryQueue[] queues = {queue, new DeliveryQueue(other)};
            Set<Long> taken = ConcurrentHashMap.newKeySet();
            AtomicInteger doubles = new AtomicInteger();
            AtomicInteger[] perWorker = {new AtomicInteger(), new AtomicInteger()};
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    int worker = w;
                    fs.add(pool.submit(() -> {
                        String id = "worker-" + worker;
                        Optional<DeliveryBatch> b;
                        while ((b = queues[worker].claimDue(id, LONG_LEASE, 4)).isPresent()) {
                            for (DeliveryBatch.Item item : b.get().items()) {
                                if (!taken.add(item.deliveryId())) doubles.incrementAndGet();
                            }
                            perWorker[worker].addAndGet(b.get().items().size());
                            sleep(2); // "sending"
                            assertEquals(b.get().items().size(), queues[worker].markDelivered(b.get().ids(), id));
                        }
                    }));
                }
                for (Future<?> f : fs) f.get(120, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            assertEquals(0, doubles.get(), "a delivery was claimed twice");
            assertEquals(60, taken.size());
            assertEquals(60L, queue.countsByState().get(DeliveryState.DELIVERED));
            System.out.printf("%s: worker-0 took %d deliveries, worker-1 took %d%n", getClass().getSimpleName(),
                    perWorker[0].get(), perWorker[1].get());
        }
    }

    @Test
    void failedAttemptIsRetriedAfterTheBackoff() throws SQLException {
        record(List.of(to("pacs", 104, 3)));
        DeliveryBatch.Item item = queue.claimDue("w1", LONG_LEASE, 10).orElseThrow().items().get(0);
        assertFalse(queue.markFailedAttempt(item.deliveryId(), "w2", "not mine", Duration.ZERO), "only the holder reports");
        assertTrue(queue.markFailedAttempt(item.deliveryId(), "w1", "connection refused", Duration.ofMillis(1500)));
        Delivery d = delivery(item.deliveryId());
        assertEquals(DeliveryState.PENDING, d.state());
        assertEquals("connection refused", d.lastError());
        assertNull(d.leaseOwner());
        assertTrue(queue.claimDue("w1", LONG_LEASE, 10).isEmpty(), "not due before the backoff ran out");
        sleep(1700);
        DeliveryBatch.Item retry = queue.claimDue("w2", LONG_LEASE, 10).orElseThrow().items().get(0);
        assertEquals(item.deliveryId(), retry.deliveryId());
        assertEquals(2, retry.attempt());
    }

    @Test
    void lastFailedAttemptLeavesAVisibleFailure() throws SQLException {
        record(List.of(to("pacs", 104, 2)));
        for (int attempt = 1; attempt <= 2; attempt++) {
            DeliveryBatch.Item item = queue.claimDue("w1", LONG_LEASE, 10).orElseThrow().items().get(0);
            assertEquals(attempt, item.attempt());
            assertTrue(queue.markFailedAttempt(item.deliveryId(), "w1", "status A700 refused: out of resources #" + attempt, Duration.ZERO));
        }
        assertTrue(queue.claimDue("w1", LONG_LEASE, 10).isEmpty());
        Delivery d = queue.deliveriesOf(d0()).get(0);
        assertEquals(DeliveryState.FAILED, d.state());
        assertEquals(2, d.attempts());
        assertEquals("status A700 refused: out of resources #2", d.lastError());
        assertEquals(1L, queue.countsByState().get(DeliveryState.FAILED));
        assertEquals(0L, queue.countsByState().get(DeliveryState.PENDING));
    }

    private long d0() {
        return db.inTransaction(s -> s.createNativeQuery("SELECT MIN(id) FROM result", Long.class).getSingleResult());
    }

    @Test
    void nonRetryableFailureIsFinalAtOnce() throws SQLException {
        record(List.of(to("pacs", 104, 5)));
        DeliveryBatch.Item item = queue.claimDue("w1", LONG_LEASE, 10).orElseThrow().items().get(0);
        assertTrue(queue.markFailedAttempt(item.deliveryId(), "w1", "SOP class not supported", Duration.ZERO, false));
        assertEquals(DeliveryState.FAILED, delivery(item.deliveryId()).state());
    }

    @Test
    void deliveredIsNeverClaimedAgain() throws SQLException {
        record(List.of(to("pacs", 104, 3), to("pacs", 104, 3)));
        DeliveryBatch b = queue.claimDue("w1", Duration.ofMillis(200), 10).orElseThrow();
        assertEquals(2, queue.markDelivered(b.ids(), "w1"));
        sleep(300); // the lease would have run out
        assertTrue(queue.claimDue("w2", LONG_LEASE, 10).isEmpty());
        long id = b.ids().get(0);
        assertFalse(queue.markFailedAttempt(id, "w1", "late failure", Duration.ZERO));
        assertFalse(queue.resendDelivery(id), "a success is not re-sent");
        assertEquals(0, queue.resendResult(d0()));
        assertEquals(0, queue.markDelivered(b.ids(), "w1"), "already delivered");
        Delivery d = delivery(id);
        assertEquals(DeliveryState.DELIVERED, d.state());
        assertNotNull(d.deliveredAt());
        assertNull(d.leaseOwner());
        assertEquals(2L, queue.countsByState().get(DeliveryState.DELIVERED));
    }

    @Test
    void expiredLeaseIsReclaimedAndTheOldHolderLosesIt() throws SQLException {
        record(List.of(to("pacs", 104, 3)));
        DeliveryBatch.Item item = queue.claimDue("w1", Duration.ofMillis(300), 10).orElseThrow().items().get(0);
        assertTrue(queue.claimDue("w2", LONG_LEASE, 10).isEmpty(), "leased");
        sleep(500);
        DeliveryBatch.Item taken = queue.claimDue("w2", LONG_LEASE, 10).orElseThrow().items().get(0);
        assertEquals(item.deliveryId(), taken.deliveryId());
        assertEquals(2, taken.attempt());
        assertFalse(queue.markFailedAttempt(item.deliveryId(), "w1", "too late", Duration.ZERO), "w1 lost it");
        assertEquals("w2", delivery(item.deliveryId()).leaseOwner());
    }

    @Test
    void leaseExpiringOnTheLastAttemptFailsTheDelivery() throws SQLException {
        record(List.of(to("pacs", 104, 1)));
        queue.claimDue("w1", Duration.ofMillis(200), 10).orElseThrow();
        sleep(400);
        assertTrue(queue.claimDue("w2", LONG_LEASE, 10).isEmpty());
        Delivery d = queue.deliveriesOf(d0()).get(0);
        assertEquals(DeliveryState.FAILED, d.state());
        assertTrue(d.lastError().contains("lease expired"), d.lastError());
    }

    @Test
    void restartedNodeReleasesOnlyItsOwnLeases() throws SQLException {
        record(List.of(to("pacs", 104, 3), to("caller", 11112, 3)));
        DeliveryBatch mine = queue.claimDue("node-a/w1", LONG_LEASE, 10).orElseThrow();
        DeliveryBatch theirs = queue.claimDue("node-b/w1", LONG_LEASE, 10).orElseThrow();
        assertEquals(1, queue.releaseLeasesOf("node-a/"));
        DeliveryBatch again = queue.claimDue("node-a/w2", LONG_LEASE, 10).orElseThrow();
        assertEquals(mine.ids(), again.ids());
        assertEquals("node-b/w1", delivery(theirs.ids().get(0)).leaseOwner());
    }

    @Test
    void resendRequeuesFailedDeliveries() throws SQLException {
        long resultId = record(List.of(to("pacs", 104, 1), to("pacs", 104, 1), to("caller", 11112, 1)));
        for (int i = 0; i < 2; i++) {
            DeliveryBatch b = queue.claimDue("w1", LONG_LEASE, 10).orElseThrow();
            for (long id : b.ids()) assertTrue(queue.markFailedAttempt(id, "w1", "connection refused", Duration.ZERO));
        }
        assertEquals(3L, queue.countsByState().get(DeliveryState.FAILED));
        long one = queue.deliveriesOf(resultId).get(2).id();
        assertTrue(queue.resendDelivery(one));
        assertFalse(queue.resendDelivery(one), "pending already");
        DeliveryBatch b = queue.claimDue("w1", LONG_LEASE, 10).orElseThrow();
        assertEquals(List.of(one), b.ids());
        assertEquals(1, b.items().get(0).attempt());
        assertEquals(1, queue.markDelivered(b.ids(), "w1"));

        assertEquals(2, queue.resendResult(resultId));
        DeliveryBatch rest = queue.claimDue("w1", LONG_LEASE, 10).orElseThrow();
        assertEquals(2, rest.items().size());
        assertEquals("pacs", rest.destination());
        assertEquals(1L, queue.countsByState().get(DeliveryState.DELIVERED));
    }
}
