package org.ichnode.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientsTest {

    /**
     * A NaN gradient becomes 0 in the gradient's own memory: a view taken before sees the zeros. Rebinding the gradient
     * to new memory ({@code NDArray.set(float[])}) would leave the view on the old values and the gradient on a Java
     * buffer that is freed when the handle closes.
     */
    @Test void zeroClearsNaNInPlace() {
        try (ResNetClassifier c = ResNetClassifier.create(ResNetConfig.resnet10(4, 1, 32));
             NDManager sub = c.manager().newSubManager()) {
            ParameterStore ps = new ParameterStore(sub, false);
            NDArray x = sub.randomUniform(0, 1, c.inputShape(2));
            try (GradientCollector gc = sub.getEngine().newGradientCollector()) {
                gc.backward(c.forward(ps, x, true).sum().mul(Float.NaN));
            }
            List<NDArray> views = new ArrayList<>();
            for (Pair<String, Parameter> p : c.block().getParameters()) {
                NDArray a = p.getValue().getArray();
                if (a.hasGradient()) views.add(a.getGradient().reshape(-1));
            }
            assertTrue(views.size() > 10, "parameters with gradients: " + views.size());
            assertTrue(views.get(0).isNaN().any().getBoolean(), "the backward pass left NaN gradients");

            Gradients.zero(c.block());
            for (NDArray v : views) assertEquals(0f, v.abs().sum().getFloat(), "a view of the gradient");
            for (Pair<String, Parameter> p : c.block().getParameters()) {
                NDArray a = p.getValue().getArray();
                if (a.hasGradient()) assertEquals(0f, a.getGradient().abs().sum().getFloat(), p.getKey());
            }
        }
    }
}
