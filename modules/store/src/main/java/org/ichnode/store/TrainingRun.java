package org.ichnode.store;

import java.time.Instant;

/** One retraining run (a row of training_run). */
public record TrainingRun(long id, RunState state, String nodeId, String triggerName, Instant startedAt, Instant updatedAt,
                          Instant endedAt, Long datasetSnapshotId, String candidateVersion, String progress, String reason) {
}
