package org.ichnode.training;

import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.model.UNet;
import org.ichnode.model.UNetConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The U-Net learns the blob masks of {@link BlobSlices} on CPU within a few hundred small steps. */
class UNetTest {
    private static final Logger LOG = LoggerFactory.getLogger(UNetTest.class);
    private static final int SIZE = 64;

    private static SegmentationSet toSet(SliceDataset d) { return new SegmentationSet(d.inputs(), d.masks()); }

    @Test void learnsBlobMasksAndSavesExactly(@TempDir Path dir) throws Exception {
        SegmentationSet train = toSet(BlobSlices.generate(128, SIZE, 21));
        SegmentationSet val = toSet(BlobSlices.generate(32, SIZE, 22));
        try (UNet unet = UNet.create(new UNetConfig(8, 3, 1, SIZE), 3)) {
            double before = SegmentationTrainer.pooledDice(unet, val);
            SegmentationTrainer.Report r = new SegmentationTrainer(SegmentationTrainingOptions.defaults().withSteps(300)
                    .withBatchSize(8).withLearningRate(1e-3).withEvalEvery(60, 5).withLogEvery(60)).train(unet, train, val);
            double after = SegmentationTrainer.pooledDice(unet, val);
            LOG.info("u-net blob Dice {} -> {} in {} steps ({} slices/s), best {} at step {}", before, after, r.steps(),
                    String.format("%.1f", r.slicesPerSecond()), r.bestValidationDice(), r.bestStep());
            assertEquals(r.bestValidationDice(), after, 1e-9, "the best validation weights are kept");
            assertTrue(after > 0.6, "validation Dice " + after);

            List<PreparedSlice> some = val.inputs().subList(0, 5);
            List<float[]> p = unet.predictProbabilities(some, 2);
            unet.save(dir);
            try (UNet loaded = UNet.load(dir)) {
                assertEquals(unet.config(), loaded.config());
                List<float[]> q = loaded.predictProbabilities(some, 5);
                for (int i = 0; i < some.size(); i++) assertArrayEquals(p.get(i), q.get(i), 1e-6f);
            }
        }
    }

    @Test void startsFromItsSeedWhateverTheEngineDrewBefore() {
        UNetConfig config = new UNetConfig(8, 3, 1, SIZE);
        ai.djl.engine.Engine.getInstance().setRandomSeed(1);
        try (UNet a = UNet.create(config, 42)) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(2);
            try (UNet b = UNet.create(config, 42); UNet c = UNet.create(config, 43)) {
                List<float[]> pa = a.snapshotParameters(), pb = b.snapshotParameters(), pc = c.snapshotParameters();
                for (int i = 0; i < pa.size(); i++) assertArrayEquals(pa.get(i), pb.get(i), "parameter " + i);
                // the first convolution (8 x 1 x 3 x 3): He-normal, standard deviation sqrt(2 / 9), and another seed differs
                float[] w = pa.get(0), other = pc.get(0);
                assertEquals(72, w.length);
                double ss = 0;
                for (float v : w) ss += v * v;
                double sd = Math.sqrt(ss / w.length);
                assertTrue(Math.abs(sd - Math.sqrt(2.0 / 9)) < 0.12, "weight sd " + sd);
                assertTrue(!java.util.Arrays.equals(w, other), "seed 43 gives other weights");
            }
        }
    }

    @Test void refusesAnInputSizeItCannotHalve() {
        assertThrows(IllegalArgumentException.class, () -> new UNetConfig(8, 4, 1, 72));
    }
}
