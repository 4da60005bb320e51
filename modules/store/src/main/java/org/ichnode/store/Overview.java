package org.ichnode.store;

import static org.ichnode.store.SqlTime.instant;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What the dashboard lists: recent series with their result, deliveries and alerts, in one query. */
public final class Overview {

    /**
     * One series. @param resultId null until a result is recorded; @param summaryJson the result summary (call,
     * probability, volume, findings) or null. Counts are per state of the result's deliveries and alerts.
     */
    public record SeriesRow(long seriesId, String seriesInstanceUid, String studyInstanceUid, String accessionNumber,
                            String seriesDescription, SeriesState state, String stateReason, int instanceCount,
                            Instant lastReceivedAt, Long resultId, String summaryJson, Instant resultAt,
                            int deliveriesDone, int deliveriesPending, int deliveriesFailed,
                            int alertsDone, int alertsPending, int alertsFailed) {}

    private static final String SELECT = """
            SELECT se.id, se.series_instance_uid, st.study_instance_uid, st.accession_number, se.series_description,
                   se.state, se.state_reason, se.instance_count, se.last_received_at, r.id, r.summary_json, r.created_at,
                   (SELECT COUNT(*) FROM delivery d WHERE d.result_id = r.id AND d.state = 'delivered'),
                   (SELECT COUNT(*) FROM delivery d WHERE d.result_id = r.id AND d.state = 'pending'),
                   (SELECT COUNT(*) FROM delivery d WHERE d.result_id = r.id AND d.state = 'failed'),
                   (SELECT COUNT(*) FROM alert a WHERE a.result_id = r.id AND a.state = 'delivered'),
                   (SELECT COUNT(*) FROM alert a WHERE a.result_id = r.id AND a.state = 'pending'),
                   (SELECT COUNT(*) FROM alert a WHERE a.result_id = r.id AND a.state = 'failed')
            FROM series se JOIN study st ON se.study_id = st.id LEFT JOIN result r ON r.series_id = se.id
            """;

    private final Database db;

    public Overview(Database db) {
        this.db = db;
    }

    /** The most recently received series first (each of its results on a row of its own). */
    public List<SeriesRow> recentSeries(int limit) {
        return query(SELECT + " ORDER BY se.last_received_at DESC, r.id DESC LIMIT ?", limit);
    }

    /** The row of one result. */
    public Optional<SeriesRow> result(long resultId) {
        return query(SELECT + " WHERE r.id = ?", resultId).stream().findFirst();
    }

    private List<SeriesRow> query(String sql, long param) {
        return db.inTransaction(s -> s.doReturningWork(c -> {
            List<SeriesRow> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(sql)) {
                st.setLong(1, param);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        long rid = rs.getLong(10);
                        Long resultId = rs.wasNull() ? null : rid;
                        out.add(new SeriesRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                SeriesState.fromDb(rs.getString(6)), rs.getString(7), rs.getInt(8),
                                instant(rs, 9), resultId, rs.getString(11), instant(rs, 12), rs.getInt(13), rs.getInt(14),
                                rs.getInt(15), rs.getInt(16), rs.getInt(17), rs.getInt(18)));
                    }
                }
            }
            return out;
        }));
    }
}
