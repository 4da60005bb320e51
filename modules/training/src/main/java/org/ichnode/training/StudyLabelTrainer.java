package org.ichnode.training;

import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.model.ResNetClassifier;

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
 * <p>Each step takes as many negative as positive studies ({@code max(1, batchSize / 8)} of each; a study's slices,
 * every k-th when it has more than {@code maxBagSlices}). A study's score is the log-mean-exp of its slice logits
 * with sharpness {@code r} ({@code m + log(mean(exp(r (l_i - m)))) / r}, m the detached maximum): a soft maximum, so
 * the loss asks for at least one confidently positive slice in a positive study and none in a negative one. Loss =
 * mean over the studies of BCE(score, label). Negative studies are pooled the same way rather than scored slice by
 * slice: against single negative slices the maximum of a bag wins on whatever varies most between slices (overall
 * brightness on the blob test set), and the classifier learned that instead of the lesion (it ranked held-out slices
 * no better than chance).
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
        List<StudyBag> pos = new ArrayList<>(), neg = new ArrayList<>();
        for (StudyBag b : bags) (b.positive() ? pos : neg).add(b);
        if (pos.isEmpty() || neg.isEmpty()) {
            throw new IllegalArgumentException("study-level training needs positive and negative studies (" + pos.size()
                    + " positive, " + neg.size() + " negative)");
        }
        SplittableRandom rnd = new SplittableRandom(options.seed());
        int per = classifier.config().inputChannels() * classifier.config().inputSize() * classifier.config().inputSize();
        int bagsPerClass = Math.max(1, options.batchSize() / 8);
        float[] losses = new float[options.steps()];
        long slices = 0;
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(options.learningRateTracker()).build());
        LOG.info("training {} from study labels: {} positive and {} negative studies; {} steps of {} + {} studies",
                classifier.config(), pos.size(), neg.size(), options.steps(), bagsPerClass, bagsPerClass);
        long t0 = System.nanoTime();
        FiniteSteps finite = new FiniteSteps("MIL classifier " + classifier.config(), options.steps());
        try (Trainer trainer = classifier.model().newTrainer(cfg)) {
            trainer.initialize(classifier.inputShape(1));
            for (int step = 0; step < options.steps(); step++) {
                List<List<PreparedSlice>> chosen = new ArrayList<>();
                List<Boolean> label = new ArrayList<>();
                for (int i = 0; i < 2 * bagsPerClass; i++) {
                    boolean p = i % 2 == 0;
                    List<StudyBag> from = p ? pos : neg;
                    chosen.add(subsample(from.get(rnd.nextInt(from.size())).slices(), rnd));
                    label.add(p);
                }
                int n = chosen.stream().mapToInt(List::size).sum();
                float[] x = new float[n * per];
                int at = 0;
                for (List<PreparedSlice> bag : chosen) for (PreparedSlice sl : bag) ClassifierTrainer.augment(sl, x, per * at++, rnd, options);
                slices += n;
                try (NDManager sub = classifier.manager().newSubManager()) {
                    NDArray xa = sub.create(x, classifier.inputShape(n));
                    classifier.zeroGradients();
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(new NDList(xa)).singletonOrThrow().reshape(n);
                        NDArray loss = null;
                        int from = 0;
                        for (int b = 0; b < chosen.size(); b++) {
                            int to = from + chosen.get(b).size();
                            NDArray pooled = pool(logits.get(new NDIndex(from + ":" + to)));
                            // BCE(pooled, 1) = softplus(-pooled); BCE(pooled, 0) = softplus(pooled)
                            NDArray l = Activation.softPlus(label.get(b) ? pooled.neg() : pooled);
                            loss = loss == null ? l : loss.add(l);
                            from = to;
                        }
                        loss = loss.div((float) chosen.size());
                        gc.backward(loss);
                        losses[step] = loss.getFloat();
                    }
                    finite.step(trainer, classifier.model().getBlock(), losses[step], step);
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

    /** Log-mean-exp of a study's slice logits: {@code m + log(mean(exp(r (l - m)))) / r}, m the detached maximum. */
    private NDArray pool(NDArray logits) {
        NDArray m = logits.max().stopGradient();
        float r = (float) sharpness;
        return logits.sub(m).mul(r).exp().mean().log().div(r).add(m);
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
