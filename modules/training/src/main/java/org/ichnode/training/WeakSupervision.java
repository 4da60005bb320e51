package org.ichnode.training;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.ichnode.model.IchModel;
import org.ichnode.model.ModelRuntime;
import org.ichnode.model.ModelSegmenter;
import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.core.preprocess.PreprocessOptions;
import org.ichnode.model.ResNetClassifier;
import org.ichnode.model.ResNetConfig;
import org.ichnode.model.StudyCalibration;
import org.ichnode.model.UNet;
import org.ichnode.model.UNetConfig;

import org.ichnode.core.volume.HuWindow;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.ichnode.training.pseudomask.DensityComponent;
import org.ichnode.training.pseudomask.DensityPrior;
import org.ichnode.training.pseudomask.NegativeContrast;
import org.ichnode.training.pseudomask.PseudoMaskPipeline;

/**
 * The learning loop of the published method, step by step: preprocess -> two classifiers of different depth trained
 * on image-level labels (slice labels, or study labels only through {@link StudyLabelTrainer}) -> shallow-feature
 * CAMs of both ({@link StudyCams}) -> pseudo masks ({@link PseudoMasks}: ensemble, spatial fusion, bi-layer OR, dense
 * CRF; by default ich-node's {@link DensityPrior} with the components chosen by {@link NegativeContrast} instead, see
 * {@link DensityGate})
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
     * @param densityGate        with a density prior: which of its components become targets ({@link DensityGate})
     * @param pretrainedClassifiers a model artifact folder whose two classifiers (same architecture, windows and size)
     *                           are the starting weights, e.g. classifiers trained on phantoms; null = random weights
     */
    public record Plan(PreprocessOptions preprocess, int classifierWidth, TrainingOptions classifierTraining,
                       boolean studyLabelsOnly, PseudoMaskPipeline.Config pseudoMasks, UNetConfig unet,
                       SegmentationTrainingOptions unetTraining, double validationFraction, int camChunk, long seed,
                       int selfTrainingRounds, DensityPrior densityPrior, DensityGate densityGate,
                       java.nio.file.Path pretrainedClassifiers) {

        public Plan {
            if (densityGate == null) throw new IllegalArgumentException("densityGate is required");
            if (densityPrior != null) {
                HuWindow w = preprocess.windows().get(0);
                if (w.lower() > densityPrior.minHu() || w.lower() + w.width() <= densityPrior.calcificationHu()) {
                    throw new IllegalArgumentException("the density prior needs a first input window from at most "
                            + densityPrior.minHu() + " to above " + densityPrior.calcificationHu() + " HU; it is " + w);
                }
            }
        }

        /**
         * The CAM-based mask that gates the density prior with {@link DensityGate#CAM}: the deep Grad-CAM. In the
         * phantom ablation the sharper published chain (shallow CAMs ... CRF) touched far fewer lesions than the coarse
         * Grad-CAM, and as a gate for density components touching the lesion is what counts.
         */
        public static final PseudoMaskPipeline.Config DENSITY_GATE = PseudoMaskPipeline.Config.forStage(PseudoMaskPipeline.Stage.DEEP_GRADCAM);

        /** Small and fast: for tests and the CI retraining run. */
        public static Plan quick(int size) {
            return new Plan(PreprocessOptions.single(size), 8,
                    TrainingOptions.defaults().withSteps(150).withBatchSize(16).withLearningRate(2e-3).withMaxShift(4).withLogEvery(50),
                    false, DENSITY_GATE, new UNetConfig(8, 3, 1, size),
                    SegmentationTrainingOptions.defaults().withSteps(150).withEvalEvery(50, 6).withLogEvery(50), 0.15, 8, 1L, 0,
                    DensityPrior.defaults(), DensityGate.NEGATIVE_CONTRAST, null);
        }

        /** CPU-sized for input 256 and more (U-Net width 8, four levels: 32 slices at 256 in a few seconds). */
        public static Plan standard(int size) {
            return new Plan(PreprocessOptions.single(size), 16,
                    TrainingOptions.defaults().withSteps(1200).withBatchSize(16).withLearningRate(1e-3).withMaxShift(8).withLogEvery(100),
                    false, DENSITY_GATE, new UNetConfig(8, 4, 1, size),
                    SegmentationTrainingOptions.defaults().withSteps(1500).withEvalEvery(100, 4).withLogEvery(100), 0.15, 8, 1L, 0,
                    DensityPrior.defaults(), DensityGate.NEGATIVE_CONTRAST, null);
        }

        /** {@link #quick} below input 256, {@link #standard} from 256 on. */
        public static Plan forSize(int size) { return size >= 256 ? standard(size) : quick(size); }

        /**
         * The recipe measured on real CT and used for the shipped model (docs/model.md, models/README.md): {@link #forSize}
         * with three windows, the U-Net's input blanked outside the brain mask, classifiers augmented by rotation up to
         * 15 degrees and zoom 0.9 to 1.1 with a cosine learning-rate decay, 1200 classifier and 600 U-Net steps, trained
         * as an ensemble of the draws {@link #RECIPE_MEMBER_SEEDS}. The nightly retraining starts from it, so its
         * candidates are what was measured.
         */
        public static Plan recipe(int size) {
            Plan p = forSize(size).withSteps(1200, 600).withPreprocess(PreprocessOptions.multiWindow(size).withUnetBrainOnly(true));
            return p.withClassifierTraining(p.classifierTraining().withAffine(15, 0.1).withCosineDecay(true));
        }

        /**
         * The recipe's members ({@link WeakSupervision#train(List, String, String, double, List)}): the plan's own
         * seeds and seed 11, those of the shipped model. Averaging draws did not rank studies better in every
         * cross-validation run on CT-ICH (docs/model.md, seventh session); the recipe stays the shipped model's.
         */
        public static final List<Long> RECIPE_MEMBER_SEEDS = java.util.Collections.unmodifiableList(java.util.Arrays.asList(null, 11L));

        /** Another input (size and windows); the U-Net takes as many channels. */
        public Plan withPreprocess(PreprocessOptions p) {
            return new Plan(p, classifierWidth, classifierTraining, studyLabelsOnly, pseudoMasks,
                    new UNetConfig(unet.baseWidth(), unet.levels(), p.channels(), p.size()), unetTraining, validationFraction, camChunk, seed,
                    selfTrainingRounds, densityPrior, densityGate, pretrainedClassifiers);
        }

        /** The classifiers' optimiser and augmentation. */
        public Plan withClassifierTraining(TrainingOptions t) {
            return new Plan(preprocess, classifierWidth, t, studyLabelsOnly, pseudoMasks, unet, unetTraining, validationFraction,
                    camChunk, seed, selfTrainingRounds, densityPrior, densityGate, pretrainedClassifiers);
        }

        public Plan withClassifierWidth(int width) {
            return new Plan(preprocess, width, classifierTraining, studyLabelsOnly, pseudoMasks, unet, unetTraining, validationFraction,
                    camChunk, seed, selfTrainingRounds, densityPrior, densityGate, pretrainedClassifiers);
        }

        /** The density prior on the positive slices, its components chosen by {@code gate}. */
        public Plan withDensityGate(DensityGate gate) {
            return new Plan(preprocess, classifierWidth, classifierTraining, studyLabelsOnly, pseudoMasks, unet, unetTraining,
                    validationFraction, camChunk, seed, selfTrainingRounds, densityPrior != null ? densityPrior : DensityPrior.defaults(), gate, pretrainedClassifiers);
        }

        /** The published pseudo-mask steps only (shallow CAMs, ensemble, fusion, bi-layer OR, CRF; no density prior). */
        public Plan withPublishedPseudoMasks() {
            return withPseudoMasks(PseudoMaskPipeline.Config.full()).withDensityPrior(null);
        }

        public Plan withStudyLabelsOnly(boolean on) {
            return new Plan(preprocess, classifierWidth, classifierTraining, on, pseudoMasks, unet, unetTraining, validationFraction, camChunk, seed, selfTrainingRounds, densityPrior, densityGate, pretrainedClassifiers);
        }

        public Plan withPseudoMasks(PseudoMaskPipeline.Config c) {
            return new Plan(preprocess, classifierWidth, classifierTraining, studyLabelsOnly, c, unet, unetTraining, validationFraction, camChunk, seed, selfTrainingRounds, densityPrior, densityGate, pretrainedClassifiers);
        }

        public Plan withSteps(int classifierSteps, int unetSteps) {
            return new Plan(preprocess, classifierWidth, classifierTraining.withSteps(classifierSteps), studyLabelsOnly, pseudoMasks, unet,
                    unetTraining.withSteps(unetSteps), validationFraction, camChunk, seed, selfTrainingRounds, densityPrior, densityGate, pretrainedClassifiers);
        }

        public Plan withDensityPrior(DensityPrior prior) {
            return new Plan(preprocess, classifierWidth, classifierTraining, studyLabelsOnly, pseudoMasks, unet, unetTraining,
                    validationFraction, camChunk, seed, selfTrainingRounds, prior, densityGate, pretrainedClassifiers);
        }

        /** The U-Net's initial weights, batch sampling and augmentation follow this seed. */
        public Plan withUnetSeed(long seed) {
            return new Plan(preprocess, classifierWidth, classifierTraining, studyLabelsOnly, pseudoMasks, unet,
                    unetTraining.withSeed(seed), validationFraction, camChunk, this.seed, selfTrainingRounds, densityPrior, densityGate, pretrainedClassifiers);
        }

        /** Both classifiers start from those of the model artifact in {@code dir} (null: from random weights). */
        public Plan withPretrainedClassifiers(java.nio.file.Path dir) {
            return new Plan(preprocess, classifierWidth, classifierTraining, studyLabelsOnly, pseudoMasks, unet, unetTraining,
                    validationFraction, camChunk, seed, selfTrainingRounds, densityPrior, densityGate, dir);
        }

        public Plan withSelfTrainingRounds(int rounds) {
            if (rounds < 0) throw new IllegalArgumentException("rounds must be >= 0");
            return new Plan(preprocess, classifierWidth, classifierTraining, studyLabelsOnly, pseudoMasks, unet, unetTraining,
                    validationFraction, camChunk, seed, rounds, densityPrior, densityGate, pretrainedClassifiers);
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

    /** The whole loop at the default target sensitivity; the returned model is owned by the caller. */
    public Result train(List<LabelledStudy> studies, String name, String version) {
        return train(studies, name, version, OperatingPoint.DEFAULT_TARGET_SENSITIVITY);
    }

    /**
     * The whole loop; the operating point is chosen on the validation patients (never seen by the classifiers) for
     * {@code targetSensitivity}. The returned model is owned by the caller.
     */
    public Result train(List<LabelledStudy> studies, String name, String version, double targetSensitivity) {
        return train(studies, name, version, targetSensitivity, java.util.Collections.singletonList(null));
    }

    /**
     * An ensemble: one member per entry of {@code memberSeeds}, each the whole loop on the same training patients, drawn
     * with its own seed: {@code null} keeps the plan's seeds (and the engine seed the caller set); a number sets the
     * engine seed (initial weights), the classifiers' training seed (resnet18: one more) and the U-Net's seed. Averaging
     * independently trained models reduces the spread between training draws, which on CT-ICH was as large as every
     * effect measured (docs/model.md). The members' mean U-Net probability is thresholded at the mean of their own
     * thresholds; calibration and operating point are fitted for the average on the validation patients. The reports in
     * the result are the first member's. The returned model is owned by the caller.
     */
    public Result train(List<LabelledStudy> studies, String name, String version, double targetSensitivity, List<Long> memberSeeds) {
        if (memberSeeds.isEmpty()) throw new IllegalArgumentException("at least one member");
        PatientSplit split = PatientSplit.of(studies, plan.validationFraction(), plan.seed());
        List<PreparedStudy> fit = prepare(split.train(), "training");
        List<PreparedStudy> val = prepare(split.held(), "validation");
        List<IchModel.Member> members = new ArrayList<>();
        TrainedMember first = null;
        double thresholds = 0;
        try {
            for (int m = 0; m < memberSeeds.size(); m++) {
                Long seed = memberSeeds.get(m);
                Plan p = plan;
                if (seed != null) {
                    ModelRuntime.seed(seed);
                    p = p.withClassifierTraining(p.classifierTraining().withSeed(seed)).withUnetSeed(seed);
                }
                String who = memberSeeds.size() == 1 ? "" : "member " + (m + 1) + "/" + memberSeeds.size() + (seed == null ? "" : " (seed " + seed + ")") + ": ";
                TrainedMember trained = trainMember(p, fit, val, who);
                members.add(trained.networks());
                thresholds += trained.unet().threshold();
                if (first == null) first = trained;
            }
            IchModel model = new IchModel(new IchModel.Settings(name, version, plan.preprocess(), thresholds / members.size(), 0.05, 0,
                    StudyCalibration.identity(), IchModel.StudyScore.CLASSIFIERS_AND_UNET), members);
            model = withCall(model, val, targetSensitivity);
            return new Result(model, first.classifierA(), first.classifierB(), first.unet(), fit.size(), val.size(), first.pseudoMaskSlices(),
                    trainingData(studies, split, memberSeeds.size()));
        } catch (RuntimeException e) {
            for (IchModel.Member m : members) m.close();
            throw e;
        }
    }

    /** One member's networks and how their training went. */
    private record TrainedMember(IchModel.Member networks, TrainingReport classifierA, TrainingReport classifierB,
                          SegmentationTrainer.Report unet, int pseudoMaskSlices) {}

    /** Steps 2 to 8 for one member, with {@code p}'s seeds (the rest of {@code p} is this plan's). */
    private TrainedMember trainMember(Plan p, List<PreparedStudy> fit, List<PreparedStudy> val, String who) {
        ResNetClassifier a = null, b = null;
        UNet unet = null;
        try {
            progress.accept(who + "classifier A (resnet10)");
            a = newClassifier(ResNetConfig.resnet10(p.classifierWidth(), p.preprocess().channels(), p.preprocess().size()), "classifier-a");
            TrainingReport ra = trainClassifier(a, fit, p.classifierTraining());
            progress.accept(who + "classifier B (resnet18)");
            b = newClassifier(ResNetConfig.resnet18(p.classifierWidth(), p.preprocess().channels(), p.preprocess().size()), "classifier-b");
            TrainingReport rb = trainClassifier(b, fit, p.classifierTraining().withSeed(p.classifierTraining().seed() + 1));
            progress.accept(who + "pseudo masks");
            SegmentationSet[] sets = trainingPseudoMaskSets(fit, val, a, b);
            SegmentationSet fitSet = sets[0], valSet = sets[1];
            progress.accept(who + "U-Net on " + fitSet.foregroundSlices() + " pseudo-masked slices of " + fitSet.size());
            unet = UNet.create(p.unet(), p.unetTraining().seed());
            SegmentationTrainer.Report ru = new SegmentationTrainer(p.unetTraining()).train(unet, fitSet, valSet);
            for (int round = 1; round <= p.selfTrainingRounds(); round++) {
                progress.accept(who + "self-training round " + round);
                SegmentationSet fitNext = selfTrainingSet(unet, fit, a, b, ru.threshold()), valNext = selfTrainingSet(unet, val, a, b, ru.threshold());
                unet.close();
                unet = null;
                SegmentationTrainingOptions next = p.unetTraining().withSeed(p.unetTraining().seed() + round);
                unet = UNet.create(p.unet(), next.seed());
                ru = new SegmentationTrainer(next).train(unet, fitNext, valNext);
            }
            return new TrainedMember(new IchModel.Member(a, b, unet), ra, rb, ru, fitSet.foregroundSlices());
        } catch (RuntimeException e) {
            if (a != null) a.close();
            if (b != null) b.close();
            if (unet != null) unet.close();
            throw e;
        }
    }

    /**
     * A classifier of {@code config} with random weights, or with those of the plan's pretrained artifact ({@code folder}
     * in it), which must have been built for the same architecture, input windows and size.
     */
    private ResNetClassifier newClassifier(ResNetConfig config, String folder) {
        if (plan.pretrainedClassifiers() == null) return ResNetClassifier.create(config);
        java.nio.file.Path dir = plan.pretrainedClassifiers().resolve(folder);
        ResNetClassifier c;
        try {
            c = ResNetClassifier.load(dir);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("pretrained classifiers: cannot read " + dir + ": " + e.getMessage(), e);
        }
        if (!c.config().equals(config)) {
            c.close();
            throw new IllegalArgumentException("pretrained classifiers: " + dir + " holds " + c.config() + ", this training needs "
                    + config + " (same width, input windows and size)");
        }
        progress.accept(folder + " starts from the weights in " + dir);
        return c;
    }

    /**
     * The calibration and the operating point on the validation studies (never seen by the classifiers): Platt's fit
     * of their raw study scores, then the threshold on the calibrated probabilities for {@code target}; 0 (every
     * finding counts) without positives.
     */
    private IchModel withCall(IchModel model, List<PreparedStudy> val, double target) {
        ModelSegmenter seg = new ModelSegmenter(model, plan.camChunk()); // not closed: it would close the model
        double[] logits = new double[val.size()];
        boolean[] labels = new boolean[val.size()];
        for (int i = 0; i < val.size(); i++) {
            logits[i] = seg.studyLogit(val.get(i).slices(), val.get(i).unetSlices());
            labels[i] = val.get(i).study().positive();
        }
        StudyCalibration c = StudyCalibration.fit(logits, labels);
        progress.accept(String.format(java.util.Locale.ROOT, "study calibration on %d validation studies: slope %.4f, intercept %.4f",
                val.size(), c.slope(), c.intercept()));
        List<Double> positives = new ArrayList<>(), negativeScores = new ArrayList<>();
        for (int i = 0; i < logits.length; i++) (labels[i] ? positives : negativeScores).add(c.probability(logits[i]));
        double t = OperatingPoint.forSensitivity(positives.stream().mapToDouble(Double::doubleValue).toArray(), target);
        if (Double.isNaN(t)) {
            progress.accept("operating point: no positive validation study; every finding is called (call.threshold 0)");
            return model.withCall(c, 0);
        }
        int negativesAbove = 0;
        for (double p : negativeScores) if (p >= t) negativesAbove++;
        progress.accept(String.format(java.util.Locale.ROOT, "operating point %.4f for sensitivity %.2f on %d positive validation studies%s; "
                + "%d of %d negative ones above it; sensitivity to expect on new studies about %.2f", t, target, positives.size(),
                positives.size() < 5 ? " (few: a rough estimate)" : "", negativesAbove, negativeScores.size(),
                OperatingPoint.expectedSensitivity(positives.size(), target)));
        return model.withCall(c, t);
    }

    public List<PreparedStudy> prepare(List<LabelledStudy> studies, String what) {
        List<PreparedStudy> out = new ArrayList<>(studies.size());
        for (int i = 0; i < studies.size(); i++) {
            out.add(PreparedStudy.prepare(studies.get(i), plan.preprocess()));
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
     * The pseudo masks {@link #train} uses for its training and validation studies: the plan's steps. With the density
     * prior and {@link DensityGate#NEGATIVE_CONTRAST} (the default) the components are judged against those of both
     * lists together (each study against the others), falling back to the CAM gate when no image is negative.
     */
    public SegmentationSet[] trainingPseudoMaskSets(List<PreparedStudy> fit, List<PreparedStudy> val, ResNetClassifier a, ResNetClassifier b) {
        if (plan.densityPrior() != null && plan.densityGate() == DensityGate.NEGATIVE_CONTRAST) return negativeContrastSets(List.of(fit, val), a, b);
        return new SegmentationSet[] {trainingPseudoMaskSet(fit, a, b), trainingPseudoMaskSet(val, a, b)};
    }

    /** As {@link #trainingPseudoMaskSets} for one list of studies. */
    public SegmentationSet trainingPseudoMaskSet(List<PreparedStudy> studies, ResNetClassifier a, ResNetClassifier b) {
        if (plan.densityPrior() == null || plan.densityGate() == DensityGate.CAM) return pseudoMaskSet(studies, a, b, plan.pseudoMasks());
        if (plan.densityGate() == DensityGate.NEGATIVE_CONTRAST) return negativeContrastSets(List.of(studies), a, b)[0];
        return densityOnlySet(studies, plan.densityPrior(), usesSliceLabels(studies));
    }

    /** One set per part, the components of all parts judged together; the CAM gate where nothing can be contrasted. */
    private SegmentationSet[] negativeContrastSets(List<List<PreparedStudy>> parts, ResNetClassifier a, ResNetClassifier b) {
        List<PreparedStudy> all = parts.stream().flatMap(List::stream).toList();
        SegmentationSet[] out = new SegmentationSet[parts.size()];
        try {
            java.util.Map<PreparedStudy, byte[][]> masks = negativeContrastMasks(all, plan.densityPrior(), NegativeContrast.defaults(), usesSliceLabels(all), progress);
            for (int i = 0; i < out.length; i++) out[i] = maskSet(parts.get(i), masks::get);
        } catch (IllegalArgumentException e) {
            progress.accept("pseudo masks: " + e.getMessage() + "; the CAM gate decides instead");
            for (int i = 0; i < out.length; i++) out[i] = pseudoMaskSet(parts.get(i), a, b, plan.pseudoMasks());
        }
        return out;
    }

    private boolean usesSliceLabels(List<PreparedStudy> studies) {
        return !plan.studyLabelsOnly() && studies.stream().allMatch(s -> s.study().sliceLabels() != null);
    }

    /**
     * Negative-contrast targets (no classifier, no CAM): the density components of the positive images (positive
     * slices by the slice labels when {@code useSliceLabels}, else every slice of a positive study) that
     * {@link NegativeContrast} finds unlike the components of the negative images, grown by the prior
     * ({@link DensityPrior#grow}) when it grows; everything else empty.
     *
     * @throws IllegalArgumentException when no image is negative (or none positive): nothing to contrast with
     */
    public static java.util.Map<PreparedStudy, byte[][]> negativeContrastMasks(List<PreparedStudy> studies, DensityPrior prior,
                                                                             NegativeContrast contrast, boolean useSliceLabels,
                                                                             Consumer<String> progress) {
        List<NegativeContrast.Candidate> candidates = new ArrayList<>();
        List<DensityComponent> components = new ArrayList<>();
        java.util.Map<PreparedStudy, byte[][]> out = new java.util.IdentityHashMap<>();
        for (int si = 0; si < studies.size(); si++) {
            PreparedStudy s = studies.get(si);
            out.put(s, new byte[s.sliceCount()][s.size() * s.size()]);
            boolean[] positive = PseudoMasks.positiveSlices(s, null, useSliceLabels, true);
            for (DensityComponent c : DensityComponent.of(prior, s.size(), s.size(), s.hu(), s.intracranial())) {
                if (c.size() < contrast.minPixels()) continue;
                candidates.add(new NegativeContrast.Candidate(c.features(), si, positive[c.slice()], c.size()));
                components.add(c);
            }
            if ((si + 1) % 20 == 0 && progress != null) progress.accept("density components of " + (si + 1) + "/" + studies.size() + " studies");
        }
        NegativeContrast.Selection sel = contrast.select(candidates);
        for (int i = 0; i < candidates.size(); i++) {
            if (!sel.keep()[i]) continue;
            byte[] lesion = out.get(studies.get(candidates.get(i).study()))[components.get(i).slice()];
            for (int p : components.get(i).pixels()) lesion[p] = 1;
        }
        if (prior.grow()) {
            for (PreparedStudy s : studies) {
                byte[][] m = out.get(s);
                for (int k = 0; k < s.sliceCount(); k++) m[k] = prior.grow(s.size(), s.size(), s.hu()[k], s.intracranial()[k], m[k]);
            }
        }
        if (progress != null) {
            progress.accept(String.format(Locale.ROOT, "negative contrast: kept %d of %d components (positive share %.3f, kept at >= %.3f of %d neighbours; %d references)",
                    sel.kept(), candidates.size(), sel.positiveShare(), sel.minPositiveShare(), contrast.neighbours(), sel.references()));
        }
        return out;
    }

    /**
     * Density-only targets (no classifier, no CAM): the prior on the positive slices of positive studies (the slice
     * labels when {@code useSliceLabels} and known, else every slice); negative studies empty.
     */
    public static SegmentationSet densityOnlySet(List<PreparedStudy> studies, DensityPrior prior, boolean useSliceLabels) {
        return maskSet(studies, s -> PseudoMasks.densityOnly(prior, s, PseudoMasks.positiveSlices(s, null, useSliceLabels, true)));
    }

    /** Every slice of every study with the mask {@code masks} gives it. */
    static SegmentationSet maskSet(List<PreparedStudy> studies, java.util.function.Function<PreparedStudy, byte[][]> masks) {
        List<PreparedSlice> in = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        for (PreparedStudy s : studies) {
            byte[][] m = masks.apply(s);
            for (int k = 0; k < s.sliceCount(); k++) {
                in.add(s.unetSlices().get(k));
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
            List<float[]> pred = unet.predictProbabilities(s.unetSlices(), plan.camChunk());
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
                in.add(s.unetSlices().get(k));
                targets.add(s.trueMask()[k]);
            }
        }
        return new SegmentationSet(in, targets);
    }

    /** The version of the artifact the classifiers started from (what training-data.json names), or null. */
    private String pretrainedVersion() {
        if (plan.pretrainedClassifiers() == null) return null;
        try {
            return IchModel.readSettings(plan.pretrainedClassifiers()).version();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("pretrained classifiers: " + e.getMessage(), e);
        }
    }

    private String trainingData(List<LabelledStudy> all, PatientSplit split, int members) {
        int pos = 0, slices = 0;
        boolean sliceLabels = !plan.studyLabelsOnly() && all.stream().allMatch(s -> s.sliceLabels() != null);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        for (LabelledStudy s : all) {
            if (s.positive()) pos++;
            slices += s.volume().slices();
            crc.update((s.id() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return JsonNodeFactory.instance.objectNode().put("studies", all.size()).put("positiveStudies", pos).put("slices", slices)
                .put("trainStudies", split.train().size()).put("validationStudies", split.held().size())
                .put("labels", sliceLabels ? "slice" : "study").put("studyIdsCrc32", String.format(Locale.ROOT, "%08x", crc.getValue()))
                .put("inputSize", plan.preprocess().size()).put("members", members).put("pretrainedClassifiers", pretrainedVersion()).toString();
    }
}
