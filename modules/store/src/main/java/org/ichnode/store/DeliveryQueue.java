package org.ichnode.store;

import static org.ichnode.store.SqlTime.instant;
import static org.ichnode.store.SqlTime.ts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.hibernate.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery of result objects to DICOM destinations: one row per object and destination, shared by delivery
 * workers in any number of processes. A worker claims the due deliveries of one destination under a lease
 * (SELECT ... FOR UPDATE SKIP LOCKED, so workers never wait for or share a row), sends them over one association
 * and reports each one. A failed attempt is retried after the backoff the worker gives until {@code max_attempts}
 * attempts were made, then the delivery is {@code failed} (visible) until re-sent by hand. A delivered row is
 * never claimed again. A worker that dies leaves its rows leased: they are claimed again once the lease runs out
 * (or at once after {@link #releaseLeasesOf}). Every time decision uses the database's clock.
 *
 * <p>{@code attempts} counts attempts started: it goes up at claim time, so a worker that keeps dying while
 * sending also ends in {@code failed}.
 */
public final class DeliveryQueue {
    private static final Logger log = LoggerFactory.getLogger(DeliveryQueue.class);

    private static final String COLUMNS = """
            id, result_id, file_path, sop_class_uid, sop_instance_uid, destination, dest_ae, dest_host, dest_port,
            state, attempts, max_attempts, next_attempt_at, lease_owner, lease_until, last_error, created_at, delivered_at""";
    private static final String DUE = """
            state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)""";

    private final Database db;

    public DeliveryQueue(Database db) {
        this.db = db;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c, Instant now) throws SQLException;
    }

    private <T> T tx(Work<T> work) {
        return db.inTransaction(s -> jdbc(s, work));
    }

    private static <T> T jdbc(Session s, Work<T> work) {
        Instant now = Database.now(s);
        return s.doReturningWork(c -> work.run(c, now));
    }

    /**
     * Records the result of a finished job and its deliveries (pending, due now) in one transaction. Idempotent
     * per job: if the job has a result already, nothing changes and its id is returned. A delivery whose
     * (SOP Instance UID, destination) is recorded already (by any result) is left as it is.
     *
     * @return the result's id
     */
    public long recordResult(long jobId, long seriesId, String folder, String summaryJson, List<DeliveryRequest> deliveries) {
        return recordResult(jobId, seriesId, folder, summaryJson, 0, deliveries);
    }

    /**
     * As {@link #recordResult(long, long, String, String, List)}, the deliveries with a priority: due deliveries
     * of a higher priority are claimed first (a positive call's SEG and SR before a backlog of negatives).
     */
    public long recordResult(long jobId, long seriesId, String folder, String summaryJson, int priority, List<DeliveryRequest> deliveries) {
        return db.inDurableTransactionRetrying(5, s -> jdbc(s, (c, now) -> {
            try (PreparedStatement st = c.prepareStatement("SELECT id FROM result WHERE job_id = ?")) {
                st.setLong(1, jobId);
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) return rs.getLong(1);
                }
            }
            long resultId;
            try (PreparedStatement st = c.prepareStatement(
                    "INSERT INTO result (job_id, series_id, folder, summary_json, created_at) VALUES (?, ?, ?, ?, ?)",
                    new String[] {"id"})) {
                st.setLong(1, jobId);
                st.setLong(2, seriesId);
                st.setString(3, folder);
                if (summaryJson == null) st.setNull(4, Types.VARCHAR); else st.setString(4, summaryJson);
                st.setObject(5, ts(now));
                st.executeUpdate();
                try (ResultSet rs = st.getGeneratedKeys()) {
                    rs.next();
                    resultId = rs.getLong(1);
                }
            }
            int added = insertDeliveries(c, resultId, priority, deliveries, now);
            log.info("result {} of job {} recorded in {} with {} deliveries", resultId, jobId, folder, added);
            return resultId;
        }));
    }

    /**
     * Adds deliveries to a recorded result (objects written after the first ones went out, e.g. the overlay).
     * A (SOP Instance UID, destination) pair that is there already is not added again. Returns how many were added.
     */
    public int addDeliveries(long resultId, List<DeliveryRequest> deliveries) {
        return addDeliveries(resultId, 0, deliveries);
    }

    /** As {@link #addDeliveries(long, List)} with a priority (higher is claimed first). */
    public int addDeliveries(long resultId, int priority, List<DeliveryRequest> deliveries) {
        return db.inDurableTransactionRetrying(5, s -> jdbc(s, (c, now) -> insertDeliveries(c, resultId, priority, deliveries, now)));
    }

    private static int insertDeliveries(Connection c, long resultId, int priority, List<DeliveryRequest> deliveries, Instant now)
            throws SQLException {
        int added = 0;
        for (DeliveryRequest d : deliveries) {
            try (PreparedStatement st = c.prepareStatement("SELECT 1 FROM delivery WHERE sop_instance_uid = ? AND destination = ?")) {
                st.setString(1, d.sopInstanceUid());
                st.setString(2, d.destination());
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        log.warn("result {}: {} to {} is recorded already, not added again", resultId, d.sopInstanceUid(), d.destination());
                        continue;
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement("""
                    INSERT INTO delivery (result_id, file_path, sop_class_uid, sop_instance_uid, destination, dest_ae,
                        dest_host, dest_port, state, attempts, max_attempts, next_attempt_at, created_at, priority)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)""")) {
                st.setLong(1, resultId);
                st.setString(2, d.filePath());
                st.setString(3, d.sopClassUid());
                st.setString(4, d.sopInstanceUid());
                st.setString(5, d.destination());
                st.setString(6, d.destAe());
                st.setString(7, d.destHost());
                st.setInt(8, d.destPort());
                st.setInt(9, d.maxAttempts());
                st.setObject(10, ts(now));
                st.setObject(11, ts(now));
                st.setInt(12, priority);
                st.executeUpdate();
                added++;
            }
        }
        return added;
    }

    /**
     * Claims up to {@code maxObjects} due pending deliveries, all to the same destination (the one with the
     * highest-priority, then oldest, due delivery; the batch itself is taken in the same order), leased to {@code workerId} until now + {@code lease}. Empty when nothing is due or
     * everything due is leased. Rows whose lease ran out on their last attempt become failed here.
     */
    public Optional<DeliveryBatch> claimDue(String workerId, Duration lease, int maxObjects) {
        if (maxObjects < 1) throw new IllegalArgumentException("maxObjects must be at least 1");
        Optional<DeliveryBatch> claimed = claim(workerId, lease, maxObjects);
        // the attempt is counted before anything is sent: after a crash, an item whose attempt count says it was tried
        // is looked up at the destination before it is sent again (a lost claim made it go twice). Not for empty polls.
        if (claimed.isPresent()) db.flushDelayedCommits();
        return claimed;
    }

    private Optional<DeliveryBatch> claim(String workerId, Duration lease, int maxObjects) {
        return tx((c, now) -> {
            Instant until = now.plus(lease);
            while (true) {
                Delivery first;
                try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM delivery WHERE " + DUE
                        + " ORDER BY priority DESC, next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED")) {
                    st.setObject(1, ts(now));
                    st.setObject(2, ts(now));
                    List<Delivery> l = read(st);
                    if (l.isEmpty()) return Optional.<DeliveryBatch>empty();
                    first = l.get(0);
                }
                List<Delivery> candidates;
                try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM delivery WHERE " + DUE
                        + " AND destination = ? AND dest_ae = ? AND dest_host = ? AND dest_port = ?"
                        + " ORDER BY priority DESC, id LIMIT ? FOR UPDATE SKIP LOCKED")) {
                    st.setObject(1, ts(now));
                    st.setObject(2, ts(now));
                    st.setString(3, first.destination());
                    st.setString(4, first.destAe());
                    st.setString(5, first.destHost());
                    st.setInt(6, first.destPort());
                    st.setInt(7, maxObjects);
                    candidates = read(st);
                }
                List<Delivery> claimed = new ArrayList<>();
                for (Delivery d : candidates) {
                    if (d.attempts() >= d.maxAttempts()) {
                        String error = "lease expired on attempt " + d.attempts() + " of " + d.maxAttempts()
                                + " (owner " + d.leaseOwner() + ")" + (d.lastError() == null ? "" : "; before: " + d.lastError());
                        LeasedRows.fail(c, "delivery", d.id(), error);
                        log.warn("delivery {} of {} to {} failed: {}", d.id(), d.sopInstanceUid(), d.destination(), error);
                    } else {
                        claimed.add(d);
                    }
                }
                if (claimed.isEmpty()) continue; // all were exhausted: look again
                try (PreparedStatement st = c.prepareStatement("UPDATE delivery SET attempts = attempts + 1, lease_owner = ?, lease_until = ?"
                        + " WHERE id IN (" + placeholders(claimed.size()) + ")")) {
                    st.setString(1, workerId);
                    st.setObject(2, ts(until));
                    for (int i = 0; i < claimed.size(); i++) st.setLong(3 + i, claimed.get(i).id());
                    st.executeUpdate();
                }
                List<DeliveryBatch.Item> items = claimed.stream().map(d -> new DeliveryBatch.Item(d.id(), d.resultId(), d.filePath(),
                        d.sopClassUid(), d.sopInstanceUid(), d.attempts() + 1, d.maxAttempts())).toList();
                return Optional.of(new DeliveryBatch(first.destination(), first.destAe(), first.destHost(), first.destPort(), until, items));
            }
        });
    }

    /**
     * Marks deliveries delivered (final: never claimed again). A success is a fact, so this also holds for rows
     * whose lease ran out or that another worker took over meanwhile, and for rows already failed; rows delivered
     * already are left as they are. Returns how many rows changed.
     */
    public int markDelivered(Collection<Long> deliveryIds, String workerId) {
        if (deliveryIds.isEmpty()) return 0;
        return db.inDurableTransaction(s -> jdbc(s, (c, now) -> {
            try (PreparedStatement st = c.prepareStatement("""
                    UPDATE delivery SET state = 'delivered', delivered_at = ?, lease_owner = NULL, lease_until = NULL, last_error = NULL
                    WHERE state IN ('pending', 'failed') AND id IN (""" + placeholders(deliveryIds.size()) + ")")) {
                st.setObject(1, ts(now));
                int i = 2;
                for (long id : deliveryIds) st.setLong(i++, id);
                int n = st.executeUpdate();
                log.debug("{} marked {} deliveries delivered", workerId, n);
                return n;
            }
        }));
    }

    /** A failed, retryable attempt: see {@link #markFailedAttempt(long, String, String, Duration, boolean)}. */
    public boolean markFailedAttempt(long deliveryId, String workerId, String error, Duration backoff) {
        return markFailedAttempt(deliveryId, workerId, error, backoff, true);
    }

    /**
     * Records a failed attempt. Retryable and attempts left: pending again, due at now + backoff. Otherwise
     * failed (visible, until {@link #resendDelivery}/{@link #resendResult}). False (nothing changed) if the
     * worker no longer holds the delivery (another worker took it over, or it is not pending any more).
     */
    public boolean markFailedAttempt(long deliveryId, String workerId, String error, Duration backoff, boolean retryable) {
        return tx((c, now) -> LeasedRows.failedAttempt(c, now, "delivery", deliveryId, workerId, error, backoff, retryable));
    }

    /**
     * Expires the leases of pending deliveries whose owner starts with {@code ownerPrefix} (a restarted node's
     * own workers), so they are claimed again at once. Returns how many.
     */
    public int releaseLeasesOf(String ownerPrefix) {
        return tx((c, now) -> LeasedRows.releaseLeasesOf(c, now, "delivery", ownerPrefix));
    }

    /** Re-sends the failed deliveries of a result (the objects are still in its folder): pending, due now, attempts from 0. */
    public int resendResult(long resultId) {
        return resend("result_id = ?", resultId);
    }

    /** Re-sends one failed delivery. True if it was failed and is pending now. */
    public boolean resendDelivery(long deliveryId) {
        return resend("id = ?", deliveryId) == 1;
    }

    private int resend(String where, long id) {
        return tx((c, now) -> LeasedRows.resend(c, now, "delivery", where, id));
    }

    /** Number of deliveries per state, for the status page; states with none are present with 0. */
    public Map<DeliveryState, Long> countsByState() {
        return tx((c, now) -> LeasedRows.countsByState(c, "delivery"));
    }

    /** The deliveries of a result, oldest first. */
    public List<Delivery> deliveriesOf(long resultId) {
        return tx((c, now) -> {
            try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM delivery WHERE result_id = ? ORDER BY id")) {
                st.setLong(1, resultId);
                return read(st);
            }
        });
    }

    public Optional<Delivery> findDelivery(long deliveryId) {
        return tx((c, now) -> {
            try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM delivery WHERE id = ?")) {
                st.setLong(1, deliveryId);
                return read(st).stream().findFirst();
            }
        });
    }

    public Optional<JobResult> findResult(long resultId) {
        return readResult("id = ?", resultId);
    }

    public Optional<JobResult> resultOfJob(long jobId) {
        return readResult("job_id = ?", jobId);
    }

    private Optional<JobResult> readResult(String where, long key) {
        return tx((c, now) -> {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT id, job_id, series_id, folder, summary_json, created_at FROM result WHERE " + where)) {
                st.setLong(1, key);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) return Optional.<JobResult>empty();
                    return Optional.of(new JobResult(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4),
                            rs.getString(5), instant(rs, 6)));
                }
            }
        });
    }

    // ---- JDBC helpers

    private static List<Delivery> read(PreparedStatement st) throws SQLException {
        List<Delivery> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(new Delivery(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getString(7), rs.getString(8), rs.getInt(9), DeliveryState.fromDb(rs.getString(10)),
                        rs.getInt(11), rs.getInt(12), instant(rs, 13), rs.getString(14), instant(rs, 15), rs.getString(16),
                        instant(rs, 17), instant(rs, 18)));
            }
        }
        return out;
    }

    private static String placeholders(int n) {
        return java.util.stream.Stream.generate(() -> "?").limit(n).collect(Collectors.joining(", "));
    }
}
