package org.ichnode.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
 * Step 2 with study-level labels only (multiple instance learning): the same slice classifier, trained so that it
 * still scores single slices and yields per-slice CAMs.
 *
 * <p>Each step takes one positive study (its slices, every k-th when it has more than {@code maxBagSlices}) and
 * {@code batchSize} slices drawn from negative studies. The positive study's score is the log-mean-exp of its slice
 * logits with sharpness {@code r} ({@code m + log(mean(exp(r (l_i - m)))) / r}, m the detached maximum): a soft
 * maximum, so the loss asks for at least one confidently positive slice without forcing every slice up. Slices of
 * negative studies are known negatives and each gets its own loss. Loss = (BCE(bag, 1) + mean BCE(negative slice, 0)) / 2.
 * Augmentation as in {@link ClassifierTrainer}.
 */
public final class StudyLabelTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(StudyLabelTrainer.class);

    /** Sharpness of the log-mean-exp pooling; large = max pooling, small = mean pooling. */
    public static final double DEFAULT_SHARPNESS = 4.0;
    public static final int DEFAULT_MAX_BAG_SLICES = 32;

    private final TrainingOptions options;
    private final double sharpness;
    private final int maxBagSlices;

    public StudyLabelTrainer(TrainingOptions options) { this(options, DEFAULT_SHARPNESS, DEFAULT_MAX_BAG_SLICES); }

    public StudyLabelTrainer(TrainingOptions options, double sharpness, int maxBagSlices) {
        if (!(sharpness > 0) || maxBagSlices < 1) throw new IllegalArgumentException("bad MIL settings");
        this.options = options;
        this.sharpness = sharpness;
        this.maxBagSlices = maxBagSlices;
    }

    public TrainingReport train(ResNetClassifier classifier, List<StudyBag> bags) {
        List<StudyBag> pos = new ArrayList<>();
        List<PreparedSlice> neg = new ArrayList<>();
        for (StudyBag b : bags) {
            if (b.positive()) pos.add(b); else neg.addAll(b.slices());
        }
        if (pos.isEmpty() || neg.isEmpty()) {
            throw new IllegalArgumentException("study-level training needs positive and negative studies (" + pos.size()
                    + " positive, " + (bags.size() - pos.size()) + " negative)");
        }
        SplittableRandom rnd = new SplittableRandom(options.seed());
        int per = classifier.config().inputChannels() * classifier.config().inputSize() * classifier.config().inputSize();
        int nNeg = options.batchSize();
        float[] losses = new float[options.steps()];
        long slices = 0;
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) options.learningRate())).build());
        LOG.info("training {} from study labels: {} positive studies, {} negative slices; {} steps",
                classifier.config(), pos.size(), neg.size(), options.steps());
        long t0 = System.nanoTime();
        try (Trainer trainer = classifier.model().newTrainer(cfg)) {
            trainer.initialize(classifier.inputShape(1));
            for (int step = 0; step < options.steps(); step++) {
                List<PreparedSlice> bag = subsample(pos.get(rnd.nextInt(pos.size())).slices(), rnd);
                int nPos = bag.size(), n = nPos + nNeg;
                float[] x = new float[n * per];
                for (int i = 0; i < nPos; i++) ClassifierTrainer.augment(bag.get(i), x, i * per, rnd, options);
                for (int i = 0; i < nNeg; i++) ClassifierTrainer.augment(neg.get(rnd.nextInt(neg.size())), x, (nPos + i) * per, rnd, options);
                slices += n;
                try (NDManager sub = classifier.manager().newSubManager()) {
                    NDArray xa = sub.create(x, classifier.inputShape(n));
                    classifier.zeroGradients();
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(new NDList(xa)).singletonOrThrow().reshape(n);
                        NDArray lp = logits.get(new NDIndex("0:" + nPos));
                        NDArray ln = logits.get(new NDIndex(nPos + ":"));
                        NDArray m = lp.max().stopGradient();
                        NDArray pooled = lp.sub(m).mul(sharpness).exp().mean().log().div(sharpness).add(m);
                        NDArray bagLoss = Activation.softPlus(pooled.neg());        // BCE(pooled, 1)
                        NDArray negLoss = Activation.softPlus(ln).mean();            // BCE(l, 0) per slice
                        NDArray loss = bagLoss.add(negLoss).mul(0.5);
                        gc.backward(loss);
                        losses[step] = loss.getFloat();
                    }
                    trainer.step();
                }
                if (options.logEvery() > 0 && ((step + 1) % options.logEvery() == 0 || step == 0)) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    LOG.info("MIL step {}/{} loss {} ({} slices/s)", step + 1, options.steps(),
                            String.format(Locale.ROOT, "%.4f", losses[step]), String.format(Locale.ROOT, "%.1f", slices / secs));
                }
            }
        }
        classifier.zeroGradients();
        double secs = (System.nanoTime() - t0) / 1e9;
        return new TrainingReport(options.steps(), slices, secs, slices / secs, losses);
    }

    /** All slices, or every k-th from a random start when there are more than {@code maxBagSlices}. */
    private List<PreparedSlice> subsample(List<PreparedSlice> all, SplittableRandom rnd) {
        if (all.size() <= maxBagSlices) return all;
        int k = (all.size() + maxBagSlices - 1) / maxBagSlices;
        List<PreparedSlice> out = new ArrayList<>();
        for (int i = rnd.nextInt(k); i < all.size(); i += k) out.add(all.get(i));
        return out;
    }
}
