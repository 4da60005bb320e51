package org.ichnode.training.pseudomask;

/**
 * Fully connected CRF (Krähenbühl &amp; Koltun 2011) with two labels (0 background, 1 hemorrhage) on one 2D slice,
 * solved by mean-field inference.
 *
 * <p>Energy: {@code E(x) = sum_i U_i(x_i) + sum_{i<j} mu(x_i, x_j) k(f_i, f_j)} with Potts compatibility
 * {@code mu = [x_i != x_j]} and
 * <pre>
 *   k(f_i, f_j) = wG * exp(-|p_i - p_j|^2 / (2 gaussianSxy^2))                                         (smoothness)
 *               + wB * exp(-|p_i - p_j|^2 / (2 bilateralSxy^2) - (I_i - I_j)^2 / (2 bilateralSrgb^2))  (appearance)
 * </pre>
 * p = pixel position (px), I = windowed CT intensity (the unit of {@code bilateralSrgb}; 0..255 with
 * {@link org.ichnode.core.volume.HuWindow#grey255}). Each kernel is used normalised, {@code sum_j k_ij Q_j / sum_j k_ij} (like densecrf's
 * normalised filtering), so a message is the kernel-weighted fraction of neighbours carrying a label and the weights
 * wG, wB are in nats. With two labels and normalised kernels, {@code m_0 = 1 - m_1}, so one filtering per kernel per
 * iteration suffices. Mean-field update (Q = Q(x_i = 1)):
 * <pre>
 *   a_i = U_i(0) - U_i(1) = logit(p_i)                       (unary, p = foreground probability)
 *   Q_i <- sigmoid( a_i + wG (2 G[Q]_i - 1) + wB (2 B[Q]_i - 1) ),   initial Q_i = sigmoid(a_i)
 * </pre>
 * G = separable Gaussian blur (exact, truncated at 3 sigma); B = bilateral filter on a downsampled bilateral grid
 * ({@link BilateralGrid}, O(pixels) per filtering). Unaries: from a probability map (clamped to
 * [1e-5, 1 - 1e-5]), or from a binary mask with confidence c (p = c inside, 1 - c outside, as densecrf's
 * unary_from_labels).
 */
public final class DenseCrf {
    static final double PROBABILITY_CLAMP = 1e-5;

    /**
     * @param iterations      mean-field iterations (5..10)
     * @param gaussianSxy     smoothness kernel standard deviation, pixels (~3)
     * @param gaussianWeight  wG
     * @param bilateralSxy    appearance kernel spatial standard deviation, pixels (20..80 at 512x512)
     * @param bilateralSrgb   appearance kernel intensity standard deviation, intensity units (5..13 on 0..255)
     * @param bilateralWeight wB
     */
    public record Parameters(int iterations, double gaussianSxy, double gaussianWeight,
                             double bilateralSxy, double bilateralSrgb, double bilateralWeight) {
        public Parameters {
            if (iterations < 0) throw new IllegalArgumentException("iterations must be >= 0");
            if (!(gaussianSxy > 0) || !(bilateralSxy > 0) || !(bilateralSrgb > 0)) {
                throw new IllegalArgumentException("kernel standard deviations must be > 0");
            }
            if (!(gaussianWeight >= 0) || !(bilateralWeight >= 0)) throw new IllegalArgumentException("weights must be >= 0");
        }

        /** For 512x512 slices: 5 iterations, Gaussian sxy 3 / w 3, bilateral sxy 40 / srgb 10 / w 5. */
        public static Parameters defaults() { return new Parameters(5, 3, 3, 40, 10, 5); }

        /**
         * Both positional sigmas scaled by {@code width / 512} (the defaults are for 512-pixel slices; a 128-pixel
         * phantom slice covers the same head with 4x larger pixels), the smoothness sigma kept >= 0.5 px.
         * The intensity sigma is unchanged.
         */
        public Parameters scaledToWidth(int width) {
            double f = width / 512.0;
            return new Parameters(iterations, Math.max(0.5, gaussianSxy * f), gaussianWeight, bilateralSxy * f,
                    bilateralSrgb, bilateralWeight);
        }

        public Parameters withIterations(int n) {
            return new Parameters(n, gaussianSxy, gaussianWeight, bilateralSxy, bilateralSrgb, bilateralWeight);
        }

        public Parameters withBilateralSxy(double sxy) {
            return new Parameters(iterations, gaussianSxy, gaussianWeight, sxy, bilateralSrgb, bilateralWeight);
        }

        public Parameters withWeights(double gaussian, double bilateral) {
            return new Parameters(iterations, gaussianSxy, gaussian, bilateralSxy, bilateralSrgb, bilateral);
        }
    }

