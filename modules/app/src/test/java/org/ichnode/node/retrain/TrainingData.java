package org.ichnode.node.retrain;

import org.ichnode.store.Database;
import org.ichnode.store.testing.TestRows;
import org.ichnode.store.NewReport;
import org.ichnode.store.ReportState;
import org.ichnode.store.ReportStore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;



import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Labelled studies as the node would have them: a study with one processed ({@code done}) series of two instance files,
 * and a final report for it stored through the report store (linked at once, the study is there).
 */
final class TrainingData {
    private static final AtomicInteger messages = new AtomicInteger();
    private final Database db;
    private final ReportStore reports;
    private final Path files;

    TrainingData(Database db, Path files) {
        this.db = db;
        this.reports = new ReportStore(db);
        this.files = files;
    }

    /** A labelled study ("positive", "negative" or "uncertain"); returns its Study Instance UID. */
    String study(String label) throws Exception {
        String studyUid = uid(), seriesUid = uid();
        long studyId = insert("INSERT INTO study (study_instance_uid, patient_id, created_at) VALUES (?, ?, ?)",
                studyUid, "P" + messages.incrementAndGet(), OffsetDateTime.now());
        long seriesId = insert("""
                INSERT INTO series (series_instance_uid, study_id, modality, state, instance_count, first_received_at, last_received_at)
                VALUES (?, ?, 'CT', 'done', 2, ?, ?)""", seriesUid, studyId, OffsetDateTime.now(), OffsetDateTime.now());
        for (int i = 1; i <= 2; i++) {
            String sop = seriesUid + "." + i;
            Path f = Files.createDirectories(files).resolve(sop + ".dcm");
            Files.writeString(f, "instance " + sop, StandardCharsets.US_ASCII);
            insert("""
                    INSERT INTO instance (sop_instance_uid, series_id, file_path, size_bytes, sha256, received_at)
                    VALUES (?, ?, ?, ?, ?, ?)""", sop, seriesId, f.toString(), Files.size(f),
                    HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))),
                    OffsetDateTime.now());
        }
        reports.store(new NewReport("hl7", "RIS^TEST", "MSG-" + UUID.randomUUID(), 1, null, studyUid, null, "F", ReportState.FINAL,
                null, "IMPRESSION: " + label + ".", label, "{\"hemorrhage\":\"" + label.toUpperCase() + "\"}", !label.equals("uncertain")));
        return studyUid;
    }

    void studies(int positive, int negative) throws Exception {
        for (int i = 0; i < positive; i++) study("positive");
        for (int i = 0; i < negative; i++) study("negative");
    }

    private long insert(String sql, Object... values) throws SQLException { return TestRows.insert(db, sql, values); }

    private static String uid() {
        return "2.25." + new java.math.BigInteger(UUID.randomUUID().toString().replace("-", ""), 16);
    }
}
