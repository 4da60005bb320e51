package org.ichnode.training;

import org.ichnode.model.Gradients;
import org.ichnode.model.UNet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link UNet} on target masks with binary cross-entropy plus soft Dice (both on the batch), Adam, batches
 * mixing foreground and empty slices, left-right flips and small shifts applied to input and target alike. Early
 * stopping: every {@code evalEvery} steps the pooled Dice on the validation set (at the best of a few mask
 * thresholds, which the report returns: trained on noisy pseudo masks the U-Net's probabilities stay below 0.5) is
 * measured and the
 * best weights are kept; training stops after {@code patience} validations without improvement, counted only once it
 * has predicted something (on noisy pseudo masks the U-Net can take hundreds of steps before any pixel reaches 0.5),
 * and not before half of the steps.
 */
public final class SegmentationTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentationTrainer.class);

    /**
     * What a run did. {@code bestValidationDice} is NaN without validation; {@code threshold} is the mask threshold
     * that gave it (0.5 without validation).
     */
    public record Report(int steps, long slices, double seconds, double slicesPerSecond, float[] losses,
                         double bestValidationDice, int bestStep, double threshold) {}

    /** Mask thresholds tried on the validation set: a U-Net trained on noisy pseudo masks hedges below 0.5. */
    static final float[] THRESHOLDS = {0.5f, 0.4f, 0.3f, 0.2f, 0.1f};

    /** Pooled Dice at the best of {@link #THRESHOLDS}, and that threshold. */
    record Scored(double dice, double threshold) {}

    private final SegmentationTrainingOptions options;

    public SegmentationTrainer(SegmentationTrainingOptions options) { this.options = options; }

    public Report train(UNet unet, SegmentationSet data, SegmentationSet validation) {
        if (data.size() == 0) throw new IllegalArgumentException("no training slices");
        List<Integer> fg = new ArrayList<>(), bg = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) (SegmentationSet.hasForeground(data.targets().get(i)) ? fg : bg).add(i);
        SplittableRandom rnd = new SplittableRandom(options.seed());
        int b = options.batchSize(), s = unet.config().inputSize(), ch = unet.config().inputChannels();
        int per = ch * s * s;
        float[] losses = new float[options.steps()];
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) options.learningRate())).build());
        LOG.info("training {} ({} parameters) on {} slices ({} with foreground): up to {} steps of {}",
                unet.config(), unet.parameterCount(), data.size(), fg.size(), options.steps(), b);
        boolean validate = validation != null && validation.size() > 0 && options.evalEvery() > 0;
        double best = Double.NaN, bestThreshold = 0.5;
        int bestStep = -1, sinceBest = 0, step = 0;
        List<float[]> bestWeights = null;
        long t0 = System.nanoTime();
        FiniteSteps finite = new FiniteSteps("u-net " + unet.config(), options.steps());
        try (Trainer trainer = unet.model().newTrainer(cfg)) {
            trainer.initialize(unet.inputShape(b));
            for (; step < options.steps(); step++) {
                float[] x = new float[b * per];
                float[] y = new float[b * s * s];
                for (int i = 0; i < b; i++) {
                    boolean wantFg = !fg.isEmpty() && (bg.isEmpty() || rnd.nextDouble() < options.foregroundFraction());
                    List<Integer> from = wantFg ? fg : bg;
                    int k = from.get(rnd.nextInt(from.size()));
                    augment(data.inputs().get(k).pixels(), data.targets().get(k), ch, s, x, i * per, y, i * s * s, rnd);
                }
                try (NDManager sub = unet.manager().newSubManager()) {
                    NDArray xa = sub.create(x, unet.inputShape(b));
                    NDArray ya = sub.create(y, new Shape(b, 1, s, s));
                    Gradients.zero(unet.block());
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(new NDList(xa)).singletonOrThrow();
                        NDArray bce = trainer.getLoss().evaluate(new NDList(ya), new NDList(logits));
                        NDArray p = Activation.sigmoid(logits);
                        NDArray dice = p.mul(ya).sum().mul(2).add(1).div(p.sum().add(ya.sum()).add(1));
                        NDArray loss = bce.add(dice.neg().add(1));
                        gc.backward(loss);
                        losses[step] = loss.getFloat();
                    }
                    finite.step(trainer, unet.block(), losses[step], step);
                }
                if (options.logEvery() > 0 && ((step + 1) % options.logEvery() == 0 || step == 0)) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    LOG.info("u-net step {}/{} loss {} ({} slices/s)", step + 1, options.steps(),
                            String.format(Locale.ROOT, "%.4f", mean(losses, step, options.logEvery())),
                            String.format(Locale.ROOT, "%.1f", (step + 1) * (double) b / secs));
                }
                if (validate && (step + 1) % options.evalEvery() == 0) {
                    Scored sc = bestThreshold(unet, validation);
                    double d = sc.dice();
                    if (Double.isNaN(best) || d > best) {
                        best = d; bestThreshold = sc.threshold(); bestStep = step + 1; sinceBest = 0; bestWeights = unet.snapshotParameters();
                    } else if (best > 0) {
                        sinceBest++;   // a network that has predicted nothing yet is not converged, only slow
                    }
                    LOG.info("u-net step {} validation Dice {} (best {} at step {})", step + 1,
                            String.format(Locale.ROOT, "%.4f", d), String.format(Locale.ROOT, "%.4f", best), bestStep);
                    // never before half the steps: an early network that predicts nothing scores 0 and would stay "best"
                    if (sinceBest >= options.patience() && step + 1 >= options.steps() / 2) { step++; break; }
                }
            }
        }
        // keep the final weights when no validation ever overlapped anything: a Dice of 0 early on is not "best"
        if (bestWeights != null && best > 0) unet.restoreParameters(bestWeights);
        double secs = (System.nanoTime() - t0) / 1e9;
        float[] done = java.util.Arrays.copyOf(losses, step);
        long slices = (long) step * b;
        return new Report(step, slices, secs, slices / secs, done, best, bestStep, best > 0 ? bestThreshold : 0.5);
    }

    /**
     * The threshold of {@link #THRESHOLDS} with the highest pooled Dice on {@code set} (ties: the higher threshold);
     * Dice 0 when the set has no foreground at all (nothing to learn the threshold from).
     */
    static Scored bestThreshold(UNet unet, SegmentationSet set) {
        List<float[]> pred = unet.predictProbabilities(set.inputs(), 8);
        long[] inter = new long[THRESHOLDS.length], sum = new long[THRESHOLDS.length];
        long truth = 0;
        for (int i = 0; i < set.size(); i++) {
            float[] p = pred.get(i), t = set.targets().get(i);
            for (int j = 0; j < p.length; j++) {
                boolean c = t[j] > 0.5f;
                if (c) truth++;
                for (int k = 0; k < THRESHOLDS.length; k++) {
                    boolean a = p[j] >= THRESHOLDS[k];
                    if (a && c) inter[k]++;
                    if (a) sum[k]++;
                }
            }
        }
        if (truth == 0) return new Scored(0, 0.5);
        int best = 0;
        double bestDice = -1;
        for (int k = 0; k < THRESHOLDS.length; k++) {
            double d = 2.0 * inter[k] / (sum[k] + truth);
            if (d > bestDice) { bestDice = d; best = k; }
        }
        return new Scored(bestDice, THRESHOLDS[best]);
    }

    /** Pooled Dice of the thresholded (0.5) predictions over a set; 1 when both prediction and target are empty. */
    public static double pooledDice(UNet unet, SegmentationSet set) {
        List<float[]> pred = unet.predictProbabilities(set.inputs(), 8);
        long inter = 0, sum = 0;
        for (int i = 0; i < set.size(); i++) {
            float[] p = pred.get(i), t = set.targets().get(i);
            for (int j = 0; j < p.length; j++) {
                boolean a = p[j] >= 0.5f, c = t[j] > 0.5f;
                if (a && c) inter++;
                if (a) sum++;
                if (c) sum++;
            }
        }
        return sum == 0 ? 1.0 : 2.0 * inter / sum;
    }

    private static double mean(float[] l, int last, int window) {
        int from = Math.max(0, last - window + 1);
        double s = 0;
        for (int i = from; i <= last; i++) s += l[i];
        return s / (last - from + 1);
    }

    private void augment(float[] src, float[] target, int ch, int n, float[] x, int xOff, float[] y, int yOff, SplittableRandom rnd) {
        boolean flip = rnd.nextBoolean();
        int m = options.maxShift();
        int dx = m > 0 ? rnd.nextInt(-m, m + 1) : 0, dy = m > 0 ? rnd.nextInt(-m, m + 1) : 0;
        for (int yy = 0; yy < n; yy++) {
            int sy = yy - dy;
            if (sy < 0 || sy >= n) continue;
            for (int xx = 0; xx < n; xx++) {
                int sx = xx - dx;
                if (sx < 0 || sx >= n) continue;
                if (flip) sx = n - 1 - sx;
                for (int c = 0; c < ch; c++) x[xOff + c * n * n + yy * n + xx] = src[c * n * n + sy * n + sx];
                y[yOff + yy * n + xx] = target[sy * n + sx];
            }
        }
    }
}
