package org.ichnode.store;

import jakarta.persistence.AttributeConverter;

/**
 * Life of a series: receiving -> complete -> queued -> running -> done | failed, or receiving -> ignored.
 * COMPLETE is only passed through inside the completion transaction (which goes on to queued), so it is
 * rarely seen in the table. A late instance moves any other state back to RECEIVING (see InstanceRecorder).
 */
public enum SeriesState {
    RECEIVING, COMPLETE, QUEUED, RUNNING, DONE, FAILED, IGNORED;

    /** The lower-case text stored in series.state and used in native SQL. */
    public String db() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static SeriesState fromDb(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }

    public static final class DbConverter implements AttributeConverter<SeriesState, String> {
        @Override public String convertToDatabaseColumn(SeriesState s) { return s == null ? null : s.db(); }
        @Override public SeriesState convertToEntityAttribute(String v) { return v == null ? null : fromDb(v); }
    }
}
