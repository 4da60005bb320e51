package org.ichnode.training;

import org.ichnode.model.Gradients;
import org.ichnode.model.UNet;
import org.ichnode.model.UNetConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A step whose gradient is not finite leaves the weights as they were, and too many stop the run. */
class FiniteStepsTest {

    @Test void skipsNonFiniteStepsAndGivesUpAfterTooMany() {
        try (UNet unet = UNet.create(new UNetConfig(4, 2, 1, 16), 1);
             Trainer trainer = unet.model().newTrainer(new DefaultTrainingConfig(Loss.l2Loss())
                     .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build()))) {
            trainer.initialize(unet.inputShape(2));
            FiniteSteps finite = new FiniteSteps("test", 20);   // up to 3 skipped
            List<float[]> before = unet.snapshotParameters();

            assertFalse(backwardAndStep(unet, trainer, finite, Float.NaN, 0), "a NaN gradient is not applied");
            List<float[]> after = unet.snapshotParameters();
            int i = 0;
            for (var p : unet.block().getParameters()) {
                // the running statistics of batch norm follow every forward pass; the weights only the optimiser
                if (p.getValue().requiresGradient()) assertArrayEquals(before.get(i), after.get(i), p.getKey());
                i++;
            }
            assertTrue(FiniteSteps.gradientsFinite(unet.block()), "the skipped step's gradients were cleared");

            assertTrue(backwardAndStep(unet, trainer, finite, 1f, 1), "a finite step is applied");
            assertFalse(java.util.Arrays.equals(before.get(0), unet.snapshotParameters().get(0)), "the weights moved");

            assertFalse(backwardAndStep(unet, trainer, finite, Float.POSITIVE_INFINITY, 2));
            assertFalse(backwardAndStep(unet, trainer, finite, Float.NaN, 3));
            assertEquals(3, finite.skipped());
            assertThrows(IllegalStateException.class, () -> backwardAndStep(unet, trainer, finite, Float.NaN, 4));
        }
    }

    /** One step on a loss scaled by {@code scale} (NaN or infinity poison every gradient). */
    private static boolean backwardAndStep(UNet unet, Trainer trainer, FiniteSteps finite, float scale, int step) {
        try (NDManager sub = unet.manager().newSubManager()) {
            NDArray x = sub.randomUniform(0, 1, unet.inputShape(2));
            Gradients.zero(unet.block());
            float loss;
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray l = trainer.forward(new NDList(x)).singletonOrThrow().square().mean().mul(scale);
                gc.backward(l);
                loss = l.getFloat();
            }
            return finite.step(trainer, unet.block(), loss, step);
        }
    }
}
