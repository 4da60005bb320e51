package org.ichnode.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

/** Gradient bookkeeping that DJL leaves to the caller. */
public final class Gradients {
    private Gradients() {}

    /**
     * Sets the gradients held by a block's weights to 0, a NaN included. Backward passes accumulate into them (CAM
     * extraction included); DJL's {@code GradientCollector.zeroGradients} only walks arrays of the system manager, so
     * without this every step would add its gradient to all earlier ones.
     *
     * <p>The zeros are written into the gradient's own memory (an index put). {@code NDArray.set(float[])} must not be
     * used on a gradient: PyTorch then points the gradient at a Java direct buffer that only the closed handle kept
     * alive, and the next backward pass writes into freed memory (a CI run aborted with "malloc(): unaligned fastbin
     * chunk detected").
     */
    public static void zero(Block block) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter param = p.getValue();
            if (!param.isInitialized()) continue;
            NDArray a = param.getArray();
            if (a.hasGradient()) {
                try (NDArray g = a.getGradient()) { g.set(new NDIndex("..."), 0f); }
            }
        }
    }
}
