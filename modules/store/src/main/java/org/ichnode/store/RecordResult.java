package org.ichnode.store;

/**
 * What {@link InstanceRecorder#record} did.
 *
 * @param supersededFilePath the spool file that the row pointed to before, when a re-sent instance with
 *        different content replaced it and the path differs: the caller may delete it. Null otherwise
 *        (for DUPLICATE_SAME the caller's new file is the redundant one, not the recorded one).
 * @param seriesReopened the series had left receiving (complete, queued, running, done, failed, ignored)
 *        and was moved back to receiving by this instance
 */
public record RecordResult(Outcome outcome, long instanceId, long seriesId, String supersededFilePath,
                           boolean seriesReopened) {

    public enum Outcome {
        /** First time this SOP Instance UID was seen. */
        NEW,
        /** Seen before with the same sha256: nothing changed. */
        DUPLICATE_SAME,
        /** Seen before with different content: the row now points at the new file. */
        DUPLICATE_REPLACED
    }

    public boolean duplicate() {
        return outcome != Outcome.NEW;
    }
}
