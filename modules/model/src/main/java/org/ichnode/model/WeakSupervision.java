package org.ichnode.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.ichnode.core.pseudomask.DensityPrior;
import org.ichnode.core.pseudomask.PseudoMaskPipeline;

/**
 * The learning loop of the published method, step by step: preprocess -> two classifiers of different depth trained
 * on image-level labels (slice labels, or study labels only through {@link StudyLabelTrainer}) -> shallow-feature
 * CAMs of both ({@link StudyCams}) -> pseudo masks ({@link PseudoMasks}: ensemble, spatial fusion, bi-layer OR, dense
 * CRF; by default ich-node's {@link DensityPrior} gated by the deep Grad-CAM instead, see {@link Plan#DENSITY_GATE})
 * -> U-Net trained on the pseudo masks ({@link SegmentationTrainer}). Each step is a public method with its
 * inputs and outputs, so the ablation and the node's retraining use the same pieces. True masks are never read here
 * except by {@link #trueMaskSet} (the fully supervised reference).
 */
public final class WeakSupervision {

    /**
     * @param preprocess         slice preprocessing
     * @param classifierWidth    base width of both classifiers (resnet10 and resnet18)
     * @param classifierTraining classifier training options (resnet18 uses seed + 1)
     * @param studyLabelsOnly    train the classifiers from study labels even when slice labels are known
     * @param pseudoMasks        the pseudo-mask steps
     * @param unet               the U-Net
     * @param unetTraining       U-Net training options
     * @param validationFraction share of patients held out of U-Net training for early stopping (targets: pseudo masks)
     * @param camChunk           slices per CAM forward/backward pass
     * @param seed               split seed
     * @param selfTrainingRounds U-Nets trained afresh on the previous U-Net's own predictions (ich-node's addition;
     *                           0 = the published method)
     * @param densityPrior       ich-node's refinement of the pseudo masks by CT density ({@link DensityPrior}); null =
     *                           the published steps only. It reads HU from the first input channel, whose window must
     *                           therefore span the prior's blood window and reach above its calcification level
     * @param camGate            with a density prior: keep only the density components that {@code pseudoMasks}'
     *                           CAM-based mask touches (true, the default); false: every component on the positive
     *                           slices. On small phantoms (12 slices) the ungated masks gave the better U-Nets, on
     *                           full-size ones with study labels and on a real normal head the gated ones did by far
     *                           (docs/model.md, "Defaults")
     */
    public record Plan(PreprocessOptions preprocess, int classifierWidth, TrainingOptions classifierTraining,
                       boolean studyLabelsOnly, PseudoMaskPipeline.Config pseudoMasks, UNetConfig unet,
                       SegmentationTrainingOptions unetTraining, double validationFraction, int camChunk, long seed,
                       int selfTrainingRounds, DensityPrior densityPrior, boolean camGate) {

        public Plan {
            if (densityPrior != null) {
                HuWindow w = preprocess.windows().get(0);
                if (w.lower() > densityPrior.minHu() || w.lower() + w.width() <= densityPrior.calcificationHu()) {
                    throw new IllegalArgumentException("the density prior needs a first input window from at most "
                            + densityPrior.minHu() + " to above " + densityPrior.calcificationHu() + " HU; it is " + w);
                }
            }
        }

        /**
         * The CAM-based mask that gates the density prior when {@link #camGate} is on: the deep Grad-CAM. In the
         * phantom ablation the sharper published chain (shallow CAMs ... CRF) touched far fewer lesions than the coarse
         * Grad-CAM, and as a gate for density components touching the lesion is what counts.
         */
        public static final PseudoMaskPipeline.Config DENSITY_GATE = PseudoMaskPipeline.Config.forStage(PseudoMaskPipeline.Stage.DEEP_GRADCAM);

        /** Small and fast: for tests and the CI retraining run. */
        public static Plan quick(int size) {
            return new Plan(PreprocessOptions.single(size), 8,
                    TrainingOptions.defaults().withSteps(150).withBatchSize(16).withLearningRate(2e-3).withMaxShift(4).withLogEvery(50),
                    false, DENSITY_GATE, new UNetConfig(8, 3, 1, size),
                    SegmentationTrainingOptions.defaults().withSteps(150).withEvalEvery(50, 3).withLogEvery(50), 0.15, 8, 1L, 0,
                    DensityPrior.defaults(), true);
        }

        /** CPU-sized for input 256 and more (U-Net width 8, four levels: 32 slices at 256 in a few seconds). */
        public static Plan standard(int size) {
            return new Plan(PreprocessOptions.single(size), 16,
                    TrainingOptions.defaults().withSteps(1200).withBatchSize(16).withLearningRate(1e-3).withMaxShift(8).withLogEvery(100),
                    false, DENSITY_GATE, new UNetConfig(8, 4, 1, size),
                    SegmentationTrainingOptions.defaults().withSteps(1500).withEvalEvery(100, 4).withLogEvery(100), 0.15, 8, 1L, 0,
                    DensityPrior.defaults(), true);
        }

        /** The density prior on the positive slices, gated by the CAM-based mask or not (the default is gated). */
        public Plan withDensityGate(boolean gate) {
            return new Plan(preprocess, classifierWidth, classifierTraining, studyLabelsOnly, pseudoMasks, unet, unetTraining,
                    validationFraction, camChunk, seed, selfTrainingRounds, densityPrior != null ? densityPrior : DensityPrior.defaults(), gate);
        }

        /** The published pseudo-mask steps only (shallow CAMs, ensemble, fusion, bi-layer OR, CRF; no density prior). */
        public Plan withPublishedPseudoMasks() {
            return withPseudoMasks(PseudoMaskPipeline.Config.full()).withDensityPrior(null);
        }

        public Plan withStudyLabelsOnly(boolean on) {
            return new Plan(preprocess, classifierWidth, classifierTraining, on, pseudoMasks, unet, unetTraining, validationFraction, camChunk, seed, selfTrainingRounds, densityPrior, camGate);
        }

        public Plan withPseudoMasks(PseudoMaskPipeline.Config c) {
            return new Plan(preprocess, classifierWidth, classifierTraining, studyLabelsOnly, c, unet, unetTraining, validationFraction, camChunk, seed, selfTrainingRounds, densityPrior, camGate);
        }

        public Plan withSteps(int classifierSteps, int unetSteps) {
            return new Plan(preprocess, classifierWidth, classifierTraining.withSteps(classifierSteps), studyLabelsOnly, pseudoMasks, unet,
                    unetTraining.withSteps(unetSteps), validationFraction, camChunk, seed, selfTrainingRounds, densityPrior, camGate);
        }

        public Plan withDensityPrior(DensityPrior prior) {
            return new Plan(preprocess, classifierWidth, classifierTraining, studyLabelsOnly, pseudoMasks, unet, unetTraining,
                    validationFraction, camChunk, seed, selfTrainingRounds, prior, camGate);
        }

        public Plan withSelfTrainingRounds(int rounds) {
            if (rounds < 0) throw new IllegalArgumentException("rounds must be >= 0");
            return new Plan(preprocess, classifierWidth, classifierTraining, studyLabelsOnly, pseudoMasks, unet, unetTraining,
                    validationFraction, camChunk, seed, rounds, densityPrior, camGate);
        }
    }

