package org.ichnode.store;

import static org.ichnode.store.SqlTime.ts;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Which received images and result objects may be removed, and recording that they were. A series' images may go only
 * when it is finished with: processed ({@code done}) with every delivery and alert of its results delivered, or
 * {@code ignored} by the selection rules; never while receiving, queued, running, failed (a person should look) or
 * while anything of it waits to be sent. The series, its result rows and summaries stay: the dashboard, the audit
 * trail and the reports keep their history.
 */
public final class Retention {

    /** A series whose images may be removed: its instance files, oldest series first. */
    public record Removable(long seriesId, String seriesInstanceUid, Instant completedAt, List<String> files) {}

    private static final String FINISHED = """
            se.completed_at IS NOT NULL AND se.state IN ('done', 'ignored')
            AND EXISTS (SELECT 1 FROM instance i WHERE i.series_id = se.id)
            AND NOT EXISTS (SELECT 1 FROM job j WHERE j.series_id = se.id AND j.state IN ('queued', 'running'))
            AND NOT EXISTS (SELECT 1 FROM result r JOIN delivery d ON d.result_id = r.id
                            WHERE r.series_id = se.id AND d.state <> 'delivered')
            AND NOT EXISTS (SELECT 1 FROM result r JOIN alert a ON a.result_id = r.id
                            WHERE r.series_id = se.id AND a.state <> 'delivered')""";

    private final Database db;

    public Retention(Database db) {
        this.db = db;
    }

    /** Finished series completed before {@code cutoff} (null: any age), oldest first, at most {@code limit}. */
    public List<Removable> removableSeries(Instant cutoff, int limit) {
        return db.inTransaction(s -> s.doReturningWork(c -> {
            List<Removable> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("SELECT se.id, se.series_instance_uid, se.completed_at FROM series se WHERE "
                    + FINISHED + (cutoff == null ? "" : " AND se.completed_at < ?") + " ORDER BY se.completed_at, se.id LIMIT ?")) {
                int i = 1;
                if (cutoff != null) st.setObject(i++, ts(cutoff));
                st.setInt(i, limit);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) out.add(new Removable(rs.getLong(1), rs.getString(2), SqlTime.instant(rs, 3), new ArrayList<>()));
                }
            }
            for (Removable r : out) {
                try (PreparedStatement st = c.prepareStatement("SELECT file_path FROM instance WHERE series_id = ? ORDER BY id")) {
                    st.setLong(1, r.seriesId());
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) r.files().add(rs.getString(1));
                    }
                }
            }
            return out;
        }));
    }

    /**
     * Records that a series' images are gone: its instance rows are deleted (a late instance starts a new series
     * history) and the reason is kept on the series. Only while the series is still finished (it may have been reopened
     * since it was listed): false then, and nothing changes.
     */
    public boolean imagesRemoved(long seriesId, String reason) {
        return db.inTransaction(s -> s.doReturningWork(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT se.id FROM series se WHERE se.id = ? AND " + FINISHED + " FOR UPDATE")) {
                st.setLong(1, seriesId);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) return false;
                }
            }
            try (PreparedStatement st = c.prepareStatement("DELETE FROM instance WHERE series_id = ?")) {
                st.setLong(1, seriesId);
                st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement("UPDATE series SET state_reason = ? WHERE id = ?")) {
                st.setString(1, reason);
                st.setLong(2, seriesId);
                st.executeUpdate();
            }
            return true;
        }));
    }

    /** A result whose objects may be removed: every delivery and alert of it delivered, recorded before the cutoff. */
    public record RemovableResult(long resultId, String folder) {}

    public List<RemovableResult> removableResults(Instant cutoff, int limit) {
        return db.inTransaction(s -> s.doReturningWork(c -> {
            List<RemovableResult> out = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("""
                    SELECT r.id, r.folder FROM result r WHERE r.created_at < ? AND r.folder <> ''
                    AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.result_id = r.id AND d.state <> 'delivered')
                    AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.result_id = r.id AND a.state <> 'delivered')
                    ORDER BY r.id LIMIT ?""")) {
                st.setObject(1, ts(cutoff));
                st.setInt(2, limit);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) out.add(new RemovableResult(rs.getLong(1), rs.getString(2)));
                }
            }
            return out;
        }));
    }

    /** Records that a result's objects are gone (its folder is cleared; the summary stays). */
    public void resultObjectsRemoved(long resultId) {
        db.inTransaction(s -> s.doReturningWork(c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE result SET folder = '' WHERE id = ?")) {
                st.setLong(1, resultId);
                return st.executeUpdate();
            }
        }));
    }
}
