package org.ichnode.store;

import java.time.Instant;

/**
 * The image-level label of one study for training: from its current (not superseded), final or corrected report
 * whose label is usable.
 *
 * @param label     "positive" or "negative" ("uncertain" only if such reports were stored as usable)
 * @param labelJson the labeller's full result (subtypes, sides, evidence)
 * @param linkedAt  when the report was linked to the study (what {@link ReportStore#trainingLabels(Instant)} filters on)
 */
public record TrainingLabel(long studyId, String studyInstanceUid, String label, String labelJson, long reportId,
                            ReportState state, Instant linkedAt) {
}