    /** What {@link #train} made and how the steps went. */
    public record Result(IchModel model, TrainingReport classifierA, TrainingReport classifierB,
                         SegmentationTrainer.Report unet, int trainStudies, int validationStudies, int pseudoMaskSlices,
                         String trainingDataJson) {}

    private final Plan plan;
    private final Consumer<String> progress;

    public WeakSupervision(Plan plan, Consumer<String> progress) {
        this.plan = plan;
        this.progress = progress == null ? s -> {} : progress;
    }

    public Plan plan() { return plan; }

    /** The whole loop; the returned model is owned by the caller. */
    public Result train(List<LabelledStudy> studies, String name, String version) {
        PatientSplit split = PatientSplit.of(studies, plan.validationFraction(), plan.seed());
        List<PreparedStudy> fit = prepare(split.train(), "training");
        List<PreparedStudy> val = prepare(split.held(), "validation");
        ResNetClassifier a = null, b = null;
        try {
            progress.accept("classifier A (resnet10)");
            a = ResNetClassifier.create(ResNetConfig.resnet10(plan.classifierWidth(), plan.preprocess().channels(), plan.preprocess().size()));
            TrainingReport ra = trainClassifier(a, fit, plan.classifierTraining());
            progress.accept("classifier B (resnet18)");
            b = ResNetClassifier.create(ResNetConfig.resnet18(plan.classifierWidth(), plan.preprocess().channels(), plan.preprocess().size()));
            TrainingReport rb = trainClassifier(b, fit, plan.classifierTraining().withSeed(plan.classifierTraining().seed() + 1));
            progress.accept("pseudo masks");
            SegmentationSet fitSet = trainingPseudoMaskSet(fit, a, b);
            SegmentationSet valSet = trainingPseudoMaskSet(val, a, b);
            progress.accept("U-Net on " + fitSet.foregroundSlices() + " pseudo-masked slices of " + fitSet.size());
            UNet unet = UNet.create(plan.unet());
            SegmentationTrainer.Report ru = new SegmentationTrainer(plan.unetTraining()).train(unet, fitSet, valSet);
            for (int round = 1; round <= plan.selfTrainingRounds(); round++) {
                progress.accept("self-training round " + round);
                SegmentationSet fitNext = selfTrainingSet(unet, fit, a, b, ru.threshold()), valNext = selfTrainingSet(unet, val, a, b, ru.threshold());
                unet.close();
                unet = UNet.create(plan.unet());
                ru = new SegmentationTrainer(plan.unetTraining().withSeed(plan.unetTraining().seed() + round)).train(unet, fitNext, valNext);
            }
            IchModel model = new IchModel(new IchModel.Settings(name, version, plan.preprocess(), ru.threshold(), 0.05), a, b, unet);
            return new Result(model, ra, rb, ru, fit.size(), val.size(), fitSet.foregroundSlices(), trainingData(studies, split));
        } catch (RuntimeException e) {
            if (a != null) a.close();
            if (b != null) b.close();
            throw e;
        }
    }

