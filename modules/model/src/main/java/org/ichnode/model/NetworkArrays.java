package org.ichnode.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.List;

/** What the classifiers and the U-Net do alike with their inputs and weights. */
final class NetworkArrays {
    private NetworkArrays() {}

    /** Stacks prepared slices into an {@code (N, C, S, S)} array in {@code manager}, checking each slice's shape. */
    static NDArray stack(NDManager manager, List<PreparedSlice> slices, int channels, int size) {
        int per = channels * size * size;
        float[] data = new float[slices.size() * per];
        for (int i = 0; i < slices.size(); i++) {
            PreparedSlice s = slices.get(i);
            if (s.channels() != channels || s.size() != size) {
                throw new IllegalArgumentException("slice is " + s.channels() + "x" + s.size() + ", the network wants " + channels + "x" + size);
            }
            System.arraycopy(s.pixels(), 0, data, i * per, per);
        }
        return manager.create(data, new Shape(slices.size(), channels, size, size));
    }

    /** Number of trainable values of a block. */
    static long parameterCount(Block block) {
        long n = 0;
        for (Pair<String, Parameter> p : block.getParameters()) if (p.getValue().isInitialized()) n += p.getValue().getArray().size();
        return n;
    }
}
