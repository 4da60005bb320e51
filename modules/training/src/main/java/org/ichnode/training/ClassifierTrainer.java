package org.ichnode.training;

import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.model.ResNetClassifier;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 2 (training): fits a {@link ResNetClassifier} to slice labels with binary cross-entropy on the logit
 * (sigmoid inside the loss) and Adam. Batches are drawn at random (balanced by default) and augmented with flips and
 * small integer shifts. Each step runs in its own NDManager so intermediates are freed at once.
 */
public final class ClassifierTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(ClassifierTrainer.class);

    private final TrainingOptions options;

    public ClassifierTrainer(TrainingOptions options) { this.options = options; }

    public TrainingOptions options() { return options; }

    public TrainingReport train(ResNetClassifier classifier, SliceDataset data) {
        List<Integer> pos = new ArrayList<>(), neg = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) (data.labels()[i] ? pos : neg).add(i);
        if (data.size() == 0) throw new IllegalArgumentException("no training data");
        boolean balanced = options.balanced() && !pos.isEmpty() && !neg.isEmpty();
        SplittableRandom rnd = new SplittableRandom(options.seed());
        int b = options.batchSize();
        int per = classifier.config().inputChannels() * classifier.config().inputSize() * classifier.config().inputSize();
        float[] losses = new float[options.steps()];

        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(options.learningRateTracker()).build());
        LOG.info("training {} ({} parameters) on {} slices ({} positive): {} steps of {}, lr {}",
                classifier.config(), classifier.parameterCount(), data.size(), pos.size(), options.steps(), b, options.learningRate());
        long t0 = System.nanoTime();
        FiniteSteps finite = new FiniteSteps("classifier " + classifier.config(), options.steps());
        try (Trainer trainer = classifier.model().newTrainer(cfg)) {
            trainer.initialize(classifier.inputShape(b));
            for (int step = 0; step < options.steps(); step++) {
                float[] x = new float[b * per];
                float[] y = new float[b];
                for (int i = 0; i < b; i++) {
                    int k;
                    if (balanced) {
                        List<Integer> from = (i % 2 == 0) ? pos : neg;
                        k = from.get(rnd.nextInt(from.size()));
                    } else {
                        k = rnd.nextInt(data.size());
                    }
                    augment(data.inputs().get(k), x, i * per, rnd, options);
                    y[i] = data.labels()[k] ? 1f : 0f;
                }
                try (NDManager sub = classifier.manager().newSubManager()) {
                    NDArray xa = sub.create(x, classifier.inputShape(b));
                    NDArray ya = sub.create(y, new Shape(b, 1));
                    classifier.zeroGradients();
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(new NDList(xa)).singletonOrThrow();
                        NDArray loss = trainer.getLoss().evaluate(new NDList(ya), new NDList(logits));
                        gc.backward(loss);
                        losses[step] = loss.getFloat();
                    }
                    finite.step(trainer, classifier.model().getBlock(), losses[step], step);
                }
                if (options.logEvery() > 0 && ((step + 1) % options.logEvery() == 0 || step == 0)) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    LOG.info("step {}/{} loss {} ({} slices/s)", step + 1, options.steps(),
                            String.format(java.util.Locale.ROOT, "%.4f", runningMean(losses, step, options.logEvery())),
                            String.format(java.util.Locale.ROOT, "%.1f", (step + 1) * (double) b / secs));
                }
            }
        }
        classifier.zeroGradients();
        double secs = (System.nanoTime() - t0) / 1e9;
        long slices = (long) options.steps() * b;
        return new TrainingReport(options.steps(), slices, secs, slices / secs, losses);
    }

    private static double runningMean(float[] l, int last, int window) {
        int from = Math.max(0, last - window + 1);
        double s = 0;
        for (int i = from; i <= last; i++) s += l[i];
        return s / (last - from + 1);
    }

    /**
     * Copies one slice into {@code dst} at {@code off}, flipped and shifted at random, and rotated and zoomed about the
     * centre where the options ask for it; exposed pixels get 0.
     */
    static void augment(PreparedSlice s, float[] dst, int off, SplittableRandom rnd, TrainingOptions options) {
        int n = s.size(), ch = s.channels();
        boolean fx = options.flipHorizontal() && rnd.nextBoolean();
        boolean fy = options.flipVertical() && rnd.nextBoolean();
        int m = options.maxShift();
        int dx = m > 0 ? rnd.nextInt(-m, m + 1) : 0;
        int dy = m > 0 ? rnd.nextInt(-m, m + 1) : 0;
        float[] src = s.pixels();
        if (options.maxRotation() > 0 || options.maxZoom() > 0) {
            // drawn only when asked for, so runs without them see the same random stream as before
            double angle = Math.toRadians(options.maxRotation() * (2 * rnd.nextDouble() - 1));
            double zoom = 1 + options.maxZoom() * (2 * rnd.nextDouble() - 1);
            affine(src, n, ch, fx, fy, dx, dy, angle, zoom, dst, off);
            return;
        }
        for (int c = 0; c < ch; c++) {
            int base = c * n * n;
            for (int y = 0; y < n; y++) {
                int sy = y - dy;
                if (sy < 0 || sy >= n) continue;   // dst already zero
                if (fy) sy = n - 1 - sy;
                for (int x = 0; x < n; x++) {
                    int sx = x - dx;
                    if (sx < 0 || sx >= n) continue;
                    if (fx) sx = n - 1 - sx;
                    dst[off + base + y * n + x] = src[base + sy * n + sx];
                }
            }
        }
    }

    /** Output pixel (x, y) shows the flipped source at the shifted, rotated and zoomed position, bilinear, 0 outside. */
    static void affine(float[] src, int n, int ch, boolean fx, boolean fy, int dx, int dy, double angle, double zoom,
                               float[] dst, int off) {
        double c = (n - 1) / 2.0, cos = Math.cos(angle) / zoom, sin = Math.sin(angle) / zoom;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double u = x - dx - c, v = y - dy - c;
                double sx = cos * u + sin * v + c, sy = -sin * u + cos * v + c;
                if (fx) sx = n - 1 - sx;
                if (fy) sy = n - 1 - sy;
                int x0 = (int) Math.floor(sx), y0 = (int) Math.floor(sy);
                if (x0 < -1 || y0 < -1 || x0 >= n || y0 >= n) continue;
                double ax = sx - x0, ay = sy - y0;
                for (int k = 0; k < ch; k++) {
                    int base = k * n * n;
                    double v00 = at(src, base, n, x0, y0), v10 = at(src, base, n, x0 + 1, y0);
                    double v01 = at(src, base, n, x0, y0 + 1), v11 = at(src, base, n, x0 + 1, y0 + 1);
                    dst[off + base + y * n + x] = (float) ((v00 * (1 - ax) + v10 * ax) * (1 - ay) + (v01 * (1 - ax) + v11 * ax) * ay);
                }
            }
        }
    }

    private static float at(float[] src, int base, int n, int x, int y) {
        return x < 0 || y < 0 || x >= n || y >= n ? 0f : src[base + y * n + x];
    }
}
