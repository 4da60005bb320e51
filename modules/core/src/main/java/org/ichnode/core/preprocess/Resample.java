package org.ichnode.core.preprocess;

/** Bilinear sampling and resizing of row-major float maps (pixel-centre convention, like align_corners=false). */
public final class Resample {
    private Resample() {}

    /**
     * Value at continuous pixel-centre coordinates (x, y) of a {@code w x h} map. Inside the outermost pixel centres
     * the four neighbours are interpolated; up to half a pixel beyond them the edge is extended; further out
     * {@code outside} is returned.
     */
    public static float bilinear(float[] map, int w, int h, double x, double y, float outside) {
        if (x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5) return outside;
        double cx = Math.max(0, Math.min(w - 1, x));
        double cy = Math.max(0, Math.min(h - 1, y));
        int x0 = (int) Math.floor(cx), y0 = (int) Math.floor(cy);
        int x1 = Math.min(x0 + 1, w - 1), y1 = Math.min(y0 + 1, h - 1);
        double fx = cx - x0, fy = cy - y0;
        double top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
        double bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
        return (float) (top * (1 - fy) + bottom * fy);
    }

    /** Resizes a {@code w x h} map to {@code outW x outH}, both covering the same field (pixel edges aligned). */
    public static float[] resize(float[] map, int w, int h, int outW, int outH) {
        float[] out = new float[outW * outH];
        double sx = (double) w / outW, sy = (double) h / outH;
        for (int r = 0; r < outH; r++) {
            double y = (r + 0.5) * sy - 0.5;
            for (int c = 0; c < outW; c++) {
                out[r * outW + c] = bilinear(map, w, h, (c + 0.5) * sx - 0.5, y, 0f);
            }
        }
        return out;
    }
}
