package org.ichnode.store;

import static org.ichnode.store.SqlTime.instant;
import static org.ichnode.store.SqlTime.ts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.hibernate.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model versions: candidate (trained, not active), active (exactly the one serving uses, or none before the first
 * promotion) and retired (was active). Activation and promotion are one transaction each: the previous active
 * version is retired and the new one activated together, and the table's {@code uq_model_version_active} constraint
 * makes a second active row impossible whatever the code does. A version is only ever activated while its artifact
 * folder exists, and it is registered only after the folder is complete, so an active row always has its artifact.
 * Every time stamp is the database's clock.
 */
public final class ModelRegistry {
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    private static final String SELECT = """
            SELECT m.id, m.version, m.artifact_path, m.state, m.created_at, m.activated_at, m.retired_at, m.metrics_json,
                   m.dataset_snapshot_id, d.study_count, m.training_run_id, m.decision_reason
            FROM model_version m LEFT JOIN dataset_snapshot d ON d.id = m.dataset_snapshot_id""";

    private final Database db;

    public ModelRegistry(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /**
     * Registers a trained model as a candidate. Call it once its artifact folder is complete.
     *
     * @throws IllegalArgumentException when the version exists already or the artifact folder is missing
     */
    public ModelVersion registerCandidate(String version, Path artifactDir, Map<String, Double> metrics, Long datasetSnapshotId,
                                          Long trainingRunId) {
        Objects.requireNonNull(version, "version");
        Path artifact = artifactDir.toAbsolutePath().normalize();
        requireArtifact(version, artifact);
        String metricsJson = MetricsJson.write(metrics);
        return db.inTransaction(s -> work(s, (c, now) -> {
            if (find(c, version).isPresent()) throw new IllegalArgumentException("model version " + version + " exists already");
            try (PreparedStatement st = c.prepareStatement("""
                    INSERT INTO model_version (version, artifact_path, state, created_at, metrics_json, dataset_snapshot_id, training_run_id)
                    VALUES (?, ?, 'candidate', ?, ?, ?, ?)""")) {
                st.setString(1, version);
                st.setString(2, artifact.toString());
                st.setObject(3, ts(now));
                st.setString(4, metricsJson);
                setLong(st, 5, datasetSnapshotId);
                setLong(st, 6, trainingRunId);
                st.executeUpdate();
            }
            log.info("model version {} registered as candidate ({}, metrics {})", version, artifact, metricsJson);
            return find(c, version).orElseThrow();
        }));
    }

    /**
     * Makes {@code version} the active model and retires the one active before, in one transaction (rollback and
     * roll-forward alike). Activating the active version changes nothing.
     *
     * @param reason why (recorded as the version's decision reason)
     * @throws IllegalArgumentException for an unknown version or one whose artifact folder is missing
     */
    public ModelVersion activate(String version, String reason) {
        return activate(version, reason, "unknown");
    }

    /** As {@link #activate(String, String)}, recording who did it ({@link #events}). */
    public ModelVersion activate(String version, String reason, String actor) {
        return db.inTransactionRetrying(5, s -> work(s, (c, now) -> {
            ModelVersion v = activate(c, now, version, reason);
            event(c, now, version, "activated", actor, reason);
            return v;
        }));
    }

    /**
     * Ends a running training run as approved (its candidate passed the gate) and leaves the candidate waiting for a
     * person: nothing is activated. Recorded as an event by "gate".
     */
    public void approve(long runId, String version, String reason) {
        db.inTransactionRetrying(5, s -> work(s, (c, now) -> {
            endRun(c, now, runId, RunState.APPROVED, reason);
            try (PreparedStatement st = c.prepareStatement("UPDATE model_version SET decision_reason = ? WHERE version = ?")) {
                st.setString(1, reason);
                st.setString(2, version);
                if (st.executeUpdate() != 1) throw new IllegalArgumentException("unknown model version " + version);
            }
            event(c, now, version, "approved", "gate", reason);
            log.info("training run {} approved candidate {}; it waits for a person to activate it: {}", runId, version, reason);
            return null;
        }));
    }

    /** One recorded decision about a model version. */
    public record Event(long id, String version, String action, String actor, String reason, Instant at) {}

    /** Decisions, newest first. */
    public List<Event> events(int limit) {
        return db.inTransaction(s -> work(s, (c, now) -> {
            List<Event> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT id, version, action, actor, reason, at FROM model_event ORDER BY id DESC LIMIT ?")) {
                st.setInt(1, limit);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Event(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                instant(rs, 6)));
                    }
                }
            }
            return out;
        }));
    }

    private static void event(Connection c, Instant now, String version, String action, String actor, String reason) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "INSERT INTO model_event (version, action, actor, reason, at) VALUES (?, ?, ?, ?, ?)")) {
            st.setString(1, version);
            st.setString(2, action);
            st.setString(3, actor);
            st.setString(4, reason);
            st.setObject(5, ts(now));
            st.executeUpdate();
        }
    }

    /**
     * Ends a running training run as promoted and activates its candidate, in one transaction. When the run is no
     * longer running (another node marked it interrupted) nothing changes.
     *
     * @throws IllegalStateException when the run is not running
     */
    public ModelVersion promote(long runId, String version, String reason) {
        return db.inTransactionRetrying(5, s -> work(s, (c, now) -> {
            endRun(c, now, runId, RunState.PROMOTED, reason);
            ModelVersion v = activate(c, now, version, reason);
            event(c, now, version, "activated", "gate (retrain.autoPromote)", reason);
            return v;
        }));
    }

    /**
     * Ends a running training run as refused and records the reason on its candidate (which stays a candidate), in one
     * transaction. {@code version} may be null when the run refused before training.
     *
     * @throws IllegalStateException when the run is not running
     */
    public void refuse(long runId, String version, String reason) {
        db.inTransaction(s -> work(s, (c, now) -> {
            endRun(c, now, runId, RunState.REFUSED, reason);
            if (version != null) {
                try (PreparedStatement st = c.prepareStatement("UPDATE model_version SET decision_reason = ? WHERE version = ?")) {
                    st.setString(1, reason);
                    st.setString(2, version);
                    if (st.executeUpdate() != 1) throw new IllegalArgumentException("unknown model version " + version);
                }
            }
            log.info("training run {} refused{}: {}", runId, version == null ? "" : " candidate " + version, reason);
            return null;
        }));
    }

    private static void endRun(Connection c, Instant now, long runId, RunState state, String reason) throws SQLException {
        if (!TrainingRuns.end(c, now, runId, state, reason)) {
            throw new IllegalStateException("training run " + runId + " is not running any more (marked by another node?): not "
                    + state.dbValue());
        }
    }

    private static ModelVersion activate(Connection c, Instant now, String version, String reason) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT id FROM model_version WHERE version = ? FOR UPDATE")) {
            st.setString(1, version);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) throw new IllegalArgumentException("unknown model version '" + version + "' (./ichnode models lists them)");
            }
        }
        ModelVersion target = find(c, version).orElseThrow();
        requireArtifact(version, target.artifactPath());
        if (target.state() == ModelState.ACTIVE) {
            log.info("model version {} is active already", version);
            return target;
        }
        List<String> retired = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("SELECT version FROM model_version WHERE state = 'active' FOR UPDATE")) {
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) retired.add(rs.getString(1));
            }
        }
        // retire first: the unique active_slot allows one active row at any moment, also inside this transaction
        try (PreparedStatement st = c.prepareStatement(
                "UPDATE model_version SET state = 'retired', active_slot = NULL, retired_at = ? WHERE state = 'active'")) {
            st.setObject(1, ts(now));
            st.executeUpdate();
        }
        try (PreparedStatement st = c.prepareStatement(
                "UPDATE model_version SET state = 'active', active_slot = 1, activated_at = ?, retired_at = NULL, decision_reason = ? WHERE id = ?")) {
            st.setObject(1, ts(now));
            st.setString(2, reason);
            st.setLong(3, target.id());
            st.executeUpdate();
        }
        log.info("model version {} is active now{} ({})", version, retired.isEmpty() ? "" : ", " + String.join(", ", retired) + " retired", reason);
        return find(c, version).orElseThrow();
    }

    private static void requireArtifact(String version, Path artifact) {
        if (!Files.isDirectory(artifact)) {
            throw new IllegalArgumentException("model version " + version + ": artifact folder " + artifact + " is missing");
        }
    }

    /** Every version, newest first. */
    public List<ModelVersion> list() {
        return db.inTransaction(s -> work(s, (c, now) -> {
            try (PreparedStatement st = c.prepareStatement(SELECT + " ORDER BY m.id DESC")) {
                return read(st);
            }
        }));
    }

    /** The active version; empty before the first promotion (serving then uses the HU baseline). */
    public Optional<ModelVersion> active() {
        return db.inTransaction(s -> work(s, (c, now) -> {
            try (PreparedStatement st = c.prepareStatement(SELECT + " WHERE m.state = 'active'")) {
                List<ModelVersion> l = read(st);
                return l.isEmpty() ? Optional.<ModelVersion>empty() : Optional.of(l.get(0));
            }
        }));
    }

    public Optional<ModelVersion> find(String version) {
        return db.inTransaction(s -> work(s, (c, now) -> find(c, version)));
    }

    /** The newest version trained on a dataset with this content hash, if any (a retrain on the same data is pointless). */
    public Optional<ModelVersion> trainedOn(String datasetContentHash) {
        return db.inTransaction(s -> work(s, (c, now) -> {
            try (PreparedStatement st = c.prepareStatement(SELECT + " WHERE d.content_hash = ? ORDER BY m.id DESC")) {
                st.setString(1, datasetContentHash);
                List<ModelVersion> l = read(st);
                return l.isEmpty() ? Optional.<ModelVersion>empty() : Optional.of(l.get(0));
            }
        }));
    }

    private static Optional<ModelVersion> find(Connection c, String version) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(SELECT + " WHERE m.version = ?")) {
            st.setString(1, version);
            List<ModelVersion> l = read(st);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    // ---- JDBC helpers

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c, Instant now) throws SQLException;
    }

    static <T> T work(Session s, Work<T> work) {
        Instant now = Database.now(s);
        return s.doReturningWork(c -> work.run(c, now));
    }

    private static List<ModelVersion> read(PreparedStatement st) throws SQLException {
        List<ModelVersion> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                Map<String, Double> metrics = Collections.unmodifiableMap(new LinkedHashMap<>(MetricsJson.read(rs.getString(8))));
                out.add(new ModelVersion(rs.getLong(1), rs.getString(2), Path.of(rs.getString(3)), ModelState.fromDb(rs.getString(4)),
                        instant(rs, 5), instant(rs, 6), instant(rs, 7), metrics, longOrNull(rs, 9), intOrNull(rs, 10),
                        longOrNull(rs, 11), rs.getString(12)));
            }
        }
        return out;
    }

    static Long longOrNull(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static Integer intOrNull(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    static void setLong(PreparedStatement st, int i, Long v) throws SQLException {
        if (v == null) st.setNull(i, Types.BIGINT); else st.setLong(i, v);
    }

}
