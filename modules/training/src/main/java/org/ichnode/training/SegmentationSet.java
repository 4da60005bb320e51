package org.ichnode.training;

import org.ichnode.core.preprocess.PreparedSlice;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * U-Net training data: model-space slices and their target masks ({@code S*S} floats, 1 = hemorrhage). In weak
 * supervision the targets are pseudo masks; for the fully supervised reference they are the true masks.
 */
public record SegmentationSet(List<PreparedSlice> inputs, List<float[]> targets) {

    public SegmentationSet {
        inputs = List.copyOf(inputs);
        targets = Collections.unmodifiableList(new ArrayList<>(targets));
        if (inputs.size() != targets.size()) throw new IllegalArgumentException(inputs.size() + " inputs, " + targets.size() + " targets");
        for (int i = 0; i < inputs.size(); i++) {
            int n = inputs.get(i).size();
            if (targets.get(i).length != n * n) throw new IllegalArgumentException("target " + i + " is not " + n + "x" + n);
        }
    }

    public int size() { return inputs.size(); }

    /** Slices whose target has any foreground. */
    public int foregroundSlices() {
        int n = 0;
        for (float[] t : targets) if (hasForeground(t)) n++;
        return n;
    }

    static boolean hasForeground(float[] t) {
        for (float v : t) if (v > 0.5f) return true;
        return false;
    }
}