    private final Parameters parameters;

    public DenseCrf(Parameters parameters) {
        if (parameters == null) throw new IllegalArgumentException("parameters is null");
        this.parameters = parameters;
    }

    public Parameters parameters() { return parameters; }

    /**
     * Mean-field marginals Q(x_i = 1) for a foreground probability map.
     *
     * @param intensity             the guide, row-major, width*height (windowed CT)
     * @param foregroundProbability p_i in [0, 1], row-major, width*height (e.g. a fused CAM)
     */
    public float[] marginals(int width, int height, float[] intensity, float[] foregroundProbability) {
        checkSize(width, height, intensity, "intensity");
        checkSize(width, height, foregroundProbability, "probability");
        int n = width * height;
        float[] logit = new float[n];
        for (int i = 0; i < n; i++) {
            double p = Math.min(1 - PROBABILITY_CLAMP, Math.max(PROBABILITY_CLAMP, foregroundProbability[i]));
            if (Double.isNaN(foregroundProbability[i])) throw new IllegalArgumentException("NaN probability at " + i);
            logit[i] = (float) Math.log(p / (1 - p));
        }
        return meanField(width, height, intensity, logit);
    }

    /** Marginals for a binary mask (non-zero = hemorrhage) trusted with {@code confidence} in (0.5, 1). */
    public float[] marginalsFromMask(int width, int height, float[] intensity, byte[] mask, double confidence) {
        checkSize(width, height, intensity, "intensity");
        if (mask == null || mask.length != width * height) throw new IllegalArgumentException("mask size != width*height");
        if (!(confidence > 0.5) || !(confidence < 1)) throw new IllegalArgumentException("confidence must be in (0.5, 1)");
        float a = (float) Math.log(confidence / (1 - confidence));
        float[] logit = new float[mask.length];
        for (int i = 0; i < mask.length; i++) logit[i] = mask[i] != 0 ? a : -a;
        return meanField(width, height, intensity, logit);
    }

    /** {@link #marginalsFromMask} thresholded at 0.5. */
    public byte[] refineMask(int width, int height, float[] intensity, byte[] mask, double confidence) {
        return labels(marginalsFromMask(width, height, intensity, mask, confidence));
    }

    /** {@link #marginals} thresholded at 0.5. */
    public byte[] segment(int width, int height, float[] intensity, float[] foregroundProbability) {
        return labels(marginals(width, height, intensity, foregroundProbability));
    }

    /** 1 where Q > 0.5. */
    public static byte[] labels(float[] marginals) {
        byte[] out = new byte[marginals.length];
        for (int i = 0; i < out.length; i++) out[i] = (byte) (marginals[i] > 0.5f ? 1 : 0);
        return out;
    }

    private float[] meanField(int width, int height, float[] intensity, float[] logit) {
        int n = width * height;
        Parameters p = parameters;
        float[] q = new float[n];
        for (int i = 0; i < n; i++) q[i] = sigmoid(logit[i]);
        if (p.iterations() == 0) return q;
        boolean useG = p.gaussianWeight() > 0, useB = p.bilateralWeight() > 0;
        GaussianBlur blur = useG ? new GaussianBlur(width, height, p.gaussianSxy()) : null;
        float[] gNorm = null;
        if (useG) {
            float[] ones = new float[n];
            java.util.Arrays.fill(ones, 1f);
            gNorm = new float[n];
            blur.apply(ones, gNorm);
            for (int i = 0; i < n; i++) gNorm[i] = 1f / gNorm[i];
        }
        BilateralGrid grid = useB ? new BilateralGrid(width, height, intensity, p.bilateralSxy(), p.bilateralSrgb()) : null;
        float[] mg = new float[n], mb = new float[n];
        float wg = (float) p.gaussianWeight(), wb = (float) p.bilateralWeight();
        for (int it = 0; it < p.iterations(); it++) {
            if (useG) blur.apply(q, mg);
            if (useB) grid.filter(q, mb);
            for (int i = 0; i < n; i++) {
                float e = logit[i];
                if (useG) e += wg * (2 * mg[i] * gNorm[i] - 1);
                if (useB) e += wb * (2 * mb[i] - 1);
                q[i] = sigmoid(e);
            }
        }
        return q;
    }

    private static float sigmoid(float x) { return (float) (1.0 / (1.0 + Math.exp(-x))); }

    private static void checkSize(int width, int height, float[] a, String name) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("bad slice size " + width + "x" + height);
        if (a == null || a.length != width * height) throw new IllegalArgumentException(name + " size != width*height");
    }
}
