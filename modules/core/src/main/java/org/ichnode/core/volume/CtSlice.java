package org.ichnode.core.volume;

import java.util.Objects;

/**
 * One received CT image plane (a single-frame CT instance, or one frame of an Enhanced CT instance) with its
 * stored pixel values, before conversion to Hounsfield units.
 *
 * @param sopInstanceUid      SOP Instance UID of the instance this plane came from
 * @param frameNumber         1-based frame number within that instance (1 for single-frame CT Image Storage)
 * @param seriesInstanceUid   Series Instance UID
 * @param frameOfReferenceUid Frame of Reference UID (may be null when the instance lacks it)
 * @param geometry            ImagePositionPatient, ImageOrientationPatient and PixelSpacing of this plane
 * @param rows                Rows
 * @param columns             Columns
 * @param sliceThicknessMm    SliceThickness, or null when absent
 * @param rescaleSlope        RescaleSlope (1 when absent)
 * @param rescaleIntercept    RescaleIntercept (0 when absent)
 * @param storedValues        stored pixel values, row-major, {@code rows * columns} of them; already masked to
 *                            BitsStored and sign-extended when {@code signed}
 * @param signed              PixelRepresentation 1 (two's complement); when false a value is read as unsigned 16 bit
 * @param instanceNumber      InstanceNumber, informational only (never used for ordering); may be null
 */
public record CtSlice(String sopInstanceUid, int frameNumber, String seriesInstanceUid, String frameOfReferenceUid,
                      SliceGeometry geometry, int rows, int columns, Double sliceThicknessMm,
                      double rescaleSlope, double rescaleIntercept, short[] storedValues, boolean signed,
                      Integer instanceNumber) {

    public CtSlice {
        Objects.requireNonNull(sopInstanceUid, "sopInstanceUid");
        Objects.requireNonNull(geometry, "geometry");
        Objects.requireNonNull(storedValues, "storedValues");
        if (frameNumber < 1) throw new IllegalArgumentException("frameNumber must be >= 1, got " + frameNumber);
        if (rows <= 0 || columns <= 0) throw new IllegalArgumentException("empty slice " + rows + "x" + columns);
        if (storedValues.length != rows * columns) {
            throw new IllegalArgumentException("stored value count " + storedValues.length + " != rows x columns "
                    + rows + "x" + columns);
        }
        if (!Double.isFinite(rescaleSlope) || rescaleSlope == 0 || !Double.isFinite(rescaleIntercept)) {
            throw new IllegalArgumentException("unusable rescale slope/intercept " + rescaleSlope + "/" + rescaleIntercept);
        }
    }

    /** A single-frame slice (frame number 1). */
    public CtSlice(String sopInstanceUid, String seriesInstanceUid, String frameOfReferenceUid, SliceGeometry geometry,
                   int rows, int columns, Double sliceThicknessMm, double rescaleSlope, double rescaleIntercept,
                   short[] storedValues, boolean signed, Integer instanceNumber) {
        this(sopInstanceUid, 1, seriesInstanceUid, frameOfReferenceUid, geometry, rows, columns, sliceThicknessMm,
                rescaleSlope, rescaleIntercept, storedValues, signed, instanceNumber);
    }

    /** Stored value {@code i} as an integer, honouring signedness. */
    public int storedValue(int i) {
        short s = storedValues[i];
        return signed ? s : (s & 0xFFFF);
    }

    /** Value {@code i} in HU: stored * slope + intercept, rounded, clamped to the short range. */
    public short hu(int i) {
        double v = Math.rint(storedValue(i) * rescaleSlope + rescaleIntercept);
        if (v < Short.MIN_VALUE) return Short.MIN_VALUE;
        if (v > Short.MAX_VALUE) return Short.MAX_VALUE;
        return (short) v;
    }

    /** Key that identifies this plane: SOP Instance UID plus frame number. */
    public String planeKey() {
        return frameNumber == 1 ? sopInstanceUid : sopInstanceUid + "#" + frameNumber;
    }
}