    public List<PreparedStudy> prepare(List<LabelledStudy> studies, String what) {
        SlicePreprocessor pre = new SlicePreprocessor(plan.preprocess());
        List<PreparedStudy> out = new ArrayList<>(studies.size());
        for (int i = 0; i < studies.size(); i++) {
            out.add(PreparedStudy.prepare(studies.get(i), pre));
            if ((i + 1) % 20 == 0) progress.accept("prepared " + (i + 1) + "/" + studies.size() + " " + what + " studies");
        }
        return out;
    }

    /** Step 2: slice labels when every study has them (and study labels are not forced), else MIL on study labels. */
    public TrainingReport trainClassifier(ResNetClassifier c, List<PreparedStudy> studies, TrainingOptions options) {
        boolean sliceLabels = !plan.studyLabelsOnly() && studies.stream().allMatch(s -> s.study().sliceLabels() != null);
        if (!sliceLabels) {
            List<StudyBag> bags = new ArrayList<>();
            for (PreparedStudy s : studies) bags.add(new StudyBag(s.study().id(), s.slices(), s.study().positive()));
            return new StudyLabelTrainer(options).train(c, bags);
        }
        List<PreparedSlice> in = new ArrayList<>();
        List<float[]> masks = new ArrayList<>();
        List<Boolean> lab = new ArrayList<>();
        for (PreparedStudy s : studies) {
            for (int k = 0; k < s.sliceCount(); k++) {
                in.add(s.slices().get(k));
                lab.add(s.study().sliceLabels()[k]);
                masks.add(null);
            }
        }
        boolean[] labels = new boolean[lab.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = lab.get(i);
        return new ClassifierTrainer(options).train(c, new SliceDataset(in, labels, masks));
    }

    /**
     * The pseudo masks {@link #train} uses: the plan's steps (by default the density prior gated by the deep
     * Grad-CAM), or without the CAM gate the density components of the positive slices (by the slice labels where
     * every study has them and study labels are not forced, else every slice of a positive study).
     */
    public SegmentationSet trainingPseudoMaskSet(List<PreparedStudy> studies, ResNetClassifier a, ResNetClassifier b) {
        boolean sliceLabels = !plan.studyLabelsOnly() && studies.stream().allMatch(s -> s.study().sliceLabels() != null);
        if (plan.densityPrior() == null || plan.camGate()) return pseudoMaskSet(studies, a, b, plan.pseudoMasks());
        return densityOnlySet(studies, plan.densityPrior(), sliceLabels);
    }

    /**
     * Density-only targets (no classifier, no CAM): the prior on the positive slices of positive studies (the slice
     * labels when {@code useSliceLabels} and known, else every slice); negative studies empty.
     */
    public static SegmentationSet densityOnlySet(List<PreparedStudy> studies, DensityPrior prior, boolean useSliceLabels) {
        return maskSet(studies, s -> PseudoMasks.densityOnly(prior, s, PseudoMasks.positiveSlices(s, null, useSliceLabels, true)));
    }

    /** Every slice of every study with the mask {@code masks} gives it. */
    private static SegmentationSet maskSet(List<PreparedStudy> studies, java.util.function.Function<PreparedStudy, byte[][]> masks) {
        List<PreparedSlice> in = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        for (PreparedStudy s : studies) {
            byte[][] m = masks.apply(s);
            for (int k = 0; k < s.sliceCount(); k++) {
                in.add(s.slices().get(k));
                targets.add(PseudoMasks.toFloat(m[k]));
            }
        }
        return new SegmentationSet(in, targets);
    }

    /** Steps 3 to 7: every slice of every study with its pseudo mask (empty for negative studies and slices). */
    public SegmentationSet pseudoMaskSet(List<PreparedStudy> studies, ResNetClassifier a, ResNetClassifier b,
                                         PseudoMaskPipeline.Config config) {
        return pseudoMaskSet(studies, a, b, config, plan.densityPrior());
    }

    /** As {@link #pseudoMaskSet(List, ResNetClassifier, ResNetClassifier, PseudoMaskPipeline.Config)}, with this prior (null: none). */
    public SegmentationSet pseudoMaskSet(List<PreparedStudy> studies, ResNetClassifier a, ResNetClassifier b,
                                         PseudoMaskPipeline.Config config, DensityPrior prior) {
        int[] done = {0};
        return maskSet(studies, s -> {
            byte[][] masks = pseudoMasks(s, a, b, config, prior);
            if (++done[0] % 20 == 0) progress.accept("pseudo masks " + done[0] + "/" + studies.size());
            return masks;
        });
    }

    /** One study's pseudo masks; a negative study gets empty masks without computing CAMs. */
    public byte[][] pseudoMasks(PreparedStudy s, ResNetClassifier a, ResNetClassifier b, PseudoMaskPipeline.Config config) {
        return pseudoMasks(s, a, b, config, plan.densityPrior());
    }

    public byte[][] pseudoMasks(PreparedStudy s, ResNetClassifier a, ResNetClassifier b, PseudoMaskPipeline.Config config,
                                DensityPrior prior) {
        int per = s.size() * s.size();
        if (!s.study().positive()) return new byte[s.sliceCount()][per];
        StudyCams cams = StudyCams.compute(a, b, s, plan.camChunk());
        boolean[] positive = PseudoMasks.positiveSlices(s, cams, !plan.studyLabelsOnly(), prior != null);
        return PseudoMasks.build(config, prior, s, cams, positive);
    }

    /**
     * Self-training targets (ich-node's addition to the published method): the U-Net's own thresholded predictions on
     * the studies, kept only on the positive slices of positive studies (as for the pseudo masks) and inside the
     * intracranial mask, and refined by the plan's density prior when it has one; negative studies stay empty. A U-Net
     * trained on noisy pseudo masks segments better than the masks it learned from (ablation), so its predictions are
     * better targets for the next network.
     */
    public SegmentationSet selfTrainingSet(UNet unet, List<PreparedStudy> studies, ResNetClassifier a, ResNetClassifier b, double threshold) {
        return selfTrainingSet(unet, studies, a, b, threshold, plan.densityPrior());
    }

    public SegmentationSet selfTrainingSet(UNet unet, List<PreparedStudy> studies, ResNetClassifier a, ResNetClassifier b,
                                           double threshold, DensityPrior prior) {
        boolean useSliceLabels = !plan.studyLabelsOnly();
        return maskSet(studies, s -> {
            int per = s.size() * s.size();
            byte[][] out = new byte[s.sliceCount()][per];
            if (!s.study().positive()) return out;
            boolean sliceLabelsDecide = useSliceLabels && s.study().sliceLabels() != null;
            // the classifiers pick the positive slices only where neither the slice labels nor the prior's rule do
            StudyCams probabilities = sliceLabelsDecide || prior != null ? null : new StudyCams(null, null, meanProbability(a, b, s));
            boolean[] positive = PseudoMasks.positiveSlices(s, probabilities, useSliceLabels, prior != null);
            List<float[]> pred = unet.predictProbabilities(s.slices(), plan.camChunk());
            for (int k = 0; k < s.sliceCount(); k++) {
                if (!positive[k]) continue;
                float[] p = pred.get(k);
                for (int i = 0; i < per; i++) if (p[i] >= threshold && s.intracranial()[k][i] != 0) out[k][i] = 1;
                if (prior != null) out[k] = prior.refine(s.size(), s.size(), s.hu()[k], s.intracranial()[k], out[k]);
            }
            return out;
        });
    }

    private float[] meanProbability(ResNetClassifier a, ResNetClassifier b, PreparedStudy s) {
        float[] pa = a.predictProbabilities(s.slices(), plan.camChunk()), pb = b.predictProbabilities(s.slices(), plan.camChunk());
        float[] p = new float[pa.length];
        for (int i = 0; i < p.length; i++) p[i] = 0.5f * (pa[i] + pb[i]);
        return p;
    }

    /** The fully supervised reference: the same slices with their true masks. */
    public static SegmentationSet trueMaskSet(List<PreparedStudy> studies) {
        List<PreparedSlice> in = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        for (PreparedStudy s : studies) {
            if (s.trueMask() == null) throw new IllegalArgumentException("study " + s.study().id() + " has no true mask");
            for (int k = 0; k < s.sliceCount(); k++) {
                in.add(s.slices().get(k));
                targets.add(s.trueMask()[k]);
            }
        }
        return new SegmentationSet(in, targets);
    }

    private String trainingData(List<LabelledStudy> all, PatientSplit split) {
        int pos = 0, slices = 0;
        boolean sliceLabels = !plan.studyLabelsOnly() && all.stream().allMatch(s -> s.sliceLabels() != null);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        for (LabelledStudy s : all) {
            if (s.positive()) pos++;
            slices += s.volume().slices();
            crc.update((s.id() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return String.format(Locale.ROOT,
                "{\"studies\":%d,\"positiveStudies\":%d,\"slices\":%d,\"trainStudies\":%d,\"validationStudies\":%d,"
                        + "\"labels\":\"%s\",\"studyIdsCrc32\":\"%08x\",\"inputSize\":%d}",
                all.size(), pos, slices, split.train().size(), split.held().size(), sliceLabels ? "slice" : "study",
                crc.getValue(), plan.preprocess().size());
    }
}
