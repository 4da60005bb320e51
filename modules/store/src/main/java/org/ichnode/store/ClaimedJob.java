package org.ichnode.store;

import java.util.List;

/**
 * A job a worker now holds under a lease.
 *
 * @param attempt 1 for the first claim, 2 after one failure or expired lease, ...
 * @param filePaths spool files of the series' instances, in the order they were first recorded
 */
public record ClaimedJob(long jobId, long seriesId, String seriesUid, String kind, int attempt, List<String> filePaths) {
    public ClaimedJob {
        filePaths = List.copyOf(filePaths);
    }
}
