package org.ichnode.store;

import static org.ichnode.store.SqlTime.instant;
import static org.ichnode.store.SqlTime.ts;
import static org.ichnode.store.ModelRegistry.work;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Freezes training datasets: the labelled studies' processed series ({@code done}: they passed the selection rules and
 * were read as a volume), each with its study's label and a hash of its instances' content.
 */
public final class DatasetSnapshots {
    private static final Logger log = LoggerFactory.getLogger(DatasetSnapshots.class);

    private final Database db;

    public DatasetSnapshots(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /**
     * Freezes the series of the given labelled studies into a new snapshot, in one transaction. Studies with no
     * processed series are left out. {@code newStudies} counts the labels linked after the previous snapshot's freeze.
     */
    public DatasetSnapshot freeze(List<TrainingLabel> labels) {
        return db.inTransaction(s -> work(s, (c, now) -> {
            Instant previous = null;
            try (PreparedStatement st = c.prepareStatement("SELECT max(frozen_at) FROM dataset_snapshot"); ResultSet rs = st.executeQuery()) {
                if (rs.next()) previous = instant(rs, 1);
            }
            List<DatasetSnapshot.Entry> entries = new ArrayList<>();
            Set<String> studies = new HashSet<>();
            int newStudies = 0;
            int withoutSeries = 0;
            for (TrainingLabel l : labels) {
                List<DatasetSnapshot.Entry> series = seriesOf(c, l);
                if (series.isEmpty()) {
                    withoutSeries++;
                    continue;
                }
                entries.addAll(series);
                studies.add(l.studyInstanceUid());
                if (previous == null || l.linkedAt().isAfter(previous)) newStudies++;
            }
            entries.sort(Comparator.comparing(DatasetSnapshot.Entry::seriesInstanceUid));
            String hash = contentHash(entries);

            long id;
            try (PreparedStatement st = c.prepareStatement("""
                    INSERT INTO dataset_snapshot (frozen_at, new_studies, study_count, entry_count, content_hash)
                    VALUES (?, ?, ?, ?, ?)""", new String[] {"id"})) {
                st.setObject(1, ts(now));
                st.setInt(2, newStudies);
                st.setInt(3, studies.size());
                st.setInt(4, entries.size());
                st.setString(5, hash);
                st.executeUpdate();
                try (ResultSet rs = st.getGeneratedKeys()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            try (PreparedStatement st = c.prepareStatement("""
                    INSERT INTO dataset_entry (snapshot_id, study_instance_uid, series_instance_uid, label, report_id, instance_count, series_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
                for (DatasetSnapshot.Entry e : entries) {
                    st.setLong(1, id);
                    st.setString(2, e.studyInstanceUid());
                    st.setString(3, e.seriesInstanceUid());
                    st.setString(4, e.label());
                    st.setLong(5, e.reportId());
                    st.setInt(6, e.files().size());
                    st.setString(7, e.seriesHash());
                    st.addBatch();
                }
                st.executeBatch();
            }
            log.info("dataset snapshot {} frozen: {} studies ({} new), {} series, hash {}{}", id, studies.size(), newStudies,
                    entries.size(), hash.substring(0, 12),
                    withoutSeries == 0 ? "" : "; " + withoutSeries + " labelled studies have no processed series and are left out");
            return new DatasetSnapshot(id, now, newStudies, studies.size(), hash, entries);
        }));
    }

    /** The processed series of a labelled study with their instances in SOP Instance UID order. */
    private static List<DatasetSnapshot.Entry> seriesOf(Connection c, TrainingLabel l) throws SQLException {
        List<DatasetSnapshot.Entry> out = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("""
                SELECT se.series_instance_uid, i.sha256, i.file_path
                FROM series se JOIN instance i ON i.series_id = se.id
                WHERE se.study_id = ? AND se.state = 'done'
                ORDER BY se.series_instance_uid, i.sop_instance_uid""")) {
            st.setLong(1, l.studyId());
            try (ResultSet rs = st.executeQuery()) {
                String series = null;
                MessageDigest digest = null;
                List<Path> files = new ArrayList<>();
                while (rs.next()) {
                    String uid = rs.getString(1);
                    if (!uid.equals(series)) {
                        if (series != null) out.add(entry(l, series, digest, files));
                        series = uid;
                        digest = sha256();
                        files = new ArrayList<>();
                    }
                    digest.update(rs.getString(2).getBytes(StandardCharsets.US_ASCII));
                    digest.update((byte) '\n');
                    files.add(Path.of(rs.getString(3)));
                }
                if (series != null) out.add(entry(l, series, digest, files));
            }
        }
        return out;
    }

    private static DatasetSnapshot.Entry entry(TrainingLabel l, String seriesUid, MessageDigest digest, List<Path> files) {
        return new DatasetSnapshot.Entry(l.studyInstanceUid(), seriesUid, l.label(), l.reportId(),
                HexFormat.of().formatHex(digest.digest()), files);
    }

    static String contentHash(List<DatasetSnapshot.Entry> sortedEntries) {
        MessageDigest d = sha256();
        for (DatasetSnapshot.Entry e : sortedEntries) {
            d.update((e.seriesInstanceUid() + "\t" + e.label() + "\t" + e.seriesHash() + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
