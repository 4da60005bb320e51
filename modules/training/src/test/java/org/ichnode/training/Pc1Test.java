package org.ichnode.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Pc1Test {
    /** Features = per-channel offset + d_c * pattern(x, y) + small noise: PC1 must be d, its variance var(pattern). */
    @Test void recoversKnownPrincipalDirection() {
        int c = 8, h = 20, w = 24, hw = h * w;
        double[] d = {0.5, -0.3, 0.2, 0.6, -0.1, 0.4, 0.25, -0.15};
        double n = 0; for (double x : d) n += x * x; n = Math.sqrt(n);
        for (int i = 0; i < c; i++) d[i] /= n;
        SplittableRandom rnd = new SplittableRandom(3);
        float[] pattern = new float[hw];
        for (int p = 0; p < hw; p++) pattern[p] = (float) (3 * Math.sin((p % w) * 0.4) + 2 * Math.cos((p / w) * 0.3));
        float[] f = new float[c * hw];
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < hw; p++) f[ch * hw + p] = (float) (ch * 1.5 + d[ch] * pattern[p] + 0.01 * rnd.nextGaussian());
        }
        Pc1 pc = Pc1.compute(f, c, h, w, pattern);
        double dot = 0;
        for (int i = 0; i < c; i++) dot += pc.direction()[i] * d[i];
        assertEquals(1.0, dot, 1e-4, "direction, oriented by the reference");
        double mean = 0, var = 0;
        for (float v : pattern) mean += v;
        mean /= hw;
        for (float v : pattern) var += (v - mean) * (v - mean);
        var /= hw;
        assertEquals(var, pc.eigenvalue(), var * 1e-3);
        // projection = centred pattern
        for (int p = 0; p < hw; p += 37) assertEquals(pattern[p] - mean, pc.projection()[p], 0.05);

        Pc1 flipped = Pc1.compute(f, c, h, w, negate(pattern));
        assertEquals(-1.0, dot(flipped.direction(), d), 1e-4, "orientation follows the reference");
    }

    /** Two channels with covariance [[2,1],[1,2]]: eigenvalues 3 and 1, leading direction (1,1)/sqrt 2. */
    @Test void twoByTwoExact() {
        // samples (a+b, a-b)-style construction: x = u + v, y = u - v with var(u)=1.5, var(v)=0.5 -> cov [[2,1],[1,2]]
        int hw = 4;
        float[] u = {1.5f, -1.5f, 1.5f, -1.5f};      // var 2.25... scaled below
        float[] v = {0.5f, 0.5f, -0.5f, -0.5f};
        float[] f = new float[2 * hw];
        for (int p = 0; p < hw; p++) { f[p] = u[p] + v[p]; f[hw + p] = u[p] - v[p]; }
        // cov: var(x) = 2.25 + 0.25 = 2.5, cov(x,y) = 2.25 - 0.25 = 2.0 -> eigen 4.5 (1,1)/sqrt2 and 0.5
        Pc1 pc = Pc1.compute(f, 2, 2, 2, null);
        assertEquals(4.5, pc.eigenvalue(), 1e-9);
        assertEquals(Math.sqrt(0.5), pc.direction()[0], 1e-6);
        assertEquals(Math.sqrt(0.5), pc.direction()[1], 1e-6);
        assertTrue(pc.iterations() < 200);
    }

    private static float[] negate(float[] a) { float[] b = new float[a.length]; for (int i = 0; i < a.length; i++) b[i] = -a[i]; return b; }
    private static double dot(float[] a, double[] b) { double s = 0; for (int i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
}
