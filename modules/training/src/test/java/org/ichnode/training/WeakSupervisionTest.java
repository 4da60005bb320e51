package org.ichnode.training;

import org.ichnode.model.IchModel;
import org.ichnode.model.ModelSegmenter;
import org.ichnode.model.ResNetClassifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ichnode.testkit.phantom.PhantomGenerator;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.training.pseudomask.PseudoMaskPipeline;
import org.ichnode.core.segmentation.HuThresholdSegmenter;
import org.ichnode.core.segmentation.Segmentation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole weak loop on small phantoms (128x128x12) on CPU: classifiers from slice labels, CAM pseudo masks, U-Net,
 * inference through the Segmenter interface on held-out studies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WeakSupervisionTest {
    private static final Logger LOG = LoggerFactory.getLogger(WeakSupervisionTest.class);
    private static final int SIZE = 128;

    private final List<LabelledStudy> train = new ArrayList<>(), test = new ArrayList<>();
    private WeakSupervision weak;
    private WeakSupervision.Result result;

    @BeforeAll void trainAll() {
        PhantomGenerator gen = new PhantomGenerator(PhantomOptions.small().withNegativeFraction(0.25));
        for (int i = 0; i < 40; i++) train.add(LabelledStudy.fromPhantom(gen.generate(7, i)));
        for (int i = 40; i < 52; i++) test.add(LabelledStudy.fromPhantom(gen.generate(7, i)));
        ai.djl.engine.Engine.getInstance().setRandomSeed(5);
        weak = new WeakSupervision(WeakSupervision.Plan.quick(SIZE).withSteps(200, 200), m -> LOG.info("weak: {}", m));
        long t0 = System.nanoTime();
        result = weak.train(train, "ich-node weak U-Net (test)", "test-1");
        LOG.info("weak loop in {} s: classifiers {} and {} slices/s, U-Net {} slices/s, best validation Dice {} at step {}",
                String.format("%.1f", (System.nanoTime() - t0) / 1e9), String.format("%.1f", result.classifierA().slicesPerSecond()),
                String.format("%.1f", result.classifierB().slicesPerSecond()), String.format("%.1f", result.unet().slicesPerSecond()),
                result.unet().bestValidationDice(), result.unet().bestStep());
    }

    @AfterAll void close() { if (result != null) result.model().close(); }

    @Test void pseudoMasksOverlapTheTrueLesions() {
        List<PreparedStudy> prepared = weak.prepare(train.stream().filter(LabelledStudy::positive).limit(12).toList(), "check");
        List<Evaluation.StudyResult> r = new ArrayList<>();
        for (PreparedStudy s : prepared) {
            byte[][] m = weak.pseudoMasks(s, result.model().members().get(0).classifierA(), result.model().members().get(0).classifierB(), PseudoMaskPipeline.Config.full());
            r.add(Evaluation.evaluate(s.study().id(), s.study().volume(), s.study().trueMask(), Evaluation.toSource(s, m), true, 1));
        }
        Evaluation.Report rep = Evaluation.summarize(r, 0);
        LOG.info("pseudo masks on training positives: {}", rep.toJson());
        // measured here: Dice 0.34, 3 of 27 lesions hit (250 + 300 steps); a pseudo mask that missed the lesions scores 0
        assertTrue(rep.pooledDice() > 0.15, "pseudo-mask Dice " + rep.pooledDice());
        assertTrue(rep.lesions().correct() > 0, "at least one true lesion overlapped");
    }

    @Test void theCamGateKeepsASubsetOfTheDensityComponents() {
        List<PreparedStudy> prepared = weak.prepare(train.stream().filter(LabelledStudy::positive).limit(8).toList(), "gate");
        ResNetClassifier a = result.model().members().get(0).classifierA(), b = result.model().members().get(0).classifierB();
        SegmentationSet gated = new WeakSupervision(weak.plan().withDensityGate(DensityGate.CAM), null).trainingPseudoMaskSet(prepared, a, b);
        SegmentationSet ungated = new WeakSupervision(weak.plan().withDensityGate(DensityGate.NONE), null).trainingPseudoMaskSet(prepared, a, b);
        assertEquals(gated.size(), ungated.size());
        long inGated = 0, inUngated = 0;
        for (int i = 0; i < gated.size(); i++) {
            float[] g = gated.targets().get(i), u = ungated.targets().get(i);
            for (int j = 0; j < g.length; j++) {
                if (g[j] > 0.5f) {
                    inGated++;
                    assertTrue(u[j] > 0.5f, "a gated target pixel is a density component pixel too (slice " + i + ")");
                }
                if (u[j] > 0.5f) inUngated++;
            }
        }
        assertTrue(inGated > 0, "the gate keeps some components");
        assertTrue(inUngated > inGated, "the gate drops some: " + inUngated + " vs " + inGated);
    }

    /**
     * The default targets from study labels alone, no classifier involved: the density components of positive studies
     * unlike those of negative studies, grown over their dense core and rim. They must overlap the true lesions far better
     * than all components of the positive studies do (measured here: Dice 0.885 against 0.716, 2 false-positive
     * components against 3269; without growth 0.72 against 0.62), and keep nothing of a negative study.
     */
    @Test void negativeContrastMasksFromStudyLabelsFindTheLesions() {
        List<PreparedStudy> prepared = weak.prepare(train.stream().map(LabelledStudy::studyLabelOnly).toList(), "contrast");
        java.util.Map<PreparedStudy, byte[][]> masks = WeakSupervision.negativeContrastMasks(prepared,
                org.ichnode.training.pseudomask.DensityPrior.defaults(), org.ichnode.training.pseudomask.NegativeContrast.defaults(), false, m -> LOG.info("contrast: {}", m));
        List<Evaluation.StudyResult> contrast = new ArrayList<>(), all = new ArrayList<>();
        for (PreparedStudy s : prepared) {
            byte[][] m = masks.get(s);
            if (!s.study().positive()) {
                for (byte[] slice : m) for (byte b : slice) assertEquals(0, b, "a negative study gets an empty target");
                continue;
            }
            contrast.add(Evaluation.evaluate(s.study().id(), s.study().volume(), s.study().trueMask(), Evaluation.toSource(s, m), true, 1));
            byte[][] every = PseudoMasks.densityOnly(org.ichnode.training.pseudomask.DensityPrior.defaults(), s, PseudoMasks.positiveSlices(s, null, false, true));
            all.add(Evaluation.evaluate(s.study().id(), s.study().volume(), s.study().trueMask(), Evaluation.toSource(s, every), true, 1));
        }
        Evaluation.Report rc = Evaluation.summarize(contrast, 0), ra = Evaluation.summarize(all, 0);
        LOG.info("negative-contrast pseudo masks: {}; every component: {}", rc.toJson(), ra.toJson());
        assertTrue(rc.pooledDice() > 0.6, "negative-contrast pseudo-mask Dice " + rc.pooledDice());
        assertTrue(rc.pooledDice() > ra.pooledDice() + 0.05, rc.pooledDice() + " against every component's " + ra.pooledDice());
        assertTrue(rc.lesions().falsePositive() < ra.lesions().falsePositive() / 10, "false-positive components: "
                + rc.lesions().falsePositive() + " against " + ra.lesions().falsePositive());
    }

    @Test void segmentsHeldOutStudiesBetterThanChance(@TempDir Path dir) throws Exception {
        List<Evaluation.StudyResult> model = new ArrayList<>(), base = new ArrayList<>();
        ModelSegmenter seg = new ModelSegmenter(result.model(), 8);
        HuThresholdSegmenter hu = new HuThresholdSegmenter();
        for (LabelledStudy s : test) {
            Segmentation a = seg.segment(s.volume());
            model.add(Evaluation.evaluate(s.id(), s.volume(), s.trueMask(), a.mask(), s.positive(), a.studyProbability()));
            Segmentation b = hu.segment(s.volume());
            base.add(Evaluation.evaluate(s.id(), s.volume(), s.trueMask(), b.mask(), s.positive(), b.studyProbability()));
        }
        Evaluation.Report rm = Evaluation.summarize(model, 0), rb = Evaluation.summarize(base, 0);
        LOG.info("held-out model: {}", rm.toJson());
        LOG.info("held-out HU baseline: {}", rb.toJson());
        // chance (an empty or random mask) scores about 0; measured here about 0.5
        assertTrue(rm.pooledDice() > 0.2, "model Dice " + rm.pooledDice());
        assertTrue(rm.lesions().correct() > 0, "found at least one lesion");
        assertEquals(test.size(), rm.studies());
        // the artifact round trip gives the same segmentation
        result.model().save(dir, "{}", "{}");
        try (ModelSegmenter loaded = ModelSegmenter.load(dir)) {
            Segmentation x = seg.segment(test.get(0).volume()), y = loaded.segment(test.get(0).volume());
            org.junit.jupiter.api.Assertions.assertArrayEquals(x.mask(), y.mask());
            assertEquals(x.studyProbability(), y.studyProbability(), 1e-6);
            assertEquals("test-1", loaded.algorithmVersion());
            assertEquals(result.model().settings().callThreshold(), loaded.model().settings().callThreshold(), 0);
            assertEquals(result.model().settings().calibration(), loaded.model().settings().calibration());
        }
    }

    /**
     * A 2.5-D model (neighbouring slices as channels) trains, and its artifact keeps the input it was trained on and
     * the study score it was calibrated for.
     */
    @Test void aModelWithNeighbouringSlicesRoundTripsThroughItsArtifact(@TempDir Path dir) throws Exception {
        WeakSupervision.Plan plan = WeakSupervision.Plan.quick(64).withSteps(20, 20)
                .withPreprocess(org.ichnode.core.preprocess.PreprocessOptions.single(64).withNeighbours(1));
        WeakSupervision.Result r = new WeakSupervision(plan, m -> LOG.info("2.5-D: {}", m)).train(train.subList(0, 16), "2.5-D (test)", "n-1");
        try (IchModel trained = r.model()) {
            assertEquals(3, trained.members().get(0).classifierA().config().inputChannels());
            trained.save(dir, "{}", "{}");
            // the study score adds the logit of the U-Net's peak to the classifiers' highest slice logit
            assertEquals(IchModel.StudyScore.CLASSIFIERS_AND_UNET, trained.settings().studyScore());
            java.util.List<org.ichnode.core.preprocess.PreparedSlice> slices = java.util.List.of(
                    new org.ichnode.core.preprocess.SlicePreprocessor(plan.preprocess()).prepareAll(test.get(0).volume()));
            double peak = 0;
            for (float[] m : trained.members().get(0).unet().predictProbabilities(slices, 8)) for (float q : m) peak = Math.max(peak, q);
            double classifiersOnly = new ModelSegmenter(trained.withStudyScore(IchModel.StudyScore.CLASSIFIERS), 8).studyLogit(slices, slices);
            double whole = new ModelSegmenter(trained, 8).studyLogit(slices, slices);
            assertEquals(classifiersOnly + Math.log(peak / (1 - peak)), whole, 1e-4);
            // per slice: the classifiers' slice logit plus the logit of the U-Net's peak on that slice, the highest sum
            double[] z = new ModelSegmenter(trained, 8).sliceLogits(test.get(0).volume());
            List<float[]> maps = trained.members().get(0).unet().predictProbabilities(slices, 8);
            double bestSum = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < z.length; k++) {
                double p = 0;
                for (float q : maps.get(k)) p = Math.max(p, q);
                bestSum = Math.max(bestSum, z[k] + Math.log(p / (1 - p)));
            }
            double perSlice = new ModelSegmenter(trained.withStudyScore(IchModel.StudyScore.CLASSIFIERS_AND_UNET_PER_SLICE), 8).studyLogit(slices, slices);
            assertEquals(bestSum, perSlice, 1e-4);
            assertTrue(perSlice <= whole + 1e-9, perSlice + " > " + whole);
            try (ModelSegmenter loaded = ModelSegmenter.load(dir)) {
                assertEquals(plan.preprocess(), loaded.model().settings().preprocess());
                assertEquals(IchModel.StudyScore.CLASSIFIERS_AND_UNET, loaded.model().settings().studyScore());
                Segmentation x = new ModelSegmenter(trained, 8).segment(test.get(0).volume()), y = loaded.segment(test.get(0).volume());
                org.junit.jupiter.api.Assertions.assertArrayEquals(x.mask(), y.mask());
                assertEquals(x.studyProbability(), y.studyProbability(), 1e-6);
            }
        }
    }

    /**
     * With its own input (unetBrainOnly) the U-Net trains on, and segments, slices blanked outside the brain while the
     * classifiers keep the skull; the study score takes each network's own input, and the artifact keeps both.
     */
    @Test void theUnetTrainsAndSegmentsOnItsOwnBrainOnlyInput(@TempDir Path dir) throws Exception {
        org.ichnode.core.preprocess.PreprocessOptions input = org.ichnode.core.preprocess.PreprocessOptions.multiWindow(64).withUnetBrainOnly(true);
        WeakSupervision.Plan plan = WeakSupervision.Plan.quick(64).withSteps(20, 20).withPreprocess(input);
        WeakSupervision w = new WeakSupervision(plan, m -> LOG.info("U-Net brain-only: {}", m));
        PreparedStudy prepared = w.prepare(List.of(test.get(0)), "check").get(0);
        int k = prepared.sliceCount() / 2, n = prepared.size(), blanked = 0;
        org.ichnode.core.preprocess.PreparedSlice full = prepared.slices().get(k), own = prepared.unetSlices().get(k);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new org.ichnode.core.preprocess.SlicePreprocessor(input.forUnet())
                .prepare(test.get(0).volume(), k).pixels(), own.pixels());
        for (int i = 0; i < n * n; i++) if (full.pixels()[2 * n * n + i] > 0.3f && own.pixels()[2 * n * n + i] == 0f) blanked++;
        assertTrue(blanked > 50, "the classifiers see the skull in the bone window, the U-Net does not: " + blanked);
        // the pseudo masks' HU come from the U-Net's input: no target where it is blank
        double lower = input.windows().get(0).lower();
        int readBlank = 0;
        for (int i = 0; i < n * n; i++) {
            if (own.pixels()[i] == 0f) assertEquals(lower, prepared.hu()[k][i], 1e-3);
            if (own.pixels()[i] == 0f && full.pixels()[i] > 0.5f) readBlank++;
        }
        assertTrue(readBlank > 20, "dense rim and bone read as below every window: " + readBlank);

        WeakSupervision.Result r = w.train(train.subList(0, 16), "U-Net brain-only (test)", "u-1");
        try (IchModel trained = r.model()) {
            trained.save(dir, "{}", "{}");
            ModelSegmenter seg = new ModelSegmenter(trained, 8);
            double ownInput = seg.studyLogit(prepared.slices(), prepared.unetSlices());
            double sameInput = seg.studyLogit(prepared.slices(), prepared.slices());
            assertTrue(ownInput != sameInput, "the U-Net's peak comes from its own input");
            Segmentation x = seg.segment(test.get(0).volume());
            assertEquals(trained.settings().calibration().probability(ownInput), x.studyProbability(), 1e-9);
            try (ModelSegmenter loaded = ModelSegmenter.load(dir)) {
                assertEquals(input, loaded.model().settings().preprocess());
                Segmentation y = loaded.segment(test.get(0).volume());
                org.junit.jupiter.api.Assertions.assertArrayEquals(x.mask(), y.mask());
                org.junit.jupiter.api.Assertions.assertArrayEquals(x.probability(), y.probability());
            }
        }
    }

    /**
     * Classifiers can start from those of another artifact (pretraining on phantoms, then fine-tuning on real CT): after
     * one step that barely moves them they rank slices as the artifact's did, training-data.json names it, and an artifact built for
     * another input is refused.
     */
    @Test void classifiersStartFromAPretrainedArtifact(@TempDir Path dir) throws Exception {
        result.model().save(dir, "{}", "{}");
        // one step at a learning rate too small to move the weights: what remains is where they started
        WeakSupervision.Plan plan = weak.plan().withSteps(1, 20).withPretrainedClassifiers(dir);
        plan = plan.withClassifierTraining(plan.classifierTraining().withLearningRate(1e-7));
        WeakSupervision.Result r = new WeakSupervision(plan, m -> LOG.info("pretrained: {}", m)).train(train.subList(0, 8), "pretrained (test)", "p-1");
        try (IchModel continued = r.model()) {
            List<org.ichnode.core.preprocess.PreparedSlice> slices = new ArrayList<>();
            org.ichnode.core.preprocess.SlicePreprocessor pre = new org.ichnode.core.preprocess.SlicePreprocessor(plan.preprocess());
            for (LabelledStudy s : test.subList(0, 4)) slices.addAll(List.of(pre.prepareAll(s.volume())));
            float[] before = result.model().members().get(0).classifierA().predictLogits(slices, 8), after = continued.members().get(0).classifierA().predictLogits(slices, 8);
            double corr = correlation(before, after);
            LOG.info("logits of the pretrained and the once-stepped classifier A: correlation {}", corr);
            // a network with random weights does not rank slices like a trained one
            assertTrue(corr > 0.98, "correlation " + corr);
            assertTrue(r.trainingDataJson().contains("\"pretrainedClassifiers\":\"test-1\""), r.trainingDataJson());
        }
        WeakSupervision.Plan other = WeakSupervision.Plan.quick(64).withSteps(1, 1).withPretrainedClassifiers(dir);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new WeakSupervision(other, null).train(train.subList(0, 4), "mismatch (test)", "m-1"));
        assertTrue(e.getMessage().contains("same width, input windows and size"), e.getMessage());
    }

    private static double correlation(float[] x, float[] y) {
        double mx = 0, my = 0;
        for (int i = 0; i < x.length; i++) { mx += x[i]; my += y[i]; }
        mx /= x.length; my /= y.length;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    /** The operating point comes from the validation studies; below it nothing is drawn, the probabilities stay. */
    /**
     * An ensemble trains one member per seed on the same patients: a member with a seed of its own is the model that
     * seed alone gives (same engine seed, same training seeds), and members of different seeds differ.
     */
    @Test void anEnsembleTrainsOneMemberPerSeed() {
        WeakSupervision.Plan plan = WeakSupervision.Plan.quick(64).withSteps(20, 20);
        List<LabelledStudy> few = train.subList(0, 12);
        WeakSupervision.Result solo = new WeakSupervision(plan, m -> LOG.info("solo: {}", m)).train(few, "solo (test)", "s-1", 0.95, List.of(9L));
        WeakSupervision.Result pair = new WeakSupervision(plan, m -> LOG.info("pair: {}", m))
                .train(few, "pair (test)", "e-1", 0.95, java.util.Arrays.asList(null, 9L));
        try (IchModel one = solo.model(); IchModel two = pair.model()) {
            assertEquals(1, one.members().size());
            assertEquals(2, two.members().size());
            assertTrue(pair.trainingDataJson().contains("\"members\":2"), pair.trainingDataJson());
            List<org.ichnode.core.preprocess.PreparedSlice> slices = List.of(
                    new org.ichnode.core.preprocess.SlicePreprocessor(plan.preprocess()).prepareAll(test.get(0).volume()));
            float[] alone = one.members().get(0).classifierB().predictLogits(slices, 8);
            float[] second = two.members().get(1).classifierB().predictLogits(slices, 8);
            float[] first = two.members().get(0).classifierB().predictLogits(slices, 8);
            double same = 0, apart = 0;
            for (int k = 0; k < alone.length; k++) {
                same = Math.max(same, Math.abs(alone[k] - second[k]));
                apart = Math.max(apart, Math.abs(first[k] - second[k]));
            }
            assertTrue(same < 1e-3, "the seed-9 member differs from the seed-9 model by " + same);
            assertTrue(apart > 1e-2, "the two members are the same network: " + apart);
        }
    }

    @Test void belowTheOperatingPointNothingIsCalled() {
        double t = result.model().settings().callThreshold();
        assertTrue(t > 0 && t < 1, "operating point chosen on validation studies: " + t);
        LabelledStudy positive = test.stream().filter(LabelledStudy::positive).findFirst().orElseThrow();
        Segmentation open = new ModelSegmenter(result.model().withCall(result.model().settings().calibration(), 0), 8).segment(positive.volume());
        // the same networks (not closed here: the result owns them), an operating point no study reaches
        Segmentation strict = new ModelSegmenter(result.model().withCall(result.model().settings().calibration(), 1), 8).segment(positive.volume());
        assertTrue(open.hemorrhageFound(), "found with every finding counted");
        assertTrue(strict.findings().isEmpty());
        for (byte b : strict.mask()) assertEquals(0, b);
        org.junit.jupiter.api.Assertions.assertArrayEquals(open.probability(), strict.probability());
        assertEquals(open.studyProbability(), strict.studyProbability(), 0);
    }
}
