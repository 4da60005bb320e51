package org.ichnode.store;

import jakarta.persistence.AttributeConverter;

/** State of a processing job; stored lower-case in job.state. */
public enum JobState implements StoredState {
    QUEUED, RUNNING, DONE, FAILED;

    public static JobState fromDb(String value) {
        return StoredState.fromDb(JobState.class, value);
    }

    public static final class DbConverter implements AttributeConverter<JobState, String> {
        @Override public String convertToDatabaseColumn(JobState s) { return s == null ? null : s.dbValue(); }
        @Override public JobState convertToEntityAttribute(String v) { return v == null ? null : fromDb(v); }
    }
}
