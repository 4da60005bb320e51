package org.ichnode.store;

import java.time.Instant;

/** A finished job's result objects: the folder holding them and the summary (a detached copy). */
public record JobResult(long id, long jobId, long seriesId, String folder, String summaryJson, Instant createdAt) {
}
