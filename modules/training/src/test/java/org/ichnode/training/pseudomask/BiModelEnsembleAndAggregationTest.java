package org.ichnode.training.pseudomask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BiModelEnsembleAndAggregationTest {

    @Test
    void ensembleIsTheVoxelwiseMean() {
        float[][] a = {{0f, 1f, 0.5f}, {0.2f, 0.4f, 0.6f}};
        float[][] b = {{1f, 1f, 0.1f}, {0.0f, 0.0f, 0.2f}};
        float[][] m = BiModelEnsemble.mean(a, b);
        assertArrayEquals(new float[] {0.5f, 1f, 0.3f}, m[0], 1e-7f);
        assertArrayEquals(new float[] {0.1f, 0.2f, 0.4f}, m[1], 1e-7f);
    }

    @Test
    void ensembleChecksShapes() {
        assertThrows(IllegalArgumentException.class, () -> BiModelEnsemble.mean(new float[2][3], new float[3][3]));
        assertThrows(IllegalArgumentException.class, () -> BiModelEnsemble.mean(new float[2][3], new float[2][4]));
        assertThrows(IllegalArgumentException.class, () -> BiModelEnsemble.mean(new float[0][0], new float[0][0]));
        assertThrows(IllegalArgumentException.class, () -> BiModelEnsemble.mean(new float[][] {{1}, null}, new float[2][1]));
    }

    @Test
    void orVersusAnd() {
        float[][] l1 = {{0.1f, 0.3f, 0.1f, 0.5f, 0.2f}};
        float[][] l2 = {{0.1f, 0.1f, 0.3f, 0.5f, 0.19f}};
        byte[][] or = new BiLayerAggregation(0.2, BiLayerAggregation.Mode.OR).aggregate(l1, l2);
        byte[][] and = new BiLayerAggregation(0.2, BiLayerAggregation.Mode.AND).aggregate(l1, l2);
        assertArrayEquals(new byte[] {0, 1, 1, 1, 1}, or[0]); // last: 0.2 >= TH (inclusive) in layer1 only
        assertArrayEquals(new byte[] {0, 0, 0, 1, 0}, and[0]);
        assertArrayEquals(new byte[] {0, 1, 0, 1, 1}, BiLayerAggregation.threshold(l1, 0.2)[0]);
        byte[][] strict = new BiLayerAggregation(0.4, BiLayerAggregation.Mode.OR).aggregate(l1, l2);
        assertArrayEquals(new byte[] {0, 0, 0, 1, 0}, strict[0]);
        assertThrows(IllegalArgumentException.class,
                () -> BiLayerAggregation.defaults().aggregate(new float[1][5], new float[1][4]));
    }
}
