package org.ichnode.store;

import jakarta.persistence.LockModeType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.hibernate.LockMode;
import org.hibernate.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records received instances and groups them into studies and series.
 *
 * <p>Late instances: an instance (new, or re-sent with different content) for a series that already left
 * receiving moves the series back to receiving, so the series is completed and processed again with all
 * its slices once it is quiet again. Any queued or running job of that series is ended as failed with
 * "superseded" in last_error; a worker still running it sees renewLease/complete/fail return false.
 * This keeps one invariant: a series in queued or running has exactly one active job, any other state none.
 * An ignored series is reopened too: its instance count may be part of the ignore decision.
 * A re-sent instance with identical content changes nothing.
 */
public final class InstanceRecorder {
    private static final Logger log = LoggerFactory.getLogger(InstanceRecorder.class);
    static final String SUPERSEDED = "superseded: a late instance reopened the series";

    private final Database db;

    public InstanceRecorder(Database db) {
        this.db = db;
    }

    /** One transaction. Safe to call from many associations (and nodes) at once for the same new series. */
    public RecordResult record(NewInstance n) {
        RecordResult fast = recordNextInstanceOfReceivingSeries(n);
        if (fast != null) return fast;
        // Instances of one series serialize on the series row lock. The retry is a backstop for races the
        // savepoint in idOrInsert does not absorb (e.g. an H2 lock timeout).
        return db.inTransactionRetrying(5, s -> recordInTx(s, n));
    }

