package org.ichnode.store;

/**
 * What the completion sweep did with one series.
 *
 * @param state QUEUED (jobId set) or IGNORED (reason set)
 */
public record CompletionResult(long seriesId, String seriesUid, SeriesState state, String reason, Long jobId) {
}
