package org.ichnode.core.segmentation;

import java.util.ArrayList;
import java.util.List;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;

/**
 * A noise-free synthetic head for exact checks: 96 x 96 pixels of 1 mm, a skull ring (1000 HU) between 40 and 45 mm
 * from the centre, brain 30 HU inside, scalp 45 HU to 47 mm, air outside and scanner padding (-2000) beyond 48 mm.
 * Pixel centre (c, r) of an axial slice lies at x = c - 47.5, y = r - 47.5 (LPS: +x is patient left).
 */
final class SyntheticHead {
    static final int N = 96;
    final int slices;
    final short[] hu;
    final List<SliceGeometry> geometry;

    /** Axial slices, z of slice k = sum of the first k steps. */
    SyntheticHead(double[] zSteps, double tiltDegrees) {
        slices = zSteps.length + 1;
        hu = new short[N * N * slices];
        geometry = new ArrayList<>();
        double t = Math.toRadians(tiltDegrees);
        Vec3 rowDir = new Vec3(1, 0, 0), colDir = new Vec3(0, Math.cos(t), Math.sin(t));
        double z = 0;
        for (int k = 0; k < slices; k++) {
            if (k > 0) z += zSteps[k - 1];
            Vec3 centre = new Vec3(0, 0, z);
            Vec3 pos = centre.minus(rowDir.times(47.5)).minus(colDir.times(47.5));
            geometry.add(new SliceGeometry(pos, rowDir, colDir, 1.0, 1.0));
            for (int r = 0; r < N; r++) {
                for (int c = 0; c < N; c++) {
                    double d = Math.hypot(c - 47.5, r - 47.5);
                    int v = d < 40 ? 30 : d < 45 ? 1000 : d < 47 ? 45 : d < 48 ? -1000 : -2000;
                    hu[(k * N + r) * N + c] = (short) v;
                }
            }
        }
    }

    static SyntheticHead uniform(int slices, double spacingMm) {
        double[] steps = new double[slices - 1];
        java.util.Arrays.fill(steps, spacingMm);
        return new SyntheticHead(steps, 0);
    }

    /** Sets a box of columns c0..c1, rows r0..r1, slices k0..k1 (inclusive) to the given HU. */
    SyntheticHead box(int c0, int c1, int r0, int r1, int k0, int k1, int value) {
        for (int k = k0; k <= k1; k++) for (int r = r0; r <= r1; r++) for (int c = c0; c <= c1; c++) hu[(k * N + r) * N + c] = (short) value;
        return this;
    }

    Volume volume() {
        List<String> uids = new ArrayList<>();
        for (int k = 0; k < slices; k++) uids.add("2.25." + (1000 + k));
        return new Volume(N, N, hu.clone(), geometry, uids, "2.25.999");
    }

    byte[] boxMask(int c0, int c1, int r0, int r1, int k0, int k1) {
        byte[] m = new byte[N * N * slices];
        for (int k = k0; k <= k1; k++) for (int r = r0; r <= r1; r++) for (int c = c0; c <= c1; c++) m[(k * N + r) * N + c] = 1;
        return m;
    }
}
