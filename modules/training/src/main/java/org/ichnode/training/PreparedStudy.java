package org.ichnode.training;

import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.core.preprocess.PreprocessOptions;
import org.ichnode.core.preprocess.SliceMapping;
import org.ichnode.core.preprocess.SlicePreprocessor;

import org.ichnode.core.volume.HuWindow;

import java.util.ArrayList;
import java.util.List;
import org.ichnode.core.segmentation.BrainMask;
import org.ichnode.core.volume.Volume;

/**
 * A {@link LabelledStudy} in model space: every slice preprocessed as the classifiers see it and as the U-Net does (the
 * same list unless {@link PreprocessOptions#separateUnetInput()}), plus per slice the intracranial mask (nearest
 * neighbour from the source grid), the CRF guide image (the first input channel scaled to 0..255), the HU read back
 * from the first channel (exact inside its window, clipped at its ends) and, when known, the true mask. Guide and HU
 * come from the U-Net's input: the pseudo masks they make are its targets.
 */
public record PreparedStudy(LabelledStudy study, List<PreparedSlice> slices, List<PreparedSlice> unetSlices, byte[][] intracranial,
                            float[][] guide, float[][] hu, float[][] trueMask) {

    public static PreparedStudy prepare(LabelledStudy study, PreprocessOptions options) {
        Volume v = study.volume();
        BrainMask.Result masks = new BrainMask().compute(v);
        byte[] ic = masks.intracranial();
        SlicePreprocessor pre = new SlicePreprocessor(options);
        SlicePreprocessor unetPre = options.separateUnetInput() ? new SlicePreprocessor(options.forUnet()) : null;
        List<PreparedSlice> slices = new ArrayList<>(v.slices());
        List<PreparedSlice> unetSlices = unetPre == null ? slices : new ArrayList<>(v.slices());
        byte[][] brain = new byte[v.slices()][];
        float[][] guide = new float[v.slices()][];
        float[][] hu = new float[v.slices()][];
        HuWindow window = pre.options().windows().get(0);
        // partial masks (a few slices of a real set) are for evaluation only, never a training target
        float[][] truth = study.fullyMasked() ? new float[v.slices()][] : null;
        for (int k = 0; k < v.slices(); k++) {
            PreparedSlice classifierInput = pre.prepare(v, k, masks.brain());
            slices.add(classifierInput);
            // guide and HU feed the pseudo masks, the U-Net's targets: read from what the U-Net sees, so no target lies
            // where its input is blank
            PreparedSlice p = classifierInput;
            if (unetPre != null) unetSlices.add(p = unetPre.prepare(v, k, masks.brain()));
            SliceMapping m = p.mapping();
            int n = m.size();
            brain[k] = new byte[n * n];
            float[] t = truth == null ? null : new float[n * n];
            int per = v.voxelsPerSlice();
            for (int ty = 0; ty < n; ty++) {
                int sy = (int) Math.round(m.sourceY(ty));
                if (sy < 0 || sy >= v.rows()) continue;
                for (int tx = 0; tx < n; tx++) {
                    int sx = (int) Math.round(m.sourceX(tx));
                    if (sx < 0 || sx >= v.columns()) continue;
                    int src = k * per + sy * v.columns() + sx;
                    brain[k][ty * n + tx] = ic[src];
                    if (t != null) t[ty * n + tx] = study.trueMask()[src];
                }
            }
            if (truth != null) truth[k] = t;
            float[] g = new float[n * n];
            for (int i = 0; i < g.length; i++) g[i] = p.pixels()[i] * 255f;
            guide[k] = g;
            float[] h = new float[n * n];
            for (int i = 0; i < h.length; i++) h[i] = (float) (window.lower() + p.pixels()[i] * window.width());
            hu[k] = h;
        }
        return new PreparedStudy(study, slices, unetSlices, brain, guide, hu, truth);
    }

    public int size() { return slices.get(0).size(); }

    public int sliceCount() { return slices.size(); }
}
