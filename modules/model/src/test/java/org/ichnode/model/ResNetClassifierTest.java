package org.ichnode.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResNetClassifierTest {

    @Test void bothDepthsForwardAndExposeShallowLayers() {
        for (ResNetConfig cfg : List.of(ResNetConfig.resnet10(8, 1, 64), ResNetConfig.resnet18(8, 3, 64))) {
            try (ResNetClassifier c = ResNetClassifier.create(cfg); NDManager sub = c.manager().newSubManager()) {
                NDArray x = sub.randomUniform(0, 1, c.inputShape(2));
                ParameterStore ps = new ParameterStore(sub, false);
                assertEquals(new ai.djl.ndarray.types.Shape(2, 1), c.forward(ps, x, false).getShape());
                try (GradientCollector gc = sub.getEngine().newGradientCollector()) {
                    FeatureTaps t = c.forwardWithTaps(ps, x);
                    assertArrayEquals(new long[] {2, 8, 16, 16}, t.layer1().getShape().getShape(), cfg.name());
                    assertArrayEquals(new long[] {2, 16, 8, 8}, t.layer2().getShape().getShape(), cfg.name());
                    // the probes change nothing on the way forward
                    assertArrayEquals(c.forward(ps, x, false).toFloatArray(), t.logits().toFloatArray(), 1e-5f);
                    gc.backward(t.logits().sum());
                    assertTrue(t.layer1Probe().getGradient().abs().sum().getFloat() > 0, "layer1 gradient");
                    assertTrue(t.layer2Probe().getGradient().abs().sum().getFloat() > 0, "layer2 gradient");
                }
                c.zeroGradients();
                for (Pair<String, Parameter> p : c.block().getParameters()) {
                    NDArray a = p.getValue().getArray();
                    if (a.hasGradient()) assertEquals(0f, a.getGradient().abs().sum().getFloat(), p.getKey());
                }
            }
        }
        try (ResNetClassifier a = ResNetClassifier.create(ResNetConfig.resnet10(8, 1, 64));
             ResNetClassifier b = ResNetClassifier.create(ResNetConfig.resnet18(8, 1, 64))) {
            assertTrue(b.parameterCount() > 1.5 * a.parameterCount(), a.parameterCount() + " vs " + b.parameterCount());
        }
    }

    /**
     * The layer1 probe gradient is the true derivative: check one element against a finite difference. Seeded, with a
     * small step: unseeded weights and input with a step of 0.01 once straddled a ReLU kink and missed by 17%.
     */
    @Test void probeGradientMatchesFiniteDifference() {
        ModelRuntime.seed(11);
        try (ResNetClassifier c = ResNetClassifier.create(ResNetConfig.resnet10(4, 1, 32));
             NDManager sub = c.manager().newSubManager()) {
            ParameterStore ps = new ParameterStore(sub, false);
            NDArray x = sub.randomUniform(0, 1, c.inputShape(1));
            float analytic;
            NDArray l1;
            try (GradientCollector gc = sub.getEngine().newGradientCollector()) {
                FeatureTaps t = c.forwardWithTaps(ps, x);
                gc.backward(t.logits().sum());
                l1 = t.layer1().duplicate();
                analytic = t.layer1Probe().getGradient().toFloatArray()[5];
            }
            c.zeroGradients();
            // re-run the tail from layer1 with a perturbed element, via the probe as an offset
            float eps = 1e-3f;
            float[] delta = new float[(int) l1.size()];
            delta[5] = eps;
            float up = tailScore(c, ps, x, sub.create(delta, l1.getShape()));
            delta[5] = -eps;
            float down = tailScore(c, ps, x, sub.create(delta, l1.getShape()));
            assertEquals((up - down) / (2 * eps), analytic, 2e-3 + 0.02 * Math.abs(analytic));
        }
    }

    private static float tailScore(ResNetClassifier c, ParameterStore ps, NDArray x, NDArray offset) {
        return c.forwardWithOffset(ps, x, offset).toFloatArray()[0];
    }
}
