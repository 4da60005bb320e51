package org.ichnode.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

/** Gradient bookkeeping that DJL leaves to the caller. */
public final class Gradients {
    private Gradients() {}

    /**
     * Zeroes the gradients held by a block's weights. Backward passes accumulate into them (CAM extraction included);
     * DJL's {@code GradientCollector.zeroGradients} only walks arrays of the system manager, so without this every
     * step would add its gradient to all earlier ones.
     */
    public static void zero(Block block) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter param = p.getValue();
            if (!param.isInitialized()) continue;
            NDArray a = param.getArray();
            if (a.hasGradient()) {
                try (NDArray g = a.getGradient()) { g.subi(g); }
            }
        }
    }
}
