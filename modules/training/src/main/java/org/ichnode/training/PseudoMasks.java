package org.ichnode.training;

import org.ichnode.training.pseudomask.DensityPrior;
import org.ichnode.training.pseudomask.PseudoMaskPipeline;

/**
 * Steps 4 to 7 for one study, in model space: which slices count as positive, then the core
 * {@link PseudoMaskPipeline} (ensemble, spatial fusion, bi-layer aggregation, dense CRF), then everything outside the
 * intracranial mask dropped (a CAM spills onto the skull; blood is inside it), then, when configured, ich-node's
 * {@link DensityPrior} (the components of blood density that the mask touches).
 */
public final class PseudoMasks {
    private PseudoMasks() {}

    /**
     * Positive slices of a study: none in a negative study; the slice labels when known and wanted; with study labels
     * and the density prior every slice of a positive study (the prior decides which pixels; a lesion on a slice left
     * out would be trained as background); otherwise the slices whose ensemble probability is at least 0.5, or the
     * single most probable slice when none is (a positive study has at least one positive slice).
     */
    public static boolean[] positiveSlices(PreparedStudy s, StudyCams cams, boolean useSliceLabels, boolean densityPrior) {
        int n = s.sliceCount();
        boolean[] out = new boolean[n];
        if (!s.study().positive()) return out;
        if (useSliceLabels && s.study().sliceLabels() != null) return s.study().sliceLabels().clone();
        if (densityPrior) {
            java.util.Arrays.fill(out, true);
            return out;
        }
        int best = 0;
        boolean any = false;
        for (int k = 0; k < n; k++) {
            if (cams.sliceProbability()[k] >= 0.5f) { out[k] = true; any = true; }
            if (cams.sliceProbability()[k] > cams.sliceProbability()[best]) best = k;
        }
        if (!any) out[best] = true;
        return out;
    }

    /** The pseudo mask per slice ({@code S*S}, 1 = hemorrhage); {@code prior} null = the published steps only. */
    public static byte[][] build(PseudoMaskPipeline.Config config, DensityPrior prior, PreparedStudy s, StudyCams cams, boolean[] positive) {
        int size = s.size(), per = size * size, n = s.sliceCount();
        byte[] flat = new PseudoMaskPipeline(config).run(size, size, cams.modelA(), cams.modelB(), positive, s.guide());
        byte[][] out = new byte[n][per];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < per; i++) out[k][i] = (byte) (flat[k * per + i] & s.intracranial()[k][i]);
            if (prior != null) out[k] = prior.refine(size, size, s.hu()[k], s.intracranial()[k], out[k]);
        }
        return out;
    }

    /**
     * The density prior without any CAM: every blood-density component inside the skull on the positive slices.
     * An ablation row only: it shows what the CAM gate adds.
     */
    public static byte[][] densityOnly(DensityPrior prior, PreparedStudy s, boolean[] positive) {
        int size = s.size(), n = s.sliceCount();
        byte[][] out = new byte[n][];
        for (int k = 0; k < n; k++) {
            out[k] = positive[k] ? prior.refine(size, size, s.hu()[k], s.intracranial()[k], s.intracranial()[k]) : new byte[size * size];
        }
        return out;
    }

    static float[] toFloat(byte[] m) {
        float[] f = new float[m.length];
        for (int i = 0; i < m.length; i++) f[i] = m[i];
        return f;
    }
}
