package org.ichnode.training;

import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.core.preprocess.PreprocessOptions;
import org.ichnode.model.ResNetClassifier;
import org.ichnode.model.ResNetConfig;
import org.ichnode.core.preprocess.SlicePreprocessor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ichnode.testkit.phantom.PhantomGenerator;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomStudy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real training on CPU: a ResNet-10-like classifier (width 16, 128x128, window 50/130) trained for 200 steps of 16
 * slices on 40 small phantom studies, evaluated on 16 held-out studies (disjoint seeds-by-index). Measured here:
 * held-out slice AUC 0.72 to 0.735 (train loss 0.77 -> 0.52). The assertion keeps a margin for thread-count and
 * platform differences in floating point.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PhantomClassifierTest {
    private static final Logger LOG = LoggerFactory.getLogger(PhantomClassifierTest.class);
    private static final int SIZE = 128;

    private ResNetClassifier classifier;
    private SliceDataset heldOut;
    private TrainingReport report;

    @BeforeAll void train() {
        PhantomGenerator gen = new PhantomGenerator(PhantomOptions.small().withNegativeFraction(0.2));
        List<PhantomStudy> train = new ArrayList<>(), test = new ArrayList<>();
        for (int i = 0; i < 40; i++) train.add(gen.generate(7, i));
        for (int i = 40; i < 56; i++) test.add(gen.generate(7, i));
        SlicePreprocessor pre = new SlicePreprocessor(PreprocessOptions.single(SIZE));
        SliceDataset trainSet = SliceDataset.fromPhantom(train, pre);
        heldOut = SliceDataset.fromPhantom(test, pre);
        ai.djl.engine.Engine.getInstance().setRandomSeed(11);
        classifier = ResNetClassifier.create(ResNetConfig.resnet10(16, 1, SIZE));
        report = new ClassifierTrainer(TrainingOptions.defaults().withSteps(200).withBatchSize(16)
                .withLearningRate(2e-3).withMaxShift(4).withLogEvery(50)).train(classifier, trainSet);
        LOG.info("trained {} steps in {} s: {} slices/s, loss {} -> {}", report.steps(),
                String.format("%.1f", report.seconds()), String.format("%.1f", report.slicesPerSecond()),
                String.format("%.3f", report.meanLossFirst(10)), String.format("%.3f", report.meanLossLast(20)));
    }

    @AfterAll void close() { if (classifier != null) classifier.close(); }

    @Test void beatsChanceOnHeldOutSlices() {
        float[] logits = classifier.predictLogits(heldOut.inputs(), 16);
        double auc = Metrics.auc(logits, heldOut.labels());
        LOG.info("held-out slice AUC {} ({} slices, {} positive)", String.format("%.3f", auc), heldOut.size(), heldOut.positives());
        assertTrue(report.meanLossLast(20) < report.meanLossFirst(10), "training loss must fall");
        assertTrue(auc > 0.62, "held-out slice AUC " + auc);
    }

    /** Reported, not asserted tightly: a briefly trained phantom model localises weakly (see BlobCamTest). */
    @Test void camPeaksOnPhantomLesions() {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < heldOut.size(); i++) {
            if (!heldOut.labels()[i]) continue;
            float area = 0;
            for (float v : heldOut.masks().get(i)) area += v;
            if (area >= 10) idx.add(i);
        }
        SliceDataset pos = heldOut.subset(idx);
        List<CamResult> cams = new ShallowFeatureCam(classifier).compute(pos.inputs(), 8);
        int[] hits = new int[4];
        for (int i = 0; i < pos.size(); i++) {
            float[] m = pos.masks().get(i);
            CamResult r = cams.get(i);
            if (BlobSlices.distanceToMask(m, SIZE, LayerCam.peak(r.layer1().cam(), SIZE)) <= 4) hits[0]++;
            if (BlobSlices.distanceToMask(m, SIZE, r.layer1().peak()) <= 4) hits[1]++;
            if (BlobSlices.distanceToMask(m, SIZE, LayerCam.peak(r.layer2().cam(), SIZE)) <= 4) hits[2]++;
            if (BlobSlices.distanceToMask(m, SIZE, r.layer2().peak()) <= 4) hits[3]++;
        }
        LOG.info("phantom CAM peak within 4 px of a lesion, of {} positive slices: layer1 cam {}, layer1 sharpened {}, layer2 cam {}, layer2 sharpened {}",
                pos.size(), hits[0], hits[1], hits[2], hits[3]);
        assertTrue(pos.size() > 20);
        for (CamResult r : cams) {
            for (LayerCam l : List.of(r.layer1(), r.layer2())) {
                assertEquals(SIZE * SIZE, l.sharpened().length);
                for (float v : l.sharpened()) assertTrue(v >= 0 && v <= 1.0001f);
            }
        }
    }

    @Test void saveLoadRoundTripIsExact(@TempDir Path dir) throws Exception {
        List<PreparedSlice> some = heldOut.inputs().subList(0, 24);
        float[] before = classifier.predictLogits(some, 8);
        classifier.save(dir);
        try (ResNetClassifier loaded = ResNetClassifier.load(dir)) {
            assertEquals(classifier.config(), loaded.config());
            assertArrayEquals(before, loaded.predictLogits(some, 8), 0f);
            CamResult a = new ShallowFeatureCam(classifier).compute(some.get(3));
            CamResult b = new ShallowFeatureCam(loaded).compute(some.get(3));
            assertArrayEquals(a.layer2().sharpened(), b.layer2().sharpened(), 0f);
        }
    }
}
