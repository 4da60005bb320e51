package org.ichnode.core.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.ichnode.core.volume.Volume;
import org.junit.jupiter.api.Test;

class LesionMeasurerTest {

    @Test
    void cubeVolumeCentroidDiameterAreExact() {
        SyntheticHead h = SyntheticHead.uniform(8, 3.0);
        Volume v = h.volume();
        // 10 x 10 pixels of 1 mm on slices 2..5 (3 mm slabs): 10 x 10 x 12 mm = 1.2 mL
        LesionMeasurer.Result r = new LesionMeasurer().measure(v, h.boxMask(60, 69, 40, 49, 2, 5), null);
        assertEquals(1, r.findings().size());
        Finding f = r.findings().get(0);
        assertEquals(1, f.label());
        assertEquals(400, f.voxelCount());
        assertEquals(1.2, f.volumeMl(), 1e-9);
        assertEquals(64.5 - 47.5, f.centroid().x(), 1e-9);
        assertEquals(44.5 - 47.5, f.centroid().y(), 1e-9);
        assertEquals(3.5 * 3.0, f.centroid().z(), 1e-9);
        assertEquals(Math.hypot(9, 9), f.longestAxialDiameterMm(), 1e-9);
        assertEquals(30.0, f.meanHu(), 1e-9);
        assertEquals(2, f.firstSlice());
        assertEquals(5, f.lastSlice());
        assertEquals(Finding.Laterality.LEFT, f.laterality(), "+x is patient left (LPS)");
    }

    @Test
    void tiltedAndVariableSpacingVolume() {
        // origins advance along z (table) by 4, 4, 2, 6 mm; planes tilted 20 degrees: spacing along the normal is
        // the table step times cos(20 deg); slab of slice k = half the spacing to each neighbour
        double cos = Math.cos(Math.toRadians(20));
        SyntheticHead h = new SyntheticHead(new double[] {4, 4, 2, 6}, 20);
        Volume v = h.volume();
        double[] t = LesionMeasurer.slabThicknessMm(v);
        assertArrayEquals(new double[] {4 * cos, 4 * cos, 3 * cos, 4 * cos, 6 * cos}, t, 1e-9);
        byte[] mask = h.boxMask(30, 39, 30, 34, 1, 3);    // 10 x 5 pixels of 1 mm on slices 1..3
        Finding f = new LesionMeasurer().measure(v, mask, null).findings().get(0);
        assertEquals(50 * (4 + 3 + 4) * cos / 1000.0, f.volumeMl(), 1e-9);
        byte[] edge = h.boxMask(30, 39, 30, 34, 4, 4);    // the last slice uses its neighbour's spacing
        assertEquals(50 * 6 * cos / 1000.0, new LesionMeasurer().measure(v, edge, null).findings().get(0).volumeMl(), 1e-9);
    }

    @Test
    void connectivityOrderingAndMinimumVolume() {
        SyntheticHead h = SyntheticHead.uniform(4, 2.0);
        Volume v = h.volume();
        byte[] m = new byte[v.hu().length];
        int n = SyntheticHead.N;
        // two voxels touching only at a corner (slice 1 and 2), a 2x2x1 block, and a single voxel
        m[(1 * n + 10) * n + 10] = 1;
        m[(2 * n + 11) * n + 11] = 1;
        for (int r = 50; r < 52; r++) for (int c = 50; c < 52; c++) m[(1 * n + r) * n + c] = 1;
        m[(3 * n + 80) * n + 20] = 1;
        LesionMeasurer.Result r26 = new LesionMeasurer(org.ichnode.core.volume.ConnectedComponents.Connectivity.VOLUME_26, 0, 3).measure(v, m, null);
        LesionMeasurer.Result r6 = new LesionMeasurer(org.ichnode.core.volume.ConnectedComponents.Connectivity.VOLUME_6, 0, 3).measure(v, m, null);
        assertEquals(3, r26.findings().size());
        assertEquals(4, r6.findings().size());
        assertEquals(List.of(4L, 2L, 1L), r26.findings().stream().map(Finding::voxelCount).toList(), "largest first");
        assertEquals(1, r26.labels()[(1 * n + 50) * n + 50]);
        assertEquals(2, r26.labels()[(2 * n + 11) * n + 11]);
        // minimum volume: a voxel is 1 x 1 x 2 mm = 0.002 mL
        LesionMeasurer.Result big = new LesionMeasurer(org.ichnode.core.volume.ConnectedComponents.Connectivity.VOLUME_26, 0.005, 3).measure(v, m, null);
        assertEquals(1, big.findings().size());
        assertEquals(2, big.droppedComponents());
        assertEquals(0, big.mask()[(3 * n + 80) * n + 20]);
        assertEquals(0, big.labels()[(3 * n + 80) * n + 20]);
    }

    @Test
    void lateralityFromTheBrainMidline() {
        SyntheticHead h = SyntheticHead.uniform(6, 3.0);
        Volume v = h.volume();
        byte[] brain = new BrainMask().compute(v).intracranial();
        LesionMeasurer lm = new LesionMeasurer();
        assertEquals(Finding.Laterality.LEFT, lm.measure(v, h.boxMask(60, 69, 40, 49, 2, 3), brain).findings().get(0).laterality());
        assertEquals(Finding.Laterality.RIGHT, lm.measure(v, h.boxMask(26, 35, 40, 49, 2, 3), brain).findings().get(0).laterality());
        assertEquals(Finding.Laterality.MIDLINE, lm.measure(v, h.boxMask(45, 50, 30, 60, 2, 3), brain).findings().get(0).laterality());
        assertEquals(Finding.Laterality.BILATERAL, lm.measure(v, h.boxMask(20, 75, 47, 48, 2, 2), brain).findings().get(0).laterality());
    }
}
