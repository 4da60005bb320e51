package org.ichnode.store;

import static org.ichnode.store.SqlTime.instant;
import static org.ichnode.store.ModelRegistry.longOrNull;
import static org.ichnode.store.SqlTime.ts;
import static org.ichnode.store.ModelRegistry.work;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retraining runs: started as running, ended once as promoted or refused (by {@link ModelRegistry}, together with the
 * model decision), failed or interrupted (here). Only a running run changes; every end is guarded by
 * {@code state = 'running'}, so a run another node marked interrupted cannot be promoted afterwards.
 */
public final class TrainingRuns {
    private static final Logger log = LoggerFactory.getLogger(TrainingRuns.class);
    private static final String COLUMNS = """
            id, state, node_id, trigger_name, started_at, updated_at, ended_at, dataset_snapshot_id, candidate_version, progress, reason""";

    private final Database db;

    public TrainingRuns(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    public TrainingRun start(String nodeId, String triggerName) {
        return db.inTransaction(s -> work(s, (c, now) -> {
            long id;
            try (PreparedStatement st = c.prepareStatement("""
                    INSERT INTO training_run (state, node_id, trigger_name, started_at, updated_at, progress)
                    VALUES ('running', ?, ?, ?, ?, 'started')""", new String[] {"id"})) {
                st.setString(1, nodeId);
                st.setString(2, triggerName);
                st.setObject(3, ts(now));
                st.setObject(4, ts(now));
                st.executeUpdate();
                try (ResultSet rs = st.getGeneratedKeys()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            return find(c, id).orElseThrow();
        }));
    }

    /** Records the latest progress line of a running run; false when the run is not running any more. */
    public boolean progress(long runId, String text) {
        return update(runId, "progress = ?", text);
    }

    /** Records the dataset a running run froze; false when the run is not running any more. */
    public boolean attachSnapshot(long runId, long snapshotId) {
        return db.inTransaction(s -> work(s, (c, now) -> {
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE training_run SET dataset_snapshot_id = ?, updated_at = ? WHERE id = ? AND state = 'running'")) {
                st.setLong(1, snapshotId);
                st.setObject(2, ts(now));
                st.setLong(3, runId);
                return st.executeUpdate() == 1;
            }
        }));
    }

    /** Records the version a running run is training; false when the run is not running any more. */
    public boolean attachCandidate(long runId, String version) {
        return update(runId, "candidate_version = ?", version);
    }

    private boolean update(long runId, String set, String value) {
        return db.inTransaction(s -> work(s, (c, now) -> {
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE training_run SET " + set + ", updated_at = ? WHERE id = ? AND state = 'running'")) {
                st.setString(1, value);
                st.setObject(2, ts(now));
                st.setLong(3, runId);
                return st.executeUpdate() == 1;
            }
        }));
    }

    /** Ends a running run as failed; false when it was not running. */
    public boolean fail(long runId, String reason) {
        return end(runId, RunState.FAILED, reason);
    }

    private boolean end(long runId, RunState state, String reason) {
        return db.inTransaction(s -> work(s, (c, now) -> end(c, now, runId, state, reason)));
    }

    /** Ends a running run in the caller's transaction (the registry's decisions end theirs with the model's change). */
    static boolean end(Connection c, Instant now, long runId, RunState state, String reason) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "UPDATE training_run SET state = ?, reason = ?, ended_at = ?, updated_at = ? WHERE id = ? AND state = 'running'")) {
            st.setString(1, state.dbValue());
            st.setString(2, reason);
            st.setObject(3, ts(now));
            st.setObject(4, ts(now));
            st.setLong(5, runId);
            return st.executeUpdate() == 1;
        }
    }

    /**
     * Marks every running run as interrupted (all of them, or only those of {@code nodeId} when it is not null).
     * Call it only when none of them can still be running: at a node's start-up for its own runs, or at the start of
     * a run for all (the scheduler runs one retraining at a time in the cluster). Returns the ids marked.
     */
    public List<Long> interruptRunning(String nodeId, String reason) {
        return db.inTransaction(s -> work(s, (c, now) -> {
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("SELECT id FROM training_run WHERE state = 'running'"
                    + (nodeId == null ? "" : " AND node_id = ?") + " ORDER BY id FOR UPDATE")) {
                if (nodeId != null) st.setString(1, nodeId);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) ids.add(rs.getLong(1));
                }
            }
            for (long id : ids) {
                try (PreparedStatement st = c.prepareStatement(
                        "UPDATE training_run SET state = 'interrupted', reason = ?, ended_at = ?, updated_at = ? WHERE id = ?")) {
                    st.setString(1, reason);
                    st.setObject(2, ts(now));
                    st.setObject(3, ts(now));
                    st.setLong(4, id);
                    st.executeUpdate();
                }
                log.warn("training run {} marked interrupted: {}", id, reason);
            }
            return ids;
        }));
    }

    public Optional<TrainingRun> find(long runId) {
        return db.inTransaction(s -> work(s, (c, now) -> find(c, runId)));
    }

    /** The newest runs first, at most {@code limit}. */
    public List<TrainingRun> latest(int limit) {
        return db.inTransaction(s -> work(s, (c, now) -> {
            try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM training_run ORDER BY id DESC LIMIT ?")) {
                st.setInt(1, limit);
                return read(st);
            }
        }));
    }

    private static Optional<TrainingRun> find(Connection c, long id) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM training_run WHERE id = ?")) {
            st.setLong(1, id);
            List<TrainingRun> l = read(st);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    private static List<TrainingRun> read(PreparedStatement st) throws SQLException {
        List<TrainingRun> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(new TrainingRun(rs.getLong(1), RunState.fromDb(rs.getString(2)), rs.getString(3), rs.getString(4),
                        instant(rs, 5), instant(rs, 6), instant(rs, 7), longOrNull(rs, 8), rs.getString(9), rs.getString(10),
                        rs.getString(11)));
            }
        }
        return out;
    }
}
