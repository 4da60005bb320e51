package org.ichnode.training;

/**
 * First principal component of a feature map over its channels: the pixels are {@code h*w} samples of a
 * {@code C}-dimensional vector; the channel means are removed, the {@code C x C} covariance is formed and its leading
 * eigenvector found by power iteration. The projection of every (centred) pixel onto that direction is a
 * {@code h x w} map: the dominant pattern of the features, class-agnostic.
 *
 * <p>The sign of an eigenvector is arbitrary; {@link #compute(float[], int, int, int, float[])} orients it so the
 * projection correlates positively with a reference map (the CAM), or without a reference so the direction's
 * components sum to a positive number (the pattern most channels agree on is "on").
 *
 * @param direction  unit eigenvector, length C
 * @param eigenvalue its eigenvalue (variance along it)
 * @param projection per pixel projection, length h*w, row-major
 * @param iterations power iterations used
 */
public record Pc1(float[] direction, double eigenvalue, float[] projection, int iterations) {

    private static final int MAX_ITER = 200;
    private static final double TOL = 1e-9;

    /** @param features {@code C x h x w}, channel-major; {@code reference} may be null. */
    public static Pc1 compute(float[] features, int channels, int h, int w, float[] reference) {
        int hw = h * w;
        if (features.length != channels * hw) throw new IllegalArgumentException("feature length " + features.length + " != " + channels + "x" + h + "x" + w);
        double[] mean = new double[channels];
        for (int c = 0; c < channels; c++) {
            double s = 0;
            for (int p = 0; p < hw; p++) s += features[c * hw + p];
            mean[c] = s / hw;
        }
        // covariance (symmetric), centred
        double[] cov = new double[channels * channels];
        double[] ci = new double[hw];
        double[] cj = new double[hw];
        for (int i = 0; i < channels; i++) {
            for (int p = 0; p < hw; p++) ci[p] = features[i * hw + p] - mean[i];
            for (int j = i; j < channels; j++) {
                double s = 0;
                if (j == i) { for (int p = 0; p < hw; p++) s += ci[p] * ci[p]; }
                else {
                    for (int p = 0; p < hw; p++) cj[p] = features[j * hw + p] - mean[j];
                    for (int p = 0; p < hw; p++) s += ci[p] * cj[p];
                }
                cov[i * channels + j] = cov[j * channels + i] = s / hw;
            }
        }
        // power iteration from a deterministic start that is not orthogonal to typical leading vectors
        double[] v = new double[channels];
        for (int c = 0; c < channels; c++) v[c] = 1.0 + 0.01 * c;
        normalize(v);
        double lambda = 0;
        int it = 0;
        double[] nv = new double[channels];
        for (; it < MAX_ITER; it++) {
            for (int i = 0; i < channels; i++) {
                double s = 0;
                for (int j = 0; j < channels; j++) s += cov[i * channels + j] * v[j];
                nv[i] = s;
            }
            double norm = normalize(nv);
            if (norm == 0) { lambda = 0; break; }
            double diff = 0;
            for (int c = 0; c < channels; c++) { diff += Math.abs(nv[c] - v[c]); v[c] = nv[c]; }
            lambda = norm;
            if (diff < TOL) { it++; break; }
        }
        float[] proj = new float[hw];
        for (int p = 0; p < hw; p++) {
            double s = 0;
            for (int c = 0; c < channels; c++) s += v[c] * (features[c * hw + p] - mean[c]);
            proj[p] = (float) s;
        }
        boolean flip;
        if (reference != null) {
            if (reference.length != hw) throw new IllegalArgumentException("reference must be " + h + "x" + w);
            double refMean = 0;
            for (float r : reference) refMean += r;
            refMean /= hw;
            double corr = 0;
            for (int p = 0; p < hw; p++) corr += proj[p] * (reference[p] - refMean);
            flip = corr < 0;
        } else {
            double s = 0;
            for (double x : v) s += x;
            flip = s < 0;
        }
        float[] dir = new float[channels];
        for (int c = 0; c < channels; c++) dir[c] = (float) (flip ? -v[c] : v[c]);
        if (flip) for (int p = 0; p < hw; p++) proj[p] = -proj[p];
        return new Pc1(dir, lambda, proj, it);
    }

    private static double normalize(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        s = Math.sqrt(s);
        if (s > 0) for (int i = 0; i < v.length; i++) v[i] /= s;
        return s;
    }
}
