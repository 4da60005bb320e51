package org.ichnode.core.volume;

import org.ichnode.core.json.Json;

/**
 * Parameters of {@link VolumeAssembler}.
 *
 * @param orientationToleranceDeg   largest angle between the row (or column) directions of two slices that still
 *                                  counts as the same orientation
 * @param pixelSpacingToleranceMm   largest PixelSpacing difference between slices that still counts as equal
 * @param uniformSpacingToleranceMm spacing along the normal counts as uniform when max - min is at most this
 * @param samePositionToleranceMm   two slices closer than this along the normal are at the same position
 * @param missingGapFactor          a gap larger than this times the local expected spacing is reported as
 *                                  missing slice(s) (expected spacing: median spacing of the run of slices with
 *                                  the same SliceThickness; see {@link VolumeAssembler})
 * @param missingSlicePolicy        what to do when missing slices are found
 * @param duplicatePositionPolicy   what to do with two different instances at the same position
 */
public record AssemblyOptions(double orientationToleranceDeg, double pixelSpacingToleranceMm,
                              double uniformSpacingToleranceMm, double samePositionToleranceMm,
                              double missingGapFactor, MissingSlicePolicy missingSlicePolicy,
                              DuplicatePositionPolicy duplicatePositionPolicy) {

    /** Missing slices: report them and assemble the rest, or refuse the series. */
    public enum MissingSlicePolicy { REPORT_AND_CONTINUE, REFUSE }

    /** Same position, different SOP Instance UID: keep the one with the smallest UID, or refuse the series. */
    public enum DuplicatePositionPolicy { KEEP_FIRST_BY_UID, REFUSE }

    public AssemblyOptions {
        if (!(orientationToleranceDeg >= 0) || !(pixelSpacingToleranceMm >= 0) || !(uniformSpacingToleranceMm >= 0)
                || !(samePositionToleranceMm >= 0)) {
            throw new IllegalArgumentException("tolerances must be >= 0");
        }
        if (!(missingGapFactor > 1)) throw new IllegalArgumentException("missingGapFactor must be > 1");
        if (missingSlicePolicy == null || duplicatePositionPolicy == null) throw new IllegalArgumentException("policies must be set");
    }

    /** Orientation within 0.5 deg, pixel spacing within 0.001 mm, uniform within 0.1 mm, same position within
     *  0.01 mm, missing when a gap exceeds 1.8 x expected spacing; continue on missing slices; keep first by UID. */
    public static AssemblyOptions defaults() {
        return new AssemblyOptions(0.5, 0.001, 0.1, 0.01, 1.8,
                MissingSlicePolicy.REPORT_AND_CONTINUE, DuplicatePositionPolicy.KEEP_FIRST_BY_UID);
    }

    public AssemblyOptions withMissingSlicePolicy(MissingSlicePolicy p) {
        return new AssemblyOptions(orientationToleranceDeg, pixelSpacingToleranceMm, uniformSpacingToleranceMm,
                samePositionToleranceMm, missingGapFactor, p, duplicatePositionPolicy);
    }

    public AssemblyOptions withDuplicatePositionPolicy(DuplicatePositionPolicy p) {
        return new AssemblyOptions(orientationToleranceDeg, pixelSpacingToleranceMm, uniformSpacingToleranceMm,
                samePositionToleranceMm, missingGapFactor, missingSlicePolicy, p);
    }

    public AssemblyOptions withMissingGapFactor(double f) {
        return new AssemblyOptions(orientationToleranceDeg, pixelSpacingToleranceMm, uniformSpacingToleranceMm,
                samePositionToleranceMm, f, missingSlicePolicy, duplicatePositionPolicy);
    }

    String toJson() {
        return new Json().beginObject()
                .field("orientationToleranceDeg", orientationToleranceDeg)
                .field("pixelSpacingToleranceMm", pixelSpacingToleranceMm)
                .field("uniformSpacingToleranceMm", uniformSpacingToleranceMm)
                .field("samePositionToleranceMm", samePositionToleranceMm)
                .field("missingGapFactor", missingGapFactor)
                .field("missingSlicePolicy", missingSlicePolicy.name())
                .field("duplicatePositionPolicy", duplicatePositionPolicy.name())
                .endObject().toString();
    }
}
