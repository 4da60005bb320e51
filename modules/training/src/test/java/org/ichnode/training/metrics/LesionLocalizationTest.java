package org.ichnode.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.ichnode.core.volume.ConnectedComponents;
import org.ichnode.core.volume.ConnectedComponents.Connectivity;
import org.junit.jupiter.api.Test;

class LesionLocalizationTest {
    static final int W = 8, H = 8, S = 2;

    static void set(byte[] m, int x, int y, int z) { m[(z * H + y) * W + x] = 1; }

    @Test
    void correctMissedAndFalsePositiveCounts() {
        byte[] truth = new byte[W * H * S], pred = new byte[W * H * S];
        // lesion A: 2x2 at (1..2, 1..2) slice 0; lesion B: (5,5) slice 0; lesion C: (6,1) slice 1
        set(truth, 1, 1, 0); set(truth, 2, 1, 0); set(truth, 1, 2, 0); set(truth, 2, 2, 0);
        set(truth, 5, 5, 0);
        set(truth, 6, 1, 1);
        // prediction: overlaps A by one voxel (2,2) and spills to (3,3); hits C; a stray blob at (1,6) slice 1
        set(pred, 2, 2, 0); set(pred, 3, 3, 0);
        set(pred, 6, 1, 1); set(pred, 7, 1, 1);
        set(pred, 1, 6, 1);
        LesionLocalization.Counts c = LesionLocalization.evaluate(pred, truth, W, H, S);
        assertEquals(new LesionLocalization.Counts(2, 1, 1, 3, 3), c);
        assertEquals(2.0 / 3, c.detectionRate(), 1e-12);
        // pooled over two volumes
        assertEquals(new LesionLocalization.Counts(4, 2, 2, 6, 6), c.plus(c));
        // nothing predicted: all missed, no false positives
        assertEquals(new LesionLocalization.Counts(0, 3, 0, 3, 0),
                LesionLocalization.evaluate(new byte[W * H * S], truth, W, H, S));
    }

    @Test
    void onePredictionCoveringTwoLesionsAndTwoPredictionsOnOneLesion() {
        byte[] truth = new byte[W * H * S], pred = new byte[W * H * S];
        set(truth, 1, 1, 0); set(truth, 4, 1, 0);               // two lesions on one row
        for (int x = 0; x < 6; x++) set(pred, x, 1, 0);          // one bar across both
        assertEquals(new LesionLocalization.Counts(2, 0, 0, 2, 1), LesionLocalization.evaluate(pred, truth, W, H, S));

        byte[] t2 = new byte[W * H * S], p2 = new byte[W * H * S];
        for (int x = 0; x < 7; x++) set(t2, x, 4, 1);           // one long lesion
        set(p2, 0, 4, 1); set(p2, 6, 4, 1);                      // two separate hits on it
        assertEquals(new LesionLocalization.Counts(1, 0, 0, 1, 2), LesionLocalization.evaluate(p2, t2, W, H, S));
    }

    @Test
    void connectivity() {
        byte[] m = new byte[W * H * S];
        set(m, 0, 0, 0); set(m, 1, 1, 0);   // diagonal neighbours in slice 0
        set(m, 5, 5, 0); set(m, 5, 5, 1);   // stacked across slices
        assertEquals(3, ConnectedComponents.label(m, W, H, S, Connectivity.SLICE_8).count());
        assertEquals(4, ConnectedComponents.label(m, W, H, S, Connectivity.SLICE_4).count());
        assertEquals(3, ConnectedComponents.label(m, W, H, S, Connectivity.VOLUME_6).count());
        assertEquals(2, ConnectedComponents.label(m, W, H, S, Connectivity.VOLUME_26).count());
        int[] labels = ConnectedComponents.label(m, W, H, S, Connectivity.VOLUME_26).labels();
        assertEquals(labels[0], labels[1 * W + 1]);
        assertEquals(labels[5 * W + 5], labels[(H + 5) * W + 5]);
    }
}
