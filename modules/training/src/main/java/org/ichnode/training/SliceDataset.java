package org.ichnode.training;

import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.core.preprocess.SliceMapping;
import org.ichnode.core.preprocess.SlicePreprocessor;

import java.util.ArrayList;
import java.util.List;
import org.ichnode.testkit.phantom.PhantomStudy;

/**
 * Model inputs with their image-level (slice) labels, the only supervision the classifiers see. The true masks, when
 * known (phantom), are carried along in model space for evaluating CAMs, never for training.
 *
 * @param inputs prepared slices
 * @param labels slice label: hemorrhage on this slice
 * @param masks  true hemorrhage mask per slice resampled to the model grid (0/1 floats), or null entries when unknown
 */
public record SliceDataset(List<PreparedSlice> inputs, boolean[] labels, List<float[]> masks) {

    public SliceDataset {
        inputs = List.copyOf(inputs);
        labels = labels.clone();
        if (labels.length != inputs.size() || masks.size() != inputs.size()) throw new IllegalArgumentException("sizes differ");
        masks = java.util.Collections.unmodifiableList(new ArrayList<>(masks));
    }

    /** Every slice of every study, labelled by the study's slice labels; masks resampled nearest to the model grid. */
    public static SliceDataset fromPhantom(List<PhantomStudy> studies, SlicePreprocessor pre) {
        List<PreparedSlice> in = new ArrayList<>();
        List<float[]> masks = new ArrayList<>();
        List<Boolean> lab = new ArrayList<>();
        for (PhantomStudy s : studies) {
            PreparedSlice[] all = pre.prepareAll(s.volume());
            for (int k = 0; k < all.length; k++) {
                PreparedSlice p = all[k];
                in.add(p);
                lab.add(s.sliceLabel(k));
                masks.add(maskToModel(s, k, p.mapping()));
            }
        }
        boolean[] labels = new boolean[lab.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = lab.get(i);
        return new SliceDataset(in, labels, masks);
    }

    private static float[] maskToModel(PhantomStudy s, int slice, SliceMapping m) {
        int size = m.size();
        float[] out = new float[size * size];
        int cols = s.volume().columns(), rows = s.volume().rows();
        for (int ty = 0; ty < size; ty++) {
            int sy = (int) Math.round(m.sourceY(ty));
            if (sy < 0 || sy >= rows) continue;
            for (int tx = 0; tx < size; tx++) {
                int sx = (int) Math.round(m.sourceX(tx));
                if (sx < 0 || sx >= cols) continue;
                out[ty * size + tx] = s.mask(sx, sy, slice) ? 1f : 0f;
            }
        }
        return out;
    }

    public int size() { return inputs.size(); }

    public int positives() {
        int n = 0;
        for (boolean b : labels) if (b) n++;
        return n;
    }

    public SliceDataset subset(List<Integer> indices) {
        List<PreparedSlice> in = new ArrayList<>();
        List<float[]> m = new ArrayList<>();
        boolean[] l = new boolean[indices.size()];
        for (int i = 0; i < indices.size(); i++) {
            int k = indices.get(i);
            in.add(inputs.get(k));
            m.add(masks.get(k));
            l[i] = labels[k];
        }
        return new SliceDataset(in, l, m);
    }
}
