package org.ichnode.store;

import static org.ichnode.store.SqlTime.instant;
import static org.ichnode.store.SqlTime.ts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hibernate.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerts on positive calls, shared by alert workers in any number of processes, with the delivery queue's rules:
 * claimed one at a time under a lease (FOR UPDATE SKIP LOCKED), retried after the worker's backoff until
 * {@code max_attempts} attempts were started, then {@code failed} and visible until re-sent by hand; a delivered alert
 * is never sent again. Recording is idempotent per (result, channel, destination), so a job that is run again after
 * a crash does not alert twice. Every time decision uses the database's clock.
 */
public final class AlertQueue {
    private static final Logger log = LoggerFactory.getLogger(AlertQueue.class);

    private static final String COLUMNS = """
            id, result_id, channel, destination, message, state, attempts, max_attempts, next_attempt_at, last_error,
            created_at, delivered_at""";

    private final Database db;

    public AlertQueue(Database db) {
        this.db = db;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c, Instant now) throws SQLException;
    }

    private <T> T tx(Work<T> work) {
        return db.inTransactionRetrying(5, s -> jdbc(s, work));
    }

    /** A transaction whose commit is in the file when it returns: what must survive a crash (recorded, delivered). */
    private <T> T durableTx(Work<T> work) {
        return db.inDurableTransactionRetrying(5, s -> jdbc(s, work));
    }

    private static <T> T jdbc(Session s, Work<T> work) {
        Instant now = Database.now(s);
        return s.doReturningWork(c -> work.run(c, now));
    }

    /** Records the alerts of a result, due now; one already recorded for the same channel and destination is kept. */
    public int record(long resultId, List<AlertRequest> alerts) {
        if (alerts.isEmpty()) return 0;
        return durableTx((c, now) -> {
            int added = 0;
            for (AlertRequest a : alerts) {
                try (PreparedStatement st = c.prepareStatement(
                        "SELECT 1 FROM alert WHERE result_id = ? AND channel = ? AND destination = ?")) {
                    st.setLong(1, resultId);
                    st.setString(2, a.channel());
                    st.setString(3, a.destination());
                    try (ResultSet rs = st.executeQuery()) {
                        if (rs.next()) continue;
                    }
                }
                try (PreparedStatement st = c.prepareStatement("""
                        INSERT INTO alert (result_id, channel, destination, message, state, attempts, max_attempts,
                            next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)""")) {
                    st.setLong(1, resultId);
                    st.setString(2, a.channel());
                    st.setString(3, a.destination());
                    st.setString(4, a.message());
                    st.setInt(5, a.maxAttempts());
                    st.setObject(6, ts(now));
                    st.setObject(7, ts(now));
                    st.executeUpdate();
                    added++;
                }
            }
            if (added > 0) log.info("result {}: {} alert(s) recorded", resultId, added);
            return added;
        });
    }

    /**
     * Claims the oldest due alert, leased to {@code workerId} until now + {@code lease}. An alert whose lease ran out
     * on its last attempt becomes failed here instead.
     */
    public Optional<Alert> claimDue(String workerId, Duration lease) {
        return tx((c, now) -> {
            while (true) {
                Alert a;
                try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM alert WHERE state = 'pending'"
                        + " AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)"
                        + " ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED")) {
                    st.setObject(1, ts(now));
                    st.setObject(2, ts(now));
                    List<Alert> l = read(st);
                    if (l.isEmpty()) return Optional.<Alert>empty();
                    a = l.get(0);
                }
                if (a.attempts() >= a.maxAttempts()) {
                    LeasedRows.fail(c, "alert", a.id(), "lease expired on attempt " + a.attempts() + " of " + a.maxAttempts()
                            + (a.lastError() == null ? "" : "; before: " + a.lastError()));
                    continue;
                }
                try (PreparedStatement st = c.prepareStatement(
                        "UPDATE alert SET attempts = attempts + 1, lease_owner = ?, lease_until = ? WHERE id = ?")) {
                    st.setString(1, workerId);
                    st.setObject(2, ts(now.plus(lease)));
                    st.setLong(3, a.id());
                    st.executeUpdate();
                }
                return Optional.of(new Alert(a.id(), a.resultId(), a.channel(), a.destination(), a.message(), a.state(),
                        a.attempts() + 1, a.maxAttempts(), a.nextAttemptAt(), a.lastError(), a.createdAt(), a.deliveredAt()));
            }
        });
    }

    /** The receiver acknowledged the alert: final. Holds even when the lease ran out meanwhile (a success is a fact). */
    public boolean markDelivered(long alertId) {
        return durableTx((c, now) -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE alert SET state = 'delivered', delivered_at = ?, lease_owner = NULL,"
                    + " lease_until = NULL, last_error = NULL WHERE id = ? AND state IN ('pending', 'failed')")) {
                st.setObject(1, ts(now));
                st.setLong(2, alertId);
                return st.executeUpdate() == 1;
            }
        });
    }

    /**
     * A failed attempt: pending again after {@code backoff} while retryable and attempts are left, failed otherwise.
     * False when the worker no longer holds the alert.
     */
    public boolean markFailedAttempt(long alertId, String workerId, String error, Duration backoff, boolean retryable) {
        return tx((c, now) -> LeasedRows.failedAttempt(c, now, "alert", alertId, workerId, error, backoff, retryable));
    }

    /** A failed alert is pending again, due now, with its attempts from 0. True if it was failed. */
    public boolean resend(long alertId) {
        return tx((c, now) -> LeasedRows.resend(c, now, "alert", "id = ?", alertId) == 1);
    }

    /** Expires the leases held by a restarted node's own workers, so their alerts go out at once. */
    public int releaseLeasesOf(String ownerPrefix) {
        return tx((c, now) -> LeasedRows.releaseLeasesOf(c, now, "alert", ownerPrefix));
    }

    /** Alerts per state; states with none are present with 0. */
    public Map<DeliveryState, Long> countsByState() {
        return tx((c, now) -> LeasedRows.countsByState(c, "alert"));
    }

    /** The alerts of a result, oldest first. */
    public List<Alert> alertsOf(long resultId) {
        return tx((c, now) -> {
            try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM alert WHERE result_id = ? ORDER BY id")) {
                st.setLong(1, resultId);
                return read(st);
            }
        });
    }

    public Optional<Alert> find(long alertId) {
        return tx((c, now) -> {
            try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM alert WHERE id = ?")) {
                st.setLong(1, alertId);
                return read(st).stream().findFirst();
            }
        });
    }

    private static List<Alert> read(PreparedStatement st) throws SQLException {
        List<Alert> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(new Alert(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        DeliveryState.fromDb(rs.getString(6)), rs.getInt(7), rs.getInt(8), instant(rs, 9), rs.getString(10),
                        instant(rs, 11), instant(rs, 12)));
            }
        }
        return out;
    }
}
