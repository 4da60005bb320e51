package org.ichnode.training.pseudomask;

import java.util.Arrays;

/**
 * Spatial context fusion across neighbouring slices.
 *
 * <p>For every slice {@code i} flagged positive:
 * <pre>
 *   fused_i = ( sum_{j in N(i)} w(|i-j|) * CAM_j ) / Z_i,     Z_i = sum_{j in N(i)} w(|i-j|)
 *   N(i)    = { j : |i-j| <= c, 0 <= j < slices, positive_j }     (always contains i itself)
 *   w(d)    = decay^d                                             (w(0) = 1, w(1) = 0.5, w(2) = 0.25 by default)
 * </pre>
 * Slices flagged negative get an all-zero map; negative neighbours and neighbours beyond the volume ends contribute
 * neither to the sum nor to {@code Z_i}. Because {@code Z_i} is the sum of the weights actually used, the result is a
 * convex combination of the used CAMs: a slice with no positive neighbour is returned unchanged, and the output stays
 * in [0, 1] when the inputs do.
 *
 * <p>Default c = 2, decay = 0.5 (the values of the brief). The weight is a geometric decay in slice distance; a
 * different published distance weighting can be supplied with {@link #withWeights(double...)} (weights indexed by
 * distance 0..c); the normalisation is always the sum of the weights used.
 */
public final class SpatialContextFusion {
    public static final int DEFAULT_RADIUS = 2;
    public static final double DEFAULT_DECAY = 0.5;

    private final double[] weightByDistance;

    private SpatialContextFusion(double[] weightByDistance) {
        if (weightByDistance.length == 0) throw new IllegalArgumentException("need at least the weight for distance 0");
        for (double w : weightByDistance) {
            if (!(w >= 0) || Double.isInfinite(w)) throw new IllegalArgumentException("weights must be finite and >= 0");
        }
        if (!(weightByDistance[0] > 0)) throw new IllegalArgumentException("the weight of the slice itself must be > 0");
        this.weightByDistance = weightByDistance.clone();
    }

    /** c = 2, w(d) = 0.5^d. */
    public static SpatialContextFusion defaults() { return geometric(DEFAULT_RADIUS, DEFAULT_DECAY); }

    /** Neighbourhood radius {@code radius} (c), weight {@code decay^d} at slice distance d. */
    public static SpatialContextFusion geometric(int radius, double decay) {
        if (radius < 0) throw new IllegalArgumentException("radius must be >= 0");
        if (!(decay >= 0) || decay > 1) throw new IllegalArgumentException("decay must be in [0, 1]");
        double[] w = new double[radius + 1];
        for (int d = 0; d <= radius; d++) w[d] = Math.pow(decay, d);
        return new SpatialContextFusion(w);
    }

    /** Explicit weights: {@code weights[d]} for slice distance d = 0..c (c = weights.length - 1). */
    public static SpatialContextFusion withWeights(double... weights) { return new SpatialContextFusion(weights); }

    public int radius() { return weightByDistance.length - 1; }

    /** The weight used at slice distance {@code d} (0 beyond the radius). */
    public double weight(int d) {
        d = Math.abs(d);
        return d < weightByDistance.length ? weightByDistance[d] : 0.0;
    }

    /**
     * @param cams     per-slice CAMs, {@code float[slices][H*W]}
     * @param positive per-slice positive flags (classifier prediction or weak label), length = slices
     * @return a new stack of the same shape
     */
    public float[][] fuse(float[][] cams, boolean[] positive) {
        int per = CamStacks.voxelsPerSlice("CAMs", cams);
        if (positive == null || positive.length != cams.length) {
            throw new IllegalArgumentException("need one positive flag per slice (" + cams.length + ")");
        }
        int n = cams.length, c = radius();
        float[][] out = new float[n][];
        double[] acc = new double[per];
        for (int i = 0; i < n; i++) {
            if (!positive[i]) { out[i] = new float[per]; continue; }
            Arrays.fill(acc, 0.0);
            double z = 0;
            for (int j = Math.max(0, i - c); j <= Math.min(n - 1, i + c); j++) {
                if (!positive[j]) continue;
                double w = weightByDistance[Math.abs(i - j)];
                if (w == 0) continue;
                z += w;
                float[] cam = cams[j];
                for (int k = 0; k < per; k++) acc[k] += w * cam[k];
            }
            float[] o = new float[per];
            double inv = 1.0 / z; // z >= weight(0) > 0 because slice i is positive
            for (int k = 0; k < per; k++) o[k] = (float) (acc[k] * inv);
            out[i] = o;
        }
        return out;
    }
}
