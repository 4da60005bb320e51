package org.ichnode.training.pseudomask;

/**
 * Separable 2D Gaussian blur of a row-major image, kernel truncated at 3 sigma and normalised to sum 1, pixels outside
 * the image count as zero (so blurring an all-ones image gives the border normaliser). Package-private helper.
 */
final class GaussianBlur {
    private final int width;
    private final int height;
    private final float[] kernel;
    private final int radius;
    private final float[] tmp;

    GaussianBlur(int width, int height, double sigma) {
        if (!(sigma > 0)) throw new IllegalArgumentException("sigma must be > 0");
        this.width = width;
        this.height = height;
        this.kernel = kernel(sigma);
        this.radius = kernel.length / 2;
        this.tmp = new float[width * height];
    }

    static float[] kernel(double sigma) {
        int r = Math.max(1, (int) Math.ceil(3 * sigma));
        float[] k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) sum += Math.exp(-0.5 * i * i / (sigma * sigma));
        for (int i = -r; i <= r; i++) k[i + r] = (float) (Math.exp(-0.5 * i * i / (sigma * sigma)) / sum);
        return k;
    }

    /** out = G * in (out may not alias in). */
    void apply(float[] in, float[] out) {
        int w = width, h = height, r = radius;
        float[] k = kernel, t = tmp;
        for (int y = 0; y < h; y++) {
            int row = y * w;
            for (int x = 0; x < w; x++) {
                int lo = Math.max(-r, -x), hi = Math.min(r, w - 1 - x);
                float s = 0;
                for (int d = lo; d <= hi; d++) s += k[d + r] * in[row + x + d];
                t[row + x] = s;
            }
        }
        for (int y = 0; y < h; y++) {
            int lo = Math.max(-r, -y), hi = Math.min(r, h - 1 - y);
            int row = y * w;
            for (int x = 0; x < w; x++) out[row + x] = 0;
            for (int d = lo; d <= hi; d++) {
                float kd = k[d + r];
                int src = (y + d) * w;
                for (int x = 0; x < w; x++) out[row + x] += kd * t[src + x];
            }
        }
    }
}