    /**
     * The common case on the C-STORE hot path, in two plain JDBC statements: a new instance of a series that
     * exists and is still receiving. The UPDATE takes the series row lock (as the general path does) and counts
     * the instance; the INSERT fails on the unique SOP Instance UID if it is a duplicate. Anything else (first
     * instance of a series, a duplicate, a late instance) rolls back and returns null: the general path decides.
     */
    private RecordResult recordNextInstanceOfReceivingSeries(NewInstance n) {
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                RecordResult r = fastPath(c, n, db.isPostgres());
                if (r == null) c.rollback();
                else c.commit();
                return r;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            log.debug("fast path for {} not taken: {}", n.sopInstanceUid(), e.getMessage());
            return null; // the general path retries and reports
        }
    }

    private static final String COUNT_INSTANCE = """
            UPDATE series SET instance_count = instance_count + 1, last_received_at = CURRENT_TIMESTAMP,
                expected_count = COALESCE(expected_count, ?)
            WHERE series_instance_uid = ? AND state = ?""";

    private static RecordResult fastPath(Connection c, NewInstance n, boolean postgres) throws SQLException {
        long seriesId;
        // the same statement in each dialect: PostgreSQL's RETURNING, H2's data change delta table
        String sql = postgres ? COUNT_INSTANCE + " RETURNING id" : "SELECT id FROM FINAL TABLE (" + COUNT_INSTANCE + ")";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            if (n.expectedCount() == null) st.setNull(1, Types.INTEGER);
            else st.setInt(1, n.expectedCount());
            st.setString(2, n.seriesUid());
            st.setString(3, SeriesState.RECEIVING.dbValue());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) return null; // new series, or no longer receiving
                seriesId = rs.getLong(1);
            }
        }
        long instanceId;
        try (PreparedStatement st = c.prepareStatement("""
                INSERT INTO instance (sop_instance_uid, series_id, sop_class_uid, transfer_syntax_uid, file_path,
                    size_bytes, sha256, received_at, calling_ae)
                VALUES (?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP, ?)""", new String[] {"id"})) {
            st.setString(1, n.sopInstanceUid());
            st.setLong(2, seriesId);
            st.setString(3, n.sopClassUid());
            st.setString(4, n.transferSyntaxUid());
            st.setString(5, n.filePath());
            st.setLong(6, n.sizeBytes());
            st.setString(7, n.sha256());
            st.setString(8, n.callingAe());
            try {
                st.executeUpdate();
            } catch (SQLException e) {
                if ("23505".equals(e.getSQLState())) return null; // a duplicate: the general path compares content
                throw e;
            }
            try (ResultSet keys = st.getGeneratedKeys()) {
                keys.next();
                instanceId = keys.getLong(1);
            }
        }
        return new RecordResult(RecordResult.Outcome.NEW, instanceId, seriesId, null, false);
    }

    /**
     * The spool moved an instance's file from {@code from} to {@code to} (same bytes). Changes the row only if it
     * still points at {@code from}; returns whether it did.
     */
    public boolean moveFile(String sopInstanceUid, String from, String to) {
        return db.inTransaction(s -> s.doReturningWork(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE instance SET file_path = ? WHERE sop_instance_uid = ? AND file_path = ?")) {
                st.setString(1, to);
                st.setString(2, sopInstanceUid);
                st.setString(3, from);
                return st.executeUpdate() == 1;
            }
        }));
    }

    private RecordResult recordInTx(Session s, NewInstance n) {
        Instant now = Database.now(s);
        long studyId = idOrInsert(s, "study", "study_instance_uid", n.studyUid(), """
                INSERT INTO study (study_instance_uid, patient_id, accession_number, study_date, created_at)
                VALUES (?, ?, ?, ?, ?)""",
                n.studyUid(), n.patientId(), n.accessionNumber(), n.studyDate(), now);
        idOrInsert(s, "series", "series_instance_uid", n.seriesUid(), """
                INSERT INTO series (series_instance_uid, study_id, modality, body_part, series_description,
                    slice_thickness, image_orientation, image_type, state, expected_count, instance_count,
                    first_received_at, last_received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)""",
                n.seriesUid(), studyId, n.modality(), n.bodyPart(), n.seriesDescription(), n.sliceThickness(),
                n.imageOrientation(), n.imageType(), SeriesState.RECEIVING.dbValue(), n.expectedCount(), now, now);
        // Lock the series row: serializes instance_count updates and state changes with SeriesCompletion.
        Series series = s.createQuery("FROM Series WHERE seriesInstanceUid = :uid", Series.class)
                .setParameter("uid", n.seriesUid()).setLockMode(LockModeType.PESSIMISTIC_WRITE).getSingleResult();

        Instance existing = s.createQuery("FROM Instance WHERE sopInstanceUid = :uid", Instance.class)
                .setParameter("uid", n.sopInstanceUid()).uniqueResult();
        if (existing != null) {
            if (existing.getSha256().equalsIgnoreCase(n.sha256())) {
                return new RecordResult(RecordResult.Outcome.DUPLICATE_SAME, existing.getId(), existing.getSeriesId(), null, false);
            }
            String previous = existing.getFilePath();
            existing.replaceFile(n, now);
            // Different pixels mean the old result is stale: same treatment as a late instance of its series
            // (which is normally this one; a SOP UID re-used in another series stays where it was first seen).
            Series owner = existing.getSeriesId().equals(series.getId()) ? series
                    : s.get(Series.class, existing.getSeriesId(), LockMode.PESSIMISTIC_WRITE);
            boolean reopened = touch(s, owner, now);
            log.info("instance {} re-sent with different content, series {} reopened={}",
                    n.sopInstanceUid(), owner.getSeriesInstanceUid(), reopened);
            return new RecordResult(RecordResult.Outcome.DUPLICATE_REPLACED, existing.getId(), owner.getId(),
                    previous.equals(n.filePath()) ? null : previous, reopened);
        }

        Instance inst = new Instance(n, series.getId(), now);
        s.persist(inst);
        series.setInstanceCount(series.getInstanceCount() + 1);
        if (series.getExpectedCount() == null && n.expectedCount() != null) {
            series.setExpectedCount(n.expectedCount());
        }
        boolean reopened = touch(s, series, now);
        if (reopened) {
            log.info("late instance for series {} moved it back to receiving", series.getSeriesInstanceUid());
        }
        return new RecordResult(RecordResult.Outcome.NEW, inst.getId(), series.getId(), null, reopened);
    }

    /**
     * Id of the row whose unique column has this value, inserting it first if absent. Two transactions
     * inserting the same new key at once: the loser's insert fails with a unique violation (PostgreSQL and H2
     * both wait for the winner to commit first), which is rolled back to a savepoint, and the winner's row is
     * read. Portable: ON CONFLICT DO NOTHING would do on PostgreSQL, but H2 2.3 rejects it. Plain JDBC so that
     * the expected violation is not logged as an error by Hibernate.
     */
    private static long idOrInsert(Session s, String table, String uidColumn, String uid, String insertSql, Object... params) {
        String select = "SELECT id FROM " + table + " WHERE " + uidColumn + " = ?";
        return s.doReturningWork(c -> {
            Long id = selectId(c, select, uid);
            if (id != null) {
                return id;
            }
            Savepoint sp = c.setSavepoint();
            try (PreparedStatement st = c.prepareStatement(insertSql)) {
                for (int i = 0; i < params.length; i++) {
                    Object v = params[i] instanceof Instant t ? t.atOffset(ZoneOffset.UTC) : params[i];
                    if (v == null) {
                        st.setNull(i + 1, Types.NULL); // untyped: the database takes the column's type
                    } else {
                        st.setObject(i + 1, v);
                    }
                }
                st.executeUpdate();
                c.releaseSavepoint(sp);
            } catch (SQLException e) {
                if (!"23505".equals(e.getSQLState())) {
                    throw e;
                }
                c.rollback(sp);
                log.debug("{} {} was inserted concurrently; using that row", table, uid);
            }
            id = selectId(c, select, uid);
            if (id == null) {
                throw new SQLException(table + " row for " + uid + " vanished after a unique violation");
            }
            return id;
        });
    }

    private static Long selectId(Connection c, String sql, String uid) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, uid);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    /** Marks new content in a locked series; reopens it if it had left receiving. Returns whether it reopened. */
    private static boolean touch(Session s, Series series, Instant now) {
        series.setLastReceivedAt(now);
        SeriesState was = series.getState();
        if (was == SeriesState.RECEIVING) {
            return false;
        }
        series.setState(SeriesState.RECEIVING, "reopened by a late instance (was " + was.dbValue() + ")");
        series.setCompletedAt(null);
        List<Job> active = s.createQuery("FROM Job WHERE seriesId = :sid AND state IN (:states)", Job.class)
                .setParameter("sid", series.getId())
                .setParameterList("states", List.of(JobState.QUEUED, JobState.RUNNING))
                .setLockMode(LockModeType.PESSIMISTIC_WRITE).getResultList();
        for (Job job : active) {
            job.finish(JobState.FAILED, now, SUPERSEDED, null);
        }
        return true;
    }
}
