package org.ichnode.store;

import static org.ichnode.store.SqlTime.instant;
import static org.ichnode.store.SqlTime.ts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Radiology reports and their link to studies. Every version of a report is kept; per exam (accession number, or
 * Study Instance UID when there is none) one version is current and the others point to the one that replaced
 * them ({@code superseded_by}).
 *
 * <p>Precedence between two versions of one exam: higher {@link ReportState#rank()} (corrected / cancelled &gt;
 * final &gt; preliminary), then the later observation time (when both have one), then the later arrival. So a
 * correction replaces the final report, and a preliminary or an older version that arrives late is stored already
 * superseded. The reports of one exam are serialised by a row lock on {@code report_subject}, so this holds with
 * several nodes storing at once.
 *
 * <p>Linking: by Study Instance UID when the report has one, else by accession number; the study's PatientID must
 * equal the report's patient ID (when both are known). A mismatch is stored but not linked ({@code rejected}, with
 * the reason in {@code link_note}); a report whose study is not there yet stays {@code pending} and is linked by
 * {@link #linkPendingReports()} or {@link #linkReportsOfStudy(String)} when the images arrive.
 *
 * <p>All writes are one transaction each; {@link #store} returns only after the commit, so a caller may acknowledge
 * the message then. Every time stamp is the database's clock.
 */
public final class ReportStore {
    private static final Logger log = LoggerFactory.getLogger(ReportStore.class);

    private static final List<String> COLUMN_NAMES = List.of("id", "source", "message_control_id", "message_part",
            "accession_number", "study_instance_uid", "patient_id", "report_status", "state", "observation_time",
            "received_at", "label", "usable_for_training", "superseded_by", "study_id", "link_state", "link_note", "linked_at");
    private static final String COLUMNS = String.join(", ", COLUMN_NAMES);
    private static final String R_COLUMNS = String.join(", ", COLUMN_NAMES.stream().map(n -> "r." + n).toList());

    private final Database db;

    public ReportStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /**
     * Stores one report version in one transaction: supersedes (or is superseded by) the current version of the
     * same exam, and links it to its study when that is there. A message stored already (same source, sender,
     * message control id and part) is not stored again: its stored row comes back with {@code duplicate} set.
     */
    public StoredReport store(NewReport r) {
        Objects.requireNonNull(r, "report");
        StoredReport stored = db.inTransactionRetrying(5, s -> {
            Instant now = Database.now(s);
            return s.doReturningWork(c -> store(c, now, r));
        });
        if (!stored.duplicate()) {
            log.info("report {} stored ({} {} {}, {} {}, label {}{}): {}{}", stored.id(), r.source(), r.messageControlId(),
                    loggable(r.subjectKey()), r.reportStatus(), stored.state().dbValue(), stored.label(),
                    stored.usableForTraining() ? ", usable" : "",
                    stored.linkState().dbValue() + (stored.linkNote() == null ? "" : " (" + stored.linkNote() + ")"),
                    stored.replacedReportId() != null ? ", replaces report " + stored.replacedReportId()
                            : stored.supersededBy() != null ? ", superseded at once by report " + stored.supersededBy() : "");
        } else {
            log.info("report message {} {} part {} stored already as report {}", r.source(), r.messageControlId(), r.messagePart(), stored.id());
        }
        return stored;
    }

    private StoredReport store(Connection c, Instant now, NewReport r) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM report"
                + " WHERE source = ? AND sender = ? AND message_control_id = ? AND message_part = ?")) {
            st.setString(1, r.source());
            st.setString(2, r.sender());
            st.setString(3, r.messageControlId());
            st.setInt(4, r.messagePart());
            List<StoredReport> found = read(st);
            if (!found.isEmpty()) return found.get(0).asDuplicate();
        }
        String key = r.subjectKey();
        lockSubject(c, key);

        StoredReport current = null;
        try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM report"
                + " WHERE subject_key = ? AND superseded_by IS NULL ORDER BY id DESC")) {
            st.setString(1, key);
            List<StoredReport> l = read(st);
            if (l.size() > 1) log.warn("exam {} has {} current reports; the newest is compared", loggable(key), l.size());
            if (!l.isEmpty()) current = l.get(0);
        }
        boolean replacesCurrent = current == null || wins(r.state(), r.observationTime(), current);
        Link link = decideLink(c, r.accessionNumber(), r.studyInstanceUid(), r.patientId());
        boolean usable = r.labelUsable() && r.state().trainable();

        long id;
        try (PreparedStatement st = c.prepareStatement("""
                INSERT INTO report (source, sender, message_control_id, message_part, subject_key, accession_number,
                    study_instance_uid, patient_id, report_status, state, observation_time, received_at, text, label,
                    label_json, usable_for_training, study_id, link_state, link_note, linked_at, superseded_by, superseded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", new String[] {"id"})) {
            int i = 1;
            st.setString(i++, r.source());
            st.setString(i++, r.sender());
            st.setString(i++, r.messageControlId());
            st.setInt(i++, r.messagePart());
            st.setString(i++, key);
            setString(st, i++, r.accessionNumber());
            setString(st, i++, r.studyInstanceUid());
            setString(st, i++, r.patientId());
            st.setString(i++, r.reportStatus());
            st.setString(i++, r.state().dbValue());
            setTime(st, i++, r.observationTime());
            st.setObject(i++, ts(now));
            st.setString(i++, r.text());
            st.setString(i++, r.label());
            st.setString(i++, r.labelJson());
            st.setBoolean(i++, usable);
            if (link.studyId == null) st.setNull(i++, Types.BIGINT); else st.setLong(i++, link.studyId);
            st.setString(i++, link.state.dbValue());
            setString(st, i++, link.note);
            setTime(st, i++, link.state == ReportLinkState.LINKED ? now : null);
            if (replacesCurrent) st.setNull(i++, Types.BIGINT); else st.setLong(i++, current.id());
            setTime(st, i++, replacesCurrent ? null : now);
            st.executeUpdate();
            try (ResultSet rs = st.getGeneratedKeys()) {
                rs.next();
                id = rs.getLong(1);
            }
        }
        Long replaced = null;
        if (replacesCurrent && current != null) {
            try (PreparedStatement st = c.prepareStatement("UPDATE report SET superseded_by = ?, superseded_at = ? WHERE id = ?")) {
                st.setLong(1, id);
                st.setObject(2, ts(now));
                st.setLong(3, current.id());
                st.executeUpdate();
            }
            replaced = current.id();
        }
        return find(c, id).orElseThrow().withReplaced(replaced);
    }

    /** Whether a new version (state, observation time) replaces the current one; ties go to the newcomer. */
    static boolean wins(ReportState state, Instant observationTime, StoredReport current) {
        if (state.rank() != current.state().rank()) return state.rank() > current.state().rank();
        if (observationTime != null && current.observationTime() != null && !observationTime.equals(current.observationTime())) {
            return observationTime.isAfter(current.observationTime());
        }
        return true;
    }

    /**
     * Locks the exam's row in report_subject, inserting it on first use. ON CONFLICT DO NOTHING waits for a
     * concurrent insert of the same key and then does nothing, so the first report of an exam arriving twice at once
     * does not fail; should an engine report the conflict anyway, the transaction is retried.
     */
    private static void lockSubject(Connection c, String key) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO report_subject (subject_key) VALUES (?) ON CONFLICT DO NOTHING")) {
            st.setString(1, key);
            st.executeUpdate();
        }
        try (PreparedStatement st = c.prepareStatement("SELECT subject_key FROM report_subject WHERE subject_key = ? FOR UPDATE")) {
            st.setString(1, key);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) throw new IllegalStateException("report_subject row " + key + " vanished");
            }
        }
    }

    private record Link(Long studyId, ReportLinkState state, String note) {}

    private record StudyRow(long id, String uid, String patientId, String accession) {}

    /** Which study a report belongs to, if any, and whether it may be linked. */
    private static Link decideLink(Connection c, String accession, String studyUid, String patientId) throws SQLException {
        StudyRow study = null;
        if (studyUid != null) {
            List<StudyRow> l = studies(c, "study_instance_uid = ?", studyUid);
            if (!l.isEmpty()) study = l.get(0);
        }
        if (study == null && accession != null) {
            List<StudyRow> l = studies(c, "accession_number = ?", accession);
            if (l.size() > 1 && patientId != null) {
                l = l.stream().filter(x -> patientId.equals(x.patientId)).toList();
            }
            if (l.size() > 1) {
                return new Link(null, ReportLinkState.PENDING, "the accession number matches " + l.size() + " studies");
            }
            if (l.size() == 1) {
                study = l.get(0);
                if (studyUid != null && !studyUid.equals(study.uid)) {
                    return new Link(null, ReportLinkState.REJECTED, "the accession number belongs to study " + study.uid
                            + " but the report names study " + studyUid);
                }
            } else {
                // Every study with the accession belongs to another patient: a mismatch, reported as such below.
                List<StudyRow> all = studies(c, "accession_number = ?", accession);
                if (!all.isEmpty()) study = all.get(0);
            }
        }
        if (study == null) {
            return new Link(null, ReportLinkState.PENDING, "no study with "
                    + (accession != null ? "the report's accession number" : "") + (accession != null && studyUid != null ? " or " : "")
                    + (studyUid != null ? "Study Instance UID " + studyUid : "") + " yet");
        }
        if (patientId != null && study.patientId != null && !patientId.equals(study.patientId)) {
            return new Link(null, ReportLinkState.REJECTED, "patient ID mismatch between the report and study " + study.uid);
        }
        String note = patientId == null ? "patient ID not checked: none in the report"
                : study.patientId == null ? "patient ID not checked: none in the study" : null;
        return new Link(study.id, ReportLinkState.LINKED, note);
    }

    private static List<StudyRow> studies(Connection c, String where, String value) throws SQLException {
        List<StudyRow> out = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(
                "SELECT id, study_instance_uid, patient_id, accession_number FROM study WHERE " + where + " ORDER BY id")) {
            st.setString(1, value);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) out.add(new StudyRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        }
        return out;
    }

    /**
     * Links the pending reports whose study has arrived since they were stored (or rejects the link, with the
     * reason). Cheap when nothing is pending; call it after series completion or periodically. Rows being linked
     * by another node at the same moment are skipped (SKIP LOCKED). Returns how many reports were linked.
     */
    public int linkPendingReports() {
        return linkWhere("""
                (r.study_instance_uid IS NOT NULL AND EXISTS (SELECT 1 FROM study s WHERE s.study_instance_uid = r.study_instance_uid))
                OR (r.accession_number IS NOT NULL AND EXISTS (SELECT 1 FROM study s WHERE s.accession_number = r.accession_number))""");
    }

    /** Links the pending reports of one study (by its UID and accession number): for the series completion hook. */
    public int linkReportsOfStudy(String studyInstanceUid) {
        Objects.requireNonNull(studyInstanceUid, "studyInstanceUid");
        return linkWhere("""
                r.study_instance_uid = ? OR r.accession_number IN
                    (SELECT s.accession_number FROM study s WHERE s.study_instance_uid = ? AND s.accession_number IS NOT NULL)""",
                studyInstanceUid, studyInstanceUid);
    }

    private int linkWhere(String where, String... params) {
        int linked = db.inTransactionRetrying(5, s -> {
            Instant now = Database.now(s);
            return s.doReturningWork(c -> {
                List<StoredReport> pending;
                try (PreparedStatement st = c.prepareStatement("SELECT " + R_COLUMNS
                        + " FROM report r WHERE r.link_state = 'pending' AND (" + where + ") ORDER BY r.id FOR UPDATE SKIP LOCKED")) {
                    for (int i = 0; i < params.length; i++) st.setString(i + 1, params[i]);
                    pending = read(st);
                }
                int n = 0;
                for (StoredReport p : pending) {
                    Link link = decideLink(c, p.accessionNumber(), p.studyInstanceUid(), p.patientId());
                    if (link.state == ReportLinkState.PENDING && Objects.equals(link.note, p.linkNote())) continue;
                    try (PreparedStatement st = c.prepareStatement(
                            "UPDATE report SET study_id = ?, link_state = ?, link_note = ?, linked_at = ? WHERE id = ?")) {
                        if (link.studyId == null) st.setNull(1, Types.BIGINT); else st.setLong(1, link.studyId);
                        st.setString(2, link.state.dbValue());
                        setString(st, 3, link.note);
                        setTime(st, 4, link.state == ReportLinkState.LINKED ? now : null);
                        st.setLong(5, p.id());
                        st.executeUpdate();
                    }
                    if (link.state == ReportLinkState.LINKED) {
                        n++;
                        log.info("report {} linked to study {}{}", p.id(), link.studyId, link.note == null ? "" : " (" + link.note + ")");
                    } else {
                        log.warn("report {} not linked: {}", p.id(), link.note);
                    }
                }
                return n;
            });
        });
        return linked;
    }

    /**
     * Labels for training: one per study, from its current (not superseded), linked, final or corrected report whose
     * label is usable, linked at or after {@code since}. A study whose current report is preliminary, cancelled or
     * uncertain has none. When a study has several current reports (reached through different identifiers), the one
     * of highest precedence counts.
     */
    public List<TrainingLabel> trainingLabels(Instant since) {
        Objects.requireNonNull(since, "since");
        return db.inTransaction(s -> s.doReturningWork(c -> {
            Map<Long, TrainingLabel> byStudy = new LinkedHashMap<>();
            try (PreparedStatement st = c.prepareStatement("""
                    SELECT r.study_id, s.study_instance_uid, r.label, r.label_json, r.id, r.state, r.linked_at
                    FROM report r JOIN study s ON s.id = r.study_id
                    WHERE r.link_state = 'linked' AND r.superseded_by IS NULL AND r.usable_for_training
                      AND r.state IN ('final', 'corrected') AND r.linked_at >= ?
                    ORDER BY r.study_id, CASE r.state WHEN 'corrected' THEN 0 ELSE 1 END, r.observation_time DESC, r.id DESC""")) {
                st.setObject(1, ts(since));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        byStudy.putIfAbsent(rs.getLong(1), new TrainingLabel(rs.getLong(1), rs.getString(2), rs.getString(3),
                                rs.getString(4), rs.getLong(5), ReportState.fromDb(rs.getString(6)), instant(rs, 7)));
                    }
                }
            }
            return new ArrayList<>(byStudy.values());
        }));
    }

    public Optional<StoredReport> find(long reportId) {
        return db.inTransaction(s -> s.doReturningWork(c -> find(c, reportId)));
    }

    /**
     * A subject key as logs may show it: an accession number ({@code acc:...}) is an identifier, so logs get a short
     * hash of it ({@code acc#1a2b3c4d}), the same for every report of the exam; Study Instance UIDs stay as they are.
     * Link notes name no accession number or patient ID either: the report's row holds them.
     */
    static String loggable(String subjectKey) {
        if (subjectKey == null || !subjectKey.startsWith("acc:")) return subjectKey;
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(subjectKey.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "acc#" + java.util.HexFormat.of().formatHex(d, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** All versions of the report of an exam by accession number (or Study Instance UID when it has none), oldest first. */
    public List<StoredReport> versions(String accessionNumber, String studyInstanceUid) {
        String key = accessionNumber != null && !accessionNumber.isBlank() ? "acc:" + accessionNumber.trim() : "uid:" + studyInstanceUid;
        return db.inTransaction(s -> s.doReturningWork(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM report WHERE subject_key = ? ORDER BY id")) {
                st.setString(1, key);
                return read(st);
            }
        }));
    }

    /** The newest reports first (the dashboard's label check). */
    public List<StoredReport> latest(int limit) {
        return db.inTransaction(s -> s.doReturningWork(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM report ORDER BY id DESC LIMIT ?")) {
                st.setInt(1, limit);
                return read(st);
            }
        }));
    }

    /** The stored text of a report. */
    public Optional<String> text(long reportId) {
        return db.inTransaction(s -> s.doReturningWork(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT text FROM report WHERE id = ?")) {
                st.setLong(1, reportId);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        }));
    }

    private static Optional<StoredReport> find(Connection c, long id) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM report WHERE id = ?")) {
            st.setLong(1, id);
            List<StoredReport> l = read(st);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    // ---- JDBC helpers

    private static List<StoredReport> read(PreparedStatement st) throws SQLException {
        List<StoredReport> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(new StoredReport(rs.getLong(1), false, rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5),
                        rs.getString(6), rs.getString(7), rs.getString(8), ReportState.fromDb(rs.getString(9)), instant(rs, 10),
                        instant(rs, 11), rs.getString(12), rs.getBoolean(13), null, longOrNull(rs, 14), longOrNull(rs, 15),
                        ReportLinkState.fromDb(rs.getString(16)), rs.getString(17), instant(rs, 18)));
            }
        }
        return out;
    }

    private static Long longOrNull(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static void setString(PreparedStatement st, int i, String v) throws SQLException {
        if (v == null) st.setNull(i, Types.VARCHAR); else st.setString(i, v);
    }

    private static void setTime(PreparedStatement st, int i, Instant t) throws SQLException {
        if (t == null) st.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE); else st.setObject(i, ts(t));
    }


}
