package org.ichnode.store;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * One registered model version.
 *
 * @param metrics        evaluation on the fixed validation set (e.g. "dice"), as the trainer reported them
 * @param datasetStudies studies in the dataset snapshot it was trained on; null without a snapshot
 * @param decisionReason why it was promoted, refused or activated by hand (the latest decision)
 */
public record ModelVersion(long id, String version, Path artifactPath, ModelState state, Instant createdAt,
                           Instant activatedAt, Instant retiredAt, Map<String, Double> metrics, Long datasetSnapshotId,
                           Integer datasetStudies, Long trainingRunId, String decisionReason) {
}
