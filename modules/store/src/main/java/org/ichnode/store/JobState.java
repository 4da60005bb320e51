package org.ichnode.store;

import jakarta.persistence.AttributeConverter;

/** State of a processing job; stored lower-case in job.state. */
public enum JobState {
    QUEUED, RUNNING, DONE, FAILED;

    public String db() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static JobState fromDb(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }

    public static final class DbConverter implements AttributeConverter<JobState, String> {
        @Override public String convertToDatabaseColumn(JobState s) { return s == null ? null : s.db(); }
        @Override public JobState convertToEntityAttribute(String v) { return v == null ? null : fromDb(v); }
    }
}
