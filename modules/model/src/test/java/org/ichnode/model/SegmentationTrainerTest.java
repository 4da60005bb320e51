package org.ichnode.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** Unknown target pixels ({@link SegmentationSet#UNKNOWN}) are left out of the U-Net's loss. */
class SegmentationTrainerTest {
    @Test void weightedCrossEntropyAveragesKnownPixelsAndGivesUnknownOnesNoGradient() {
        float[] logits = {-30f, -1.5f, 0f, 0.7f, 2f, 30f};
        float[] target = {0, 1, 0, 1, 0, 1};
        float[] weight = {1, 1, 0, 1, 0, 1};
        double expected = 0;
        for (int i = 0; i < logits.length; i++) {
            if (weight[i] == 0) continue;
            double p = 1 / (1 + Math.exp(-logits[i]));
            expected -= target[i] == 1 ? Math.log(Math.max(p, 1e-300)) : Math.log1p(-p);
        }
        expected /= 4;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(logits, new Shape(1, 1, 2, 3));
            x.setRequiresGradient(true);
            float loss;
            try (GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                NDArray l = SegmentationTrainer.weightedBce(x, m.create(target, new Shape(1, 1, 2, 3)), m.create(weight, new Shape(1, 1, 2, 3)));
                loss = l.getFloat();
                gc.backward(l);
            }
            assertEquals(expected, loss, 1e-5, "mean cross-entropy over the 4 known pixels (finite at logits of +-30)");
            float[] g = x.getGradient().toFloatArray();
            assertEquals(0f, g[2], "unknown pixel");
            assertEquals(0f, g[4], "unknown pixel");
            // d/dx = (sigmoid(x) - y) / 4 on known pixels
            assertEquals((1 / (1 + Math.exp(1.5)) - 1) / 4, g[1], 1e-6);
        }
    }
}
