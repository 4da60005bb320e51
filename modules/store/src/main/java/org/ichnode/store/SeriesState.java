package org.ichnode.store;

import jakarta.persistence.AttributeConverter;

/**
 * Life of a series: receiving -> complete -> queued -> running -> done | failed, or receiving -> ignored.
 * COMPLETE is only passed through inside the completion transaction (which goes on to queued), so it is
 * rarely seen in the table. A late instance moves any other state back to RECEIVING (see InstanceRecorder).
 */
public enum SeriesState implements StoredState {
    RECEIVING, COMPLETE, QUEUED, RUNNING, DONE, FAILED, IGNORED;

    public static SeriesState fromDb(String value) {
        return StoredState.fromDb(SeriesState.class, value);
    }

    public static final class DbConverter implements AttributeConverter<SeriesState, String> {
        @Override public String convertToDatabaseColumn(SeriesState s) { return s == null ? null : s.dbValue(); }
        @Override public SeriesState convertToEntityAttribute(String v) { return v == null ? null : fromDb(v); }
    }
}
