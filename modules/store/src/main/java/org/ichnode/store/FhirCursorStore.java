package org.ichnode.store;

import static org.ichnode.store.SqlTime.ts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The FHIR pull's cursor per source: the latest {@code meta.lastUpdated} handled and the resources handled at that
 * instant (table fhir_cursor). A cursor never moves backwards: should two nodes pull the same source, the one that got
 * further keeps its cursor (pulling again is harmless, the report store recognises reports stored already).
 */
public final class FhirCursorStore {

    /**
     * @param sourceKey   which FHIR source (its base URL)
     * @param lastUpdated the latest meta.lastUpdated handled
     * @param idsAtLastUpdated the resources handled whose meta.lastUpdated is lastUpdated (no line breaks in them)
     */
    public record Cursor(String sourceKey, Instant lastUpdated, Set<String> idsAtLastUpdated) {
        public Cursor {
            Objects.requireNonNull(sourceKey, "sourceKey");
            Objects.requireNonNull(lastUpdated, "lastUpdated");
            idsAtLastUpdated = Set.copyOf(idsAtLastUpdated);
            for (String id : idsAtLastUpdated) {
                if (id.isBlank() || id.indexOf('\n') >= 0) throw new IllegalArgumentException("resource id must be one non-blank line");
            }
        }
    }

    private final Database db;

    public FhirCursorStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    public Optional<Cursor> load(String sourceKey) {
        return db.inTransaction(s -> s.doReturningWork(c -> read(c, sourceKey, false)));
    }

    /**
     * Stores the cursor unless the stored one is later; at the same instant the ids are merged. One transaction
     * (the row locked), so concurrent saves do not lose ids. Returns the cursor stored now.
     */
    public Cursor advance(Cursor cursor) {
        Objects.requireNonNull(cursor, "cursor");
        return db.inTransactionRetrying(5, s -> {
            Instant now = Database.now(s);
            return s.doReturningWork(c -> {
                try (PreparedStatement st = c.prepareStatement("INSERT INTO fhir_cursor (source_key, last_updated, ids_at_last_updated,"
                        + " updated_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                    st.setString(1, cursor.sourceKey());
                    st.setObject(2, ts(cursor.lastUpdated()));
                    st.setString(3, join(cursor.idsAtLastUpdated()));
                    st.setObject(4, ts(now));
                    if (st.executeUpdate() == 1) return cursor;
                }
                Cursor stored = read(c, cursor.sourceKey(), true).orElseThrow();
                Cursor next;
                if (stored.lastUpdated().isAfter(cursor.lastUpdated())) {
                    return stored;
                } else if (stored.lastUpdated().equals(cursor.lastUpdated())) {
                    Set<String> ids = new TreeSet<>(stored.idsAtLastUpdated());
                    ids.addAll(cursor.idsAtLastUpdated());
                    next = new Cursor(cursor.sourceKey(), cursor.lastUpdated(), ids);
                } else {
                    next = cursor;
                }
                try (PreparedStatement st = c.prepareStatement(
                        "UPDATE fhir_cursor SET last_updated = ?, ids_at_last_updated = ?, updated_at = ? WHERE source_key = ?")) {
                    st.setObject(1, ts(next.lastUpdated()));
                    st.setString(2, join(next.idsAtLastUpdated()));
                    st.setObject(3, ts(now));
                    st.setString(4, next.sourceKey());
                    st.executeUpdate();
                }
                return next;
            });
        });
    }

    private static Optional<Cursor> read(Connection c, String sourceKey, boolean lock) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT last_updated, ids_at_last_updated FROM fhir_cursor WHERE source_key = ?"
                + (lock ? " FOR UPDATE" : ""))) {
            st.setString(1, sourceKey);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                Set<String> ids = new TreeSet<>(Arrays.asList(rs.getString(2).split("\n")));
                ids.remove("");
                return Optional.of(new Cursor(sourceKey, rs.getObject(1, OffsetDateTime.class).toInstant(), ids));
            }
        }
    }

    private static String join(Set<String> ids) {
        return String.join("\n", new TreeSet<>(ids));
    }

}
