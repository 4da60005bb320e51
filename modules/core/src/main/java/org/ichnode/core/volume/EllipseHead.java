package org.ichnode.core.volume;

import org.ichnode.core.geometry.Vec3;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain head-shaped volume: air, an elliptic skull at 1000 HU around brain at 35 HU, planes tilted about the patient x
 * axis as a gantry tilt tilts them. For work where realism does not matter (warming the segmenter up, writing result
 * objects in tests); the realistic synthetic head with true hemorrhage masks is the phantom in modules/testkit.
 */
public final class EllipseHead {
    private EllipseHead() {}

    /**
     * @param uidRoot the instance UIDs are {@code uidRoot.1}, {@code uidRoot.2}, ...; the frame of reference {@code uidRoot.0}
     */
    public static Volume volume(int columns, int rows, int slices, double pixelMm, double sliceMm, double tiltDegrees,
                                String uidRoot) {
        double tilt = Math.toRadians(tiltDegrees);
        Vec3 rowDir = new Vec3(1, 0, 0);
        Vec3 colDir = new Vec3(0, Math.cos(tilt), Math.sin(tilt));
        double cx = 0.5 * (columns - 1), cy = 0.5 * (rows - 1);
        double ax = 0.42 * columns, ay = 0.45 * rows, skull = Math.max(2, 0.03 * columns);
        short[] hu = new short[columns * rows * slices];
        List<SliceGeometry> geometry = new ArrayList<>(slices);
        List<String> uids = new ArrayList<>(slices);
        for (int k = 0; k < slices; k++) {
            double z = k * sliceMm;
            Vec3 centre = new Vec3(0, 0, z);
            geometry.add(new SliceGeometry(centre.minus(rowDir.times(cx * pixelMm)).minus(colDir.times(cy * pixelMm)),
                    rowDir, colDir, pixelMm, pixelMm));
            uids.add(uidRoot + "." + (k + 1));
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    double dx = (c - cx) / ax, dy = (r - cy) / ay;
                    double d = Math.sqrt(dx * dx + dy * dy);
                    double inner = 1 - skull / Math.min(ax, ay);
                    short v = d > 1 ? -1000 : d > inner ? (short) 1000 : (short) (35 + ((c + r + k) % 3) - 1);
                    hu[(k * rows + r) * columns + c] = v;
                }
            }
        }
        return new Volume(columns, rows, hu, geometry, uids, uidRoot + ".0");
    }
}
