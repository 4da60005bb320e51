package org.ichnode.core.volume;

import org.ichnode.core.geometry.Vec3;

/**
 * Where one slice lies: DICOM ImagePositionPatient (centre of the first transmitted pixel) and the
 * ImageOrientationPatient row and column directions, with PixelSpacing (row spacing, column spacing).
 * Kept per slice because a gantry-tilted series has slice origins that are not along the slice normal.
 */
public record SliceGeometry(Vec3 position, Vec3 rowDirection, Vec3 columnDirection,
                            double rowSpacingMm, double columnSpacingMm) {

    /** Unit normal of the slice plane, rowDirection x columnDirection. */
    public Vec3 normal() { return rowDirection.cross(columnDirection).normalized(); }

    /** Patient coordinate of the centre of pixel (column c, row r). */
    public Vec3 pixelToPatient(double column, double row) {
        return position.plus(rowDirection.times(column * columnSpacingMm)).plus(columnDirection.times(row * rowSpacingMm));
    }
}
