package org.ichnode.training.pseudomask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SpatialContextFusionTest {

    /** Slice j is the constant map j + 1 (4 voxels). */
    static float[][] ramp(int slices) {
        float[][] c = new float[slices][4];
        for (int j = 0; j < slices; j++) java.util.Arrays.fill(c[j], j + 1);
        return c;
    }

    @Test
    void defaultWeightsAreGeometric() {
        SpatialContextFusion f = SpatialContextFusion.defaults();
        assertEquals(2, f.radius());
        assertEquals(1.0, f.weight(0));
        assertEquals(0.5, f.weight(1));
        assertEquals(0.5, f.weight(-1));
        assertEquals(0.25, f.weight(2));
        assertEquals(0.0, f.weight(3));
    }

    @Test
    void singlePositiveSliceAmongNegativesIsUnchangedAndNegativesAreZero() {
        float[][] cams = {{0.9f, 0.1f}, {0.3f, 0.7f}, {0.8f, 0.05f}, {1f, 1f}};
        boolean[] pos = {false, true, false, false};
        float[][] out = SpatialContextFusion.defaults().fuse(cams, pos);
        assertArrayEquals(new float[] {0.3f, 0.7f}, out[1], 0f); // Z = w(0) = 1: exact copy
        assertArrayEquals(new float[2], out[0], 0f);
        assertArrayEquals(new float[2], out[2], 0f);
        assertArrayEquals(new float[2], out[3], 0f);
        assertArrayEquals(new float[] {0.3f, 0.7f}, cams[1], 0f, "input not modified");
    }

    @Test
    void handComputedWeightsAndNormalisation() {
        float[][] cams = ramp(5);
        float[][] all = SpatialContextFusion.defaults().fuse(cams, new boolean[] {true, true, true, true, true});
        // slice 0: (1*1 + 0.5*2 + 0.25*3) / (1 + 0.5 + 0.25) = 2.75 / 1.75
        assertEquals(2.75 / 1.75, all[0][0], 1e-6);
        // slice 1: (0.5*1 + 1*2 + 0.5*3 + 0.25*4) / 2.25 = 5 / 2.25
        assertEquals(5.0 / 2.25, all[1][0], 1e-6);
        // slice 2: (0.25*1 + 0.5*2 + 1*3 + 0.5*4 + 0.25*5) / 2.5 = 7.5 / 2.5
        assertEquals(3.0, all[2][0], 1e-6);
        // slice 4: (0.25*3 + 0.5*4 + 1*5) / 1.75
        assertEquals(7.75 / 1.75, all[4][0], 1e-6);

        // slice 3 negative: it is zero and drops out of its neighbours' sums and normalisers
        float[][] gap = SpatialContextFusion.defaults().fuse(cams, new boolean[] {true, true, true, false, true});
        assertArrayEquals(new float[4], gap[3], 0f);
        assertEquals((0.25 * 1 + 0.5 * 2 + 1 * 3 + 0.25 * 5) / 2.0, gap[2][0], 1e-6);
        assertEquals((0.25 * 3 + 1 * 5) / 1.25, gap[4][0], 1e-6);
    }

    @Test
    void explicitWeights() {
        SpatialContextFusion f = SpatialContextFusion.withWeights(2, 1); // c = 1
        float[][] out = f.fuse(ramp(3), new boolean[] {true, true, true});
        assertEquals((2 * 1 + 1 * 2) / 3.0, out[0][0], 1e-6);
        assertEquals((1 * 1 + 2 * 2 + 1 * 3) / 4.0, out[1][0], 1e-6);
        assertEquals(3.0, SpatialContextFusion.geometric(0, 0.5).fuse(ramp(3), new boolean[] {true, true, true})[2][0], 0);
    }

    @Test
    void lesionSeenInNeighboursStrengthensWeakMiddleCam() {
        // voxel 0 = lesion, voxel 1 = background; slice 2's CAM is weak (0.1) at the lesion
        float[][] cams = {{0.8f, 0f}, {0.8f, 0f}, {0.1f, 0f}, {0.8f, 0f}, {0.8f, 0f}};
        float[][] out = SpatialContextFusion.defaults().fuse(cams, new boolean[] {true, true, true, true, true});
        // (1*0.1 + 2*0.5*0.8 + 2*0.25*0.8) / 2.5 = 1.3 / 2.5 = 0.52
        assertEquals(0.52, out[2][0], 1e-6);
        assertTrue(out[2][0] >= BiLayerAggregation.DEFAULT_THRESHOLD && cams[2][0] < BiLayerAggregation.DEFAULT_THRESHOLD);
        assertEquals(0f, out[2][1], 0f, "background stays background");
        // fused values stay a convex combination: never above the max input
        for (float[] s : out) for (float v : s) assertTrue(v <= 0.8f + 1e-6);
    }

    @Test
    void shapeChecks() {
        SpatialContextFusion f = SpatialContextFusion.defaults();
        assertThrows(IllegalArgumentException.class, () -> f.fuse(ramp(3), new boolean[2]));
        assertThrows(IllegalArgumentException.class, () -> f.fuse(new float[][] {{1, 2}, {1}}, new boolean[2]));
        assertThrows(IllegalArgumentException.class, () -> SpatialContextFusion.withWeights(0, 1));
        assertThrows(IllegalArgumentException.class, () -> SpatialContextFusion.geometric(-1, 0.5));
    }
}
