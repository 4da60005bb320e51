package org.ichnode.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import org.ichnode.model.Gradients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optimiser step of one training run, taken only when the loss and every weight's gradient are finite. One
 * non-finite gradient would turn every weight into NaN through Adam, and the network would silently predict nothing
 * from then on. That happened here, at random steps, from oneDNN's AVX-512 convolution backward kernels on AMD EPYC
 * build machines (docs/model.md, "CPU kernels"; the launcher sets {@code DNNL_MAX_CPU_ISA=AVX2} against it). A skipped
 * step clears the gradients; more than {@code maxSkipped} stop the run with an error instead of a bad model.
 */
final class FiniteSteps {
    private static final Logger LOG = LoggerFactory.getLogger(FiniteSteps.class);

    private final String what;
    private final int maxSkipped;
    private int skipped;

    /** @param steps the run's steps: up to a tenth of them (at least 3) may be skipped */
    FiniteSteps(String what, int steps) {
        this.what = what;
        this.maxSkipped = Math.max(3, steps / 10);
    }

    /** @return whether the optimiser stepped */
    boolean step(Trainer trainer, Block block, float loss, int stepIndex) {
        if (Float.isFinite(loss) && gradientsFinite(block)) {
            trainer.step();
            return true;
        }
        skipped++;
        Gradients.zero(block);
        if (!parametersFinite(block)) {
            // a non-finite forward pass has already written NaN into batch norm's running statistics: no way back
            throw new IllegalStateException(what + ": step " + (stepIndex + 1) + " left non-finite values in the network");
        }
        LOG.warn("{}: step {} skipped: non-finite {} ({} skipped so far; is DNNL_MAX_CPU_ISA=AVX2 set? docs/model.md)",
                what, stepIndex + 1, Float.isFinite(loss) ? "gradient" : "loss", skipped);
        if (skipped > maxSkipped) {
            throw new IllegalStateException(what + ": " + skipped + " training steps had non-finite gradients or losses; "
                    + "stopped rather than keep a broken network (docs/model.md, CPU kernels)");
        }
        return false;
    }

    int skipped() { return skipped; }

    static boolean gradientsFinite(Block block) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().isInitialized() ? p.getValue().getArray() : null;
            if (a == null || !a.hasGradient()) continue;
            try (NDArray g = a.getGradient(); NDArray bad = g.isNaN().logicalOr(g.isInfinite()).any()) {
                if (bad.getBoolean()) return false;
            }
        }
        return true;
    }

    private static boolean parametersFinite(Block block) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (!p.getValue().isInitialized()) continue;
            NDArray a = p.getValue().getArray();
            try (NDArray bad = a.isNaN().logicalOr(a.isInfinite()).any()) {
                if (bad.getBoolean()) return false;
            }
        }
        return true;
    }
}
