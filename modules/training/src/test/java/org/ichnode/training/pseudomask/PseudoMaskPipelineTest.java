package org.ichnode.training.pseudomask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ichnode.training.metrics.ConfusionCounts;
import org.ichnode.training.metrics.LesionLocalization;
import org.ichnode.training.metrics.SegmentationMetrics;
import org.ichnode.testkit.phantom.PhantomGenerator;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomStudy;
import org.ichnode.training.pseudomask.PseudoMaskPipeline.Config;
import org.ichnode.training.pseudomask.PseudoMaskPipeline.ModelCams;
import org.ichnode.training.pseudomask.PseudoMaskPipeline.Stage;
import org.junit.jupiter.api.Test;

class PseudoMaskPipelineTest {

    /**
     * Simulated CAM stack: per positive slice, the true mask blurred with {@code sigma} px, shifted by (dx, dy),
     * scaled by a per-slice strength in [0.35, 1] (some slices weak), plus Gaussian noise (sd 0.08), clipped to [0, 1].
     * Negative slices get noise only. A deep Grad-CAM is the same with a much larger blur.
     */
    static float[][] simulate(PhantomStudy s, double sigma, int dx, int dy, long seed) {
        int w = s.volume().columns(), h = s.volume().rows(), per = w * h, n = s.volume().slices();
        Random r = new Random(seed);
        float[][] out = new float[n][per];
        GaussianBlur blur = new GaussianBlur(w, h, sigma);
        float[] shifted = new float[per], blurred = new float[per];
        for (int z = 0; z < n; z++) {
            java.util.Arrays.fill(shifted, 0f);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int sx = x - dx, sy = y - dy;
                    if (sx >= 0 && sy >= 0 && sx < w && sy < h && s.mask()[z * per + sy * w + sx] != 0) shifted[y * w + x] = 1f;
                }
            blur.apply(shifted, blurred);
            float max = 0;
            for (float v : blurred) max = Math.max(max, v);
            float strength = 0.35f + 0.65f * r.nextFloat();
            for (int i = 0; i < per; i++) {
                double v = (max > 0 ? strength * blurred[i] / max : 0) + 0.08 * r.nextGaussian();
                out[z][i] = (float) Math.min(1, Math.max(0, v));
            }
        }
        return out;
    }

    record Case(PhantomStudy study, ModelCams a, ModelCams b, float[][] intensity) {}

    static List<Case> cases() {
        PhantomGenerator g = new PhantomGenerator(PhantomOptions.small().withNegativeFraction(0));
        List<Case> out = new ArrayList<>();
        for (int i = 0; out.size() < 3; i++) {
            PhantomStudy s = g.generate(2024, i);
            if (s.maskVoxelCount() < 200) continue;
            long k = 1000L * i;
            ModelCams a = new ModelCams(simulate(s, 1.5, 1, 0, k + 1), simulate(s, 3, 0, 1, k + 2), simulate(s, 8, 2, 2, k + 3));
            ModelCams b = new ModelCams(simulate(s, 1.5, -1, 0, k + 4), simulate(s, 3, 0, -1, k + 5), simulate(s, 8, -2, 1, k + 6));
            out.add(new Case(s, a, b, org.ichnode.core.volume.HuWindow.BRAIN.grey255(s.volume())));
        }
        return out;
    }

    @Test
    void pipelineBeatsNaiveThresholdOnPhantoms() {
        List<Case> cases = cases();
        Map<Stage, List<ConfusionCounts>> perStage = new EnumMap<>(Stage.class);
        List<ConfusionCounts> naive = new ArrayList<>();
        LesionLocalization.Counts fullLoc = LesionLocalization.Counts.ZERO, naiveLoc = LesionLocalization.Counts.ZERO;
        long crfNanos = 0;
        for (Case c : cases) {
            PhantomStudy s = c.study();
            int w = s.volume().columns(), h = s.volume().rows(), n = s.volume().slices();
            boolean[] pos = s.sliceLabels();
            // naive: one model's layer2 CAM (the blurred input) thresholded at TH = 0.2 on every slice
            byte[] naiveMask = CamStacks.flatten(BiLayerAggregation.threshold(c.a().layer2(), 0.2));
            naive.add(SegmentationMetrics.counts(naiveMask, s.mask()));
            naiveLoc = naiveLoc.plus(LesionLocalization.evaluate(naiveMask, s.mask(), w, h, n));
            for (Stage st : Stage.values()) {
                long t0 = System.nanoTime();
                byte[] m = new PseudoMaskPipeline(Config.forStage(st)).run(w, h, c.a(), c.b(), pos, c.intensity());
                if (st == Stage.CRF) {
                    crfNanos += System.nanoTime() - t0;
                    fullLoc = fullLoc.plus(LesionLocalization.evaluate(m, s.mask(), w, h, n));
                }
                assertEquals(w * h * n, m.length);
                perStage.computeIfAbsent(st, k -> new ArrayList<>()).add(SegmentationMetrics.counts(m, s.mask()));
            }
        }
        SegmentationMetrics.Summary naiveSum = SegmentationMetrics.summarize(naive);
        System.out.printf("naive layer2 >= 0.2   : mean Dice %.3f pooled Dice %.3f mIoU %.3f  CL/ML/FPL %d/%d/%d%n",
                naiveSum.meanDice(), naiveSum.pooledDice(), naiveSum.pooledMIou(),
                naiveLoc.correct(), naiveLoc.missed(), naiveLoc.falsePositive());
        for (Stage st : Stage.values()) {
            SegmentationMetrics.Summary sum = SegmentationMetrics.summarize(perStage.get(st));
            System.out.printf("%-22s: mean Dice %.3f pooled Dice %.3f mIoU %.3f%n", st, sum.meanDice(), sum.pooledDice(), sum.pooledMIou());
        }
        System.out.printf("full pipeline CL/ML/FPL %d/%d/%d; full pipeline %.0f ms per 128x128x12 volume%n",
                fullLoc.correct(), fullLoc.missed(), fullLoc.falsePositive(), crfNanos / 1e6 / cases.size());

        // Deterministic (seeded phantom and noise). Measured: naive 0.244; rows 0.113, 0.252, 0.336, 0.340, 0.353, 0.454.
        double full = SegmentationMetrics.summarize(perStage.get(Stage.CRF)).pooledDice();
        assertTrue(full > naiveSum.pooledDice() + 0.15, "pipeline Dice must beat the naive threshold clearly");
        double previous = -1;
        for (Stage st : Stage.values()) {
            double d = SegmentationMetrics.summarize(perStage.get(st)).pooledDice();
            assertTrue(d > previous, st + " must improve pooled Dice over the previous ablation row");
            previous = d;
        }
        assertTrue(fullLoc.correct() >= naiveLoc.correct(), "no lesion lost against the naive threshold");
        assertTrue(fullLoc.falsePositive() * 100 < naiveLoc.falsePositive(), "false-positive components almost all gone");
    }

    @Test
    void stepsCanBeSwitchedOffAndCheckInputs() {
        // 1 slice-pair, 2x2: with everything off except the threshold the pipeline is a plain threshold of model A
        float[][] l2 = {{0.1f, 0.3f, 0.2f, 0f}, {0.9f, 0.9f, 0.9f, 0.9f}};
        ModelCams a = new ModelCams(new float[2][4], l2, null);
        boolean[] pos = {true, false};
        Config bare = Config.forStage(Stage.SHALLOW_CAM);
        assertArrayEquals(new byte[] {0, 1, 1, 0, 0, 0, 0, 0}, new PseudoMaskPipeline(bare).run(2, 2, a, null, pos, null));
        assertArrayEquals(new byte[] {0, 1, 1, 0, 1, 1, 1, 1},
                new PseudoMaskPipeline(bare.withGateNegativeSlices(false)).run(2, 2, a, null, pos, null));
        // the deep baseline needs deep CAMs; ensemble needs model B; bi-layer needs shallow CAMs
        assertThrows(IllegalArgumentException.class,
                () -> new PseudoMaskPipeline(Config.forStage(Stage.DEEP_GRADCAM)).run(2, 2, a, null, pos, null));
        assertThrows(IllegalArgumentException.class,
                () -> new PseudoMaskPipeline(Config.forStage(Stage.ENSEMBLE)).run(2, 2, a, null, pos, null));
        assertThrows(IllegalArgumentException.class, () -> new Config(false, PseudoMaskPipeline.Layer.LAYER1, false,
                false, true, false, 0.2, BiLayerAggregation.Mode.OR, SpatialContextFusion.defaults(), null, 0.7, true, false));
        // CRF on needs the intensity
        assertThrows(IllegalArgumentException.class, () -> new PseudoMaskPipeline(bare.withCrf(true, null, 0.7))
                .run(2, 2, a, null, pos, null));
    }
}
