package org.ichnode.training;

import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.model.ResNetClassifier;
import org.ichnode.model.ResNetConfig;
import org.ichnode.model.TorchThreads;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Study labels only (multiple instance learning): "studies" of 8 blob slices, a positive study holding 4 slices with
 * a blob, a negative one none. The classifier never sees which slices are positive, yet must rank single held-out
 * slices and localise the blob with its CAM. Measured here (400 steps): slice AUC 1.000, layer1 CAM peak in the blob
 * 25 of 32. With only 2 blob slices of 8 it did not learn within 1000 steps (AUC about 0.5): on this set the blob is
 * faint against the brightness that varies from slice to slice.
 */
class StudyLabelTrainerTest {
    private static final Logger LOG = LoggerFactory.getLogger(StudyLabelTrainerTest.class);
    private static final int SIZE = 64;

    /** Bags of 8 from blob slices (even indices have a blob): positive bags take 4 blob slices and 4 plain ones. */
    static List<StudyBag> bags(SliceDataset d, int count) {
        List<PreparedSlice> pos = new ArrayList<>(), neg = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) (d.labels()[i] ? pos : neg).add(d.inputs().get(i));
        List<StudyBag> out = new ArrayList<>();
        int p = 0, n = 0;
        for (int b = 0; b < count; b++) {
            boolean positive = b % 2 == 0;
            List<PreparedSlice> slices = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                boolean blob = positive && k >= 2 && k <= 5;
                slices.add(blob ? pos.get(p++ % pos.size()) : neg.get(n++ % neg.size()));
            }
            out.add(new StudyBag("S" + b, slices, positive));
        }
        return out;
    }

    @Test void learnsSlicesAndBlobLocationFromStudyLabelsAlone() {
        SliceDataset train = BlobSlices.generate(512, SIZE, 31);
        SliceDataset test = BlobSlices.generate(64, SIZE, 32);
        ai.djl.engine.Engine.getInstance().setRandomSeed(9);
        // one PyTorch thread: with two, some CPU kernels sum in whatever order the threads finish, and one CI run today
        // trained to 16/32 (AUC 0.938) where the others gave 21/32 (AUC 0.977)
        try (TorchThreads one = TorchThreads.limit(1);
             ResNetClassifier c = ResNetClassifier.create(ResNetConfig.resnet10(8, 1, SIZE))) {
            TrainingReport r = new StudyLabelTrainer(TrainingOptions.defaults().withSteps(400).withBatchSize(16)
                    .withLearningRate(3e-3).withMaxShift(2).withLogEvery(100)).train(c, bags(train, 64));
            double auc = Metrics.auc(c.predictLogits(test.inputs(), 32), test.labels());
            int n = 0, hit = 0;
            List<CamResult> cams = new ShallowFeatureCam(c).compute(test.inputs(), 16);
            for (int i = 0; i < test.size(); i++) {
                if (!test.labels()[i]) continue;
                n++;
                if (BlobSlices.distanceToMask(test.masks().get(i), SIZE, LayerCam.peak(cams.get(i).layer1().cam(), SIZE)) <= 3) hit++;
            }
            LOG.info("MIL on blob studies: {} slices/s, held-out slice AUC {}, layer1 CAM peak in blob {}/{}",
                    String.format("%.1f", r.slicesPerSecond()), String.format("%.3f", auc), hit, n);
            assertTrue(r.meanLossLast(20) < r.meanLossFirst(10), "loss must fall");
            assertTrue(auc > 0.85, "slice AUC from study labels " + auc);
            // chance (a peak anywhere in the disc) is about 1 in 10; runs gave 16 to 21 of 32, depending also on what
            // the test JVM ran before (a clean-clone CI run: 18/32 with AUC 0.966; alone: 21/32, 0.977)
            assertTrue(hit >= 0.4 * n, "CAM peak in the blob " + hit + "/" + n);
        }
    }

    @Test void needsBothKindsOfStudy() {
        SliceDataset d = BlobSlices.generate(32, SIZE, 1);
        List<StudyBag> onlyPositive = bags(d, 4).stream().filter(StudyBag::positive).toList();
        try (ResNetClassifier c = ResNetClassifier.create(ResNetConfig.resnet10(4, 1, SIZE))) {
            assertThrows(IllegalArgumentException.class,
                    () -> new StudyLabelTrainer(TrainingOptions.defaults().withSteps(2)).train(c, onlyPositive));
        }
    }
}
