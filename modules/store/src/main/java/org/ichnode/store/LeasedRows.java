package org.ichnode.store;

import static org.ichnode.store.SqlTime.ts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules the delivery and the alert queues share, on any table with their columns (state pending/delivered/failed,
 * attempts, max_attempts, next_attempt_at, lease_owner, lease_until, last_error): a failed attempt waits for its
 * backoff or ends failed, a restarted node's leases expire, a failed row is sent again by hand, counts by state.
 * {@code table} is always one of our own table names, never input.
 */
final class LeasedRows {
    private static final Logger log = LoggerFactory.getLogger(LeasedRows.class);

    private LeasedRows() {}

    /**
     * A failed attempt: pending again after {@code backoff} while retryable and attempts are left, failed otherwise.
     * False (nothing changed) when {@code workerId} no longer holds the row.
     */
    static boolean failedAttempt(Connection c, Instant now, String table, long id, String workerId, String error, Duration backoff,
                                 boolean retryable) throws SQLException {
        int attempts, max;
        try (PreparedStatement st = c.prepareStatement(
                "SELECT attempts, max_attempts FROM " + table + " WHERE id = ? AND state = 'pending' AND lease_owner = ? FOR UPDATE")) {
            st.setLong(1, id);
            st.setString(2, workerId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) return false;
                attempts = rs.getInt(1);
                max = rs.getInt(2);
            }
        }
        if (retryable && attempts < max) {
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE " + table + " SET next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, last_error = ? WHERE id = ?")) {
                st.setObject(1, ts(now.plus(backoff)));
                st.setString(2, error);
                st.setLong(3, id);
                st.executeUpdate();
            }
            log.info("{} {} attempt {} of {} failed, retry after {}: {}", table, id, attempts, max, backoff, error);
        } else {
            fail(c, table, id, error);
            log.warn("{} {} failed after {} attempts: {}", table, id, attempts, error);
        }
        return true;
    }

    /** Ends a row as failed (visible until sent again by hand). */
    static void fail(Connection c, String table, long id, String error) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "UPDATE " + table + " SET state = 'failed', lease_owner = NULL, lease_until = NULL, last_error = ? WHERE id = ?")) {
            st.setString(1, error);
            st.setLong(2, id);
            st.executeUpdate();
        }
    }

    /** Expires the leases held by owners starting with {@code ownerPrefix} (a restarted node's own workers). */
    static int releaseLeasesOf(Connection c, Instant now, String table, String ownerPrefix) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("UPDATE " + table
                + " SET lease_until = ? WHERE state = 'pending' AND lease_until IS NOT NULL AND LEFT(lease_owner, ?) = ?")) {
            st.setObject(1, ts(now.minusMillis(1)));
            st.setInt(2, ownerPrefix.length());
            st.setString(3, ownerPrefix);
            return st.executeUpdate();
        }
    }

    /** Failed rows matching {@code where} (one parameter, {@code key}) pending again, due now, attempts from 0. */
    static int resend(Connection c, Instant now, String table, String where, long key) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("UPDATE " + table + " SET state = 'pending', attempts = 0, next_attempt_at = ?,"
                + " lease_owner = NULL, lease_until = NULL WHERE state = 'failed' AND " + where)) {
            st.setObject(1, ts(now));
            st.setLong(2, key);
            int n = st.executeUpdate();
            if (n > 0) log.info("{} failed {} row(s) requeued ({})", n, table, where.replace("?", String.valueOf(key)));
            return n;
        }
    }

    /** Rows per state; states with none are present with 0. */
    static Map<DeliveryState, Long> countsByState(Connection c, String table) throws SQLException {
        Map<DeliveryState, Long> counts = new EnumMap<>(DeliveryState.class);
        for (DeliveryState s : DeliveryState.values()) counts.put(s, 0L);
        try (PreparedStatement st = c.prepareStatement("SELECT state, COUNT(*) FROM " + table + " GROUP BY state");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) counts.put(DeliveryState.fromDb(rs.getString(1)), rs.getLong(2));
        }
        return counts;
    }
}
