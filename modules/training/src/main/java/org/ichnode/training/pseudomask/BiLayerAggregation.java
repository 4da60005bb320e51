package org.ichnode.training.pseudomask;

/**
 * Bi-layer aggregation: per voxel, {@code OR: (L1 >= TH) || (L2 >= TH)} or {@code AND: (L1 >= TH) && (L2 >= TH)},
 * per slice. Input: two CAM stacks of identical shape (layer1, layer2, usually after ensemble and fusion).
 * Output: one mask per slice ({@code byte[slices][H*W]}, 1 = hemorrhage).
 */
public final class BiLayerAggregation {
    public enum Mode { OR, AND }

    public static final double DEFAULT_THRESHOLD = 0.2;

    private final double threshold;
    private final Mode mode;

    public BiLayerAggregation(double threshold, Mode mode) {
        if (!Double.isFinite(threshold)) throw new IllegalArgumentException("threshold must be finite");
        if (mode == null) throw new IllegalArgumentException("mode is null");
        this.threshold = threshold;
        this.mode = mode;
    }

    /** TH = 0.2, OR. */
    public static BiLayerAggregation defaults() { return new BiLayerAggregation(DEFAULT_THRESHOLD, Mode.OR); }

    public double threshold() { return threshold; }
    public Mode mode() { return mode; }

    public byte[][] aggregate(float[][] layer1, float[][] layer2) {
        int per = CamStacks.voxelsPerSlice("layer1 CAMs", layer1);
        CamStacks.checkShape("layer2 CAMs", layer2, layer1.length, per);
        byte[][] out = new byte[layer1.length][per];
        for (int s = 0; s < layer1.length; s++) {
            float[] a = layer1[s], b = layer2[s];
            byte[] o = out[s];
            for (int i = 0; i < per; i++) {
                boolean x = a[i] >= threshold, y = b[i] >= threshold;
                o[i] = (byte) ((mode == Mode.OR ? (x || y) : (x && y)) ? 1 : 0);
            }
        }
        return out;
    }

    /** Single-layer thresholding {@code cam >= TH} (what aggregation reduces to when only one layer is used). */
    public static byte[][] threshold(float[][] cams, double threshold) {
        int per = CamStacks.voxelsPerSlice("CAMs", cams);
        byte[][] out = new byte[cams.length][per];
        for (int s = 0; s < cams.length; s++) {
            for (int i = 0; i < per; i++) out[s][i] = (byte) (cams[s][i] >= threshold ? 1 : 0);
        }
        return out;
    }
}
