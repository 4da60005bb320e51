package org.ichnode.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.core.preprocess.SliceMapping;
import org.junit.jupiter.api.Test;

/** The classifiers' augmentation: rotation and zoom about the centre, in every channel alike. */
class ClassifierAugmentationTest {
    private static final int N = 33, C = 16;   // odd size: the centre is pixel 16

    @Test void aQuarterTurnMovesAPointAroundTheCentreInEveryChannel() {
        float[] src = new float[2 * N * N];
        src[C * N + C + 10] = 1f;              // channel 0: 10 pixels right of the centre
        src[N * N + C * N + C + 10] = 0.5f;    // channel 1: the same place
        float[] out = new float[2 * N * N];
        ClassifierTrainer.affine(src, N, 2, false, false, 0, 0, Math.PI / 2, 1.0, out, 0);
        // output (x, y) samples the source at (cos u + sin v, -sin u + cos v): the point comes out 10 pixels below
        assertEquals(1f, out[(C + 10) * N + C], 1e-5);
        assertEquals(0.5f, out[N * N + (C + 10) * N + C], 1e-5);
        assertEquals(1.0, sum(out, 0), 1e-4);
    }

    @Test void zoomScalesDistancesFromTheCentreAndShiftsAndFlipsStillApply() {
        float[] src = new float[N * N];
        src[C * N + C + 5] = 1f;
        float[] out = new float[N * N];
        ClassifierTrainer.affine(src, N, 1, false, false, 0, 0, 0, 2.0, out, 0);
        assertEquals(1f, out[C * N + C + 10], 1e-5);
        java.util.Arrays.fill(out, 0);
        ClassifierTrainer.affine(src, N, 1, true, false, 3, 0, 0, 1.0, out, 0);   // flipped to 5 left, then shifted 3 right
        assertEquals(1f, out[C * N + C - 5 + 3], 1e-5);
    }

    @Test void withoutRotationOrZoomTheSliceIsCopiedAsBefore() {
        float[] src = new float[N * N];
        for (int i = 0; i < src.length; i++) src[i] = (i % 7) / 7f;
        PreparedSlice s = new PreparedSlice(src, 1, SliceMapping.fit(N, N, N), 0);
        TrainingOptions plain = TrainingOptions.defaults().withMaxShift(0);
        float[] out = new float[N * N];
        ClassifierTrainer.augment(s, out, 0, new SplittableRandom(3), plain);
        float[] mirrored = new float[N * N];
        for (int y = 0; y < N; y++) for (int x = 0; x < N; x++) mirrored[y * N + x] = src[y * N + N - 1 - x];
        // a left-right flip or none, exactly
        if (out[1] == src[1]) assertArrayEquals(src, out); else assertArrayEquals(mirrored, out);
        float[] turned = new float[N * N];
        ClassifierTrainer.augment(s, turned, 0, new SplittableRandom(3), plain.withAffine(20, 0.1));
        assertNotEquals(java.util.Arrays.toString(out), java.util.Arrays.toString(turned));
        assertThrows(IllegalArgumentException.class, () -> plain.withAffine(90, 0));
    }

    @Test void cosineDecayEndsAtAHundredthOfTheRate() {
        TrainingOptions t = TrainingOptions.defaults().withSteps(100).withLearningRate(1e-3);
        assertEquals(1e-3f, t.learningRateTracker().getNewValue(100), 0);
        ai.djl.training.tracker.Tracker cosine = t.withCosineDecay(true).learningRateTracker();
        assertEquals(1e-3f, cosine.getNewValue(0), 1e-9);
        assertEquals(1e-5f, cosine.getNewValue(100), 1e-9);
        assertEquals((1e-3f + 1e-5f) / 2, cosine.getNewValue(50), 1e-6);
    }

    private static double sum(float[] a, int from) {
        double s = 0;
        for (int i = from; i < from + N * N; i++) s += a[i];
        return s;
    }
}
