package org.ichnode.core.volume;

import org.ichnode.core.json.Json;

import java.util.List;
import org.ichnode.core.geometry.Vec3;

/**
 * What {@link VolumeAssembler} found about a series. Filled as far as assembly got: on a refusal the geometric
 * fields may be null/NaN/empty. Serialize with {@link #toJson()}.
 *
 * @param inputPlanes             planes handed in
 * @param usedSlices              slices in the volume (0 on refusal)
 * @param seriesInstanceUid       the series (null if inconsistent/unknown)
 * @param frameOfReferenceUid     the frame of reference (null if absent)
 * @param rows                    rows per slice (0 if unknown)
 * @param columns                 columns per slice (0 if unknown)
 * @param rowSpacingMm            PixelSpacing[0]
 * @param columnSpacingMm         PixelSpacing[1]
 * @param normal                  unit slice normal (row x column) that positions are measured along
 * @param tiltFromAxialDeg        angle between the slice normal and patient z, folded to 0..90
 * @param originAdvanceAngleDeg   angle between the slice normal and the direction in which slice origins advance
 *                                (first to last slice), folded to 0..90; the gantry tilt as seen in the data
 *                                (NaN with fewer than 2 slices)
 * @param minSpacingMm            smallest distance along the normal between neighbouring slices (NaN if < 2)
 * @param medianSpacingMm         median of those distances
 * @param maxSpacingMm            largest of those distances
 * @param uniformSpacing          max - min spacing is within {@code uniformSpacingToleranceMm}
 * @param sliceThicknessesMm      distinct SliceThickness values, ascending
 * @param positionHandling        how positions are used downstream (exact per-slice positions, no resampling)
 * @param missingGaps             gaps reported as missing slices
 * @param droppedDuplicateInstances plane keys (SOP Instance UID[#frame]) received more than once; one copy kept
 * @param duplicatePositions      different instances at the same position
 * @param instanceNumberOrder     "ascending", "descending", "other" or "unknown": how InstanceNumber relates to
 *                                the position order (informational only)
 * @param slices                  the slices in volume order
 * @param warnings                other remarks
 * @param options                 the options used
 */
public record AssemblyDiagnostics(int inputPlanes, int usedSlices, String seriesInstanceUid, String frameOfReferenceUid,
                                  int rows, int columns, double rowSpacingMm, double columnSpacingMm, Vec3 normal,
                                  double tiltFromAxialDeg, double originAdvanceAngleDeg,
                                  double minSpacingMm, double medianSpacingMm, double maxSpacingMm,
                                  boolean uniformSpacing, List<Double> sliceThicknessesMm, String positionHandling,
                                  List<MissingGap> missingGaps, List<String> droppedDuplicateInstances,
                                  List<DuplicatePosition> duplicatePositions, String instanceNumberOrder,
                                  List<SliceRef> slices, List<String> warnings, AssemblyOptions options) {

    public AssemblyDiagnostics {
        sliceThicknessesMm = List.copyOf(sliceThicknessesMm);
        missingGaps = List.copyOf(missingGaps);
        droppedDuplicateInstances = List.copyOf(droppedDuplicateInstances);
        duplicatePositions = List.copyOf(duplicatePositions);
        slices = List.copyOf(slices);
        warnings = List.copyOf(warnings);
    }

    /**
     * A gap along the normal that is larger than {@code missingGapFactor} times the expected spacing.
     *
     * @param afterSliceIndex           index (in volume order) of the slice before the gap
     * @param fromPositionMm            position of that slice along the normal
     * @param toPositionMm              position of the next slice
     * @param spacingMm                 the gap
     * @param expectedSpacingMm         the spacing the gap was compared with
     * @param estimatedMissingSlices    round(gap / expected) - 1, at least 1
     * @param estimatedMissingPositionsMm where the missing slices would lie
     */
    public record MissingGap(int afterSliceIndex, double fromPositionMm, double toPositionMm, double spacingMm,
                             double expectedSpacingMm, int estimatedMissingSlices,
                             List<Double> estimatedMissingPositionsMm) {
        public MissingGap { estimatedMissingPositionsMm = List.copyOf(estimatedMissingPositionsMm); }
    }

    /** Two instances at the same position along the normal; {@code droppedUid} is null when both were kept. */
    public record DuplicatePosition(double positionMm, String keptUid, String droppedUid) { }

    /** One slice of the volume: where it came from and where it lies along the normal. */
    public record SliceRef(String sopInstanceUid, int frameNumber, Integer instanceNumber,
                           double positionAlongNormalMm, Double sliceThicknessMm) { }

    public boolean hasMissingSlices() { return !missingGaps.isEmpty(); }

    public String toJson() {
        Json j = new Json().beginObject()
                .field("inputPlanes", inputPlanes)
                .field("usedSlices", usedSlices)
                .field("seriesInstanceUid", seriesInstanceUid)
                .field("frameOfReferenceUid", frameOfReferenceUid)
                .field("rows", rows)
                .field("columns", columns)
                .field("rowSpacingMm", rowSpacingMm)
                .field("columnSpacingMm", columnSpacingMm);
        if (normal == null) j.raw("normal", "null");
        else j.numbers("normal", List.of(normal.x(), normal.y(), normal.z()));
        j.field("tiltFromAxialDeg", tiltFromAxialDeg)
                .field("originAdvanceAngleDeg", originAdvanceAngleDeg)
                .beginObject("spacingAlongNormal")
                .field("minMm", minSpacingMm).field("medianMm", medianSpacingMm).field("maxMm", maxSpacingMm)
                .field("uniform", uniformSpacing)
                .field("toleranceMm", options == null ? null : options.uniformSpacingToleranceMm())
                .endObject()
                .numbers("sliceThicknessesMm", sliceThicknessesMm)
                .field("positionHandling", positionHandling)
                .beginArray("missingGaps");
        for (MissingGap g : missingGaps) {
            j.beginObject().field("afterSliceIndex", g.afterSliceIndex()).field("fromPositionMm", g.fromPositionMm())
                    .field("toPositionMm", g.toPositionMm()).field("spacingMm", g.spacingMm())
                    .field("expectedSpacingMm", g.expectedSpacingMm())
                    .field("estimatedMissingSlices", g.estimatedMissingSlices())
                    .numbers("estimatedMissingPositionsMm", g.estimatedMissingPositionsMm()).endObject();
        }
        j.endArray().strings("droppedDuplicateInstances", droppedDuplicateInstances).beginArray("duplicatePositions");
        for (DuplicatePosition d : duplicatePositions) {
            j.beginObject().field("positionMm", d.positionMm()).field("keptUid", d.keptUid())
                    .field("droppedUid", d.droppedUid()).endObject();
        }
        j.endArray().field("instanceNumberOrder", instanceNumberOrder).beginArray("slices");
        for (SliceRef s : slices) {
            j.beginObject().field("sopInstanceUid", s.sopInstanceUid()).field("frameNumber", s.frameNumber());
            if (s.instanceNumber() == null) j.raw("instanceNumber", "null"); else j.field("instanceNumber", (long) s.instanceNumber());
            j.field("positionAlongNormalMm", s.positionAlongNormalMm()).field("sliceThicknessMm", s.sliceThicknessMm()).endObject();
        }
        j.endArray().strings("warnings", warnings);
        if (options == null) j.raw("options", "null"); else j.raw("options", options.toJson());
        return j.endObject().toString();
    }
}
