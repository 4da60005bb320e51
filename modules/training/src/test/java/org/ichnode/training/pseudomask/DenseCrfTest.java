package org.ichnode.training.pseudomask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseCrfTest {
    static final int N = 128;
    static final float BRAIN = 111f, BLOOD = 223f; // 35 HU and 70 HU in the 40/80 window

    /** Brain background, a bright 40x40 square at (44..83, 44..83), Gaussian noise sigma 16 (~5 HU). */
    static float[] squareImage(long seed, float inside, float outside) {
        Random r = new Random(seed);
        float[] img = new float[N * N];
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++) {
                float base = inSquare(x, y) ? inside : outside;
                img[y * N + x] = (float) Math.min(255, Math.max(0, base + 16 * r.nextGaussian()));
            }
        return img;
    }

    static boolean inSquare(int x, int y) { return x >= 44 && x < 84 && y >= 44 && y < 84; }

    static byte[] squareMask() {
        byte[] m = new byte[N * N];
        for (int y = 0; y < N; y++) for (int x = 0; x < N; x++) if (inSquare(x, y)) m[y * N + x] = 1;
        return m;
    }

    /** The square blurred with sigma 5 px and shifted by (+4, +3) px: a CAM-like blob that misses the edges. */
    static float[] blurredShiftedSquare() {
        float[] m = new float[N * N];
        for (int y = 0; y < N; y++) for (int x = 0; x < N; x++) if (inSquare(x - 4, y - 3)) m[y * N + x] = 1;
        float[] out = new float[N * N];
        new GaussianBlur(N, N, 5).apply(m, out);
        return out;
    }

    static byte[] threshold(float[] p, float t) {
        byte[] m = new byte[p.length];
        for (int i = 0; i < p.length; i++) m[i] = (byte) (p[i] >= t ? 1 : 0);
        return m;
    }

    static double dice(byte[] a, byte[] b) {
        long inter = 0, sa = 0, sb = 0;
        for (int i = 0; i < a.length; i++) { inter += a[i] & b[i]; sa += a[i]; sb += b[i]; }
        return 2.0 * inter / (sa + sb);
    }

    static int count(byte[] m) { int c = 0; for (byte b : m) c += b; return c; }

    /** Mean distance (px) from each boundary pixel of {@code a} to the nearest boundary pixel of {@code b}, symmetric. */
    static double meanBoundaryDistance(byte[] a, byte[] b) {
        int[] ba = boundary(a), bb = boundary(b);
        return 0.5 * (directed(ba, bb) + directed(bb, ba));
    }

    private static double directed(int[] from, int[] to) {
        double sum = 0;
        for (int p : from) {
            int px = p % N, py = p / N;
            double best = Double.MAX_VALUE;
            for (int q : to) {
                double dx = px - q % N, dy = py - q / N;
                best = Math.min(best, dx * dx + dy * dy);
            }
            sum += Math.sqrt(best);
        }
        return sum / from.length;
    }

    private static int[] boundary(byte[] m) {
        java.util.List<Integer> b = new java.util.ArrayList<>();
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++) {
                if (m[y * N + x] == 0) continue;
                boolean edge = x == 0 || y == 0 || x == N - 1 || y == N - 1
                        || m[y * N + x - 1] == 0 || m[y * N + x + 1] == 0 || m[(y - 1) * N + x] == 0 || m[(y + 1) * N + x] == 0;
                if (edge) b.add(y * N + x);
            }
        return b.stream().mapToInt(Integer::intValue).toArray();
    }

    static DenseCrf.Parameters small() { return DenseCrf.Parameters.defaults().scaledToWidth(N); }

    @Test
    void sharpensBlurredMaskTowardsTheIntensityEdge() {
        float[] img = squareImage(1, BLOOD, BRAIN);
        byte[] truth = squareMask();
        float[] cam = blurredShiftedSquare();
        DenseCrf crf = new DenseCrf(small());
        for (float th : new float[] {0.2f, 0.5f}) {
            byte[] input = threshold(cam, th);
            byte[] refined = crf.refineMask(N, N, img, input, 0.7);
            double d0 = dice(input, truth), d1 = dice(refined, truth);
            double b0 = meanBoundaryDistance(input, truth), b1 = meanBoundaryDistance(refined, truth);
            System.out.printf("CRF mask TH %.1f: Dice %.3f -> %.3f, boundary %.2f -> %.2f px%n", th, d0, d1, b0, b1);
            assertTrue(d1 > d0 + 0.05, "Dice must go up clearly");
            assertTrue(d1 > 0.95, "refined mask should follow the square");
            assertTrue(b1 < b0 / 2, "boundary error must go down");
        }
        // probability unary (the blurred map itself)
        byte[] input = threshold(cam, 0.5f);
        byte[] refined = crf.segment(N, N, img, cam);
        double d0 = dice(input, truth), d1 = dice(refined, truth);
        System.out.printf("CRF probability: Dice %.3f -> %.3f%n", d0, d1);
        assertTrue(d1 > d0, "probability unary: Dice must go up");
    }

    @Test
    void doesNotGrowIntoUniformBackground() {
        float[] img = squareImage(2, BRAIN, BRAIN); // no edge at all: uniform brain + noise
        byte[] input = threshold(blurredShiftedSquare(), 0.3f);
        byte[] refined = new DenseCrf(small()).refineMask(N, N, img, input, 0.7);
        int grown = 0;
        for (int i = 0; i < input.length; i++) if (refined[i] != 0 && input[i] == 0) grown++;
        System.out.printf("CRF uniform: %d -> %d px, %d new%n", count(input), count(refined), grown);
        assertEquals(0, grown, "no new foreground in a uniform background");
        assertTrue(count(refined) <= count(input));
        assertTrue(count(refined) > count(input) * 0.8, "a compact blob is kept, not erased");

        // a bright square next to the blob must not attract the mask either when the blob's region is uniform
        byte[] empty = new byte[N * N];
        assertEquals(0, count(new DenseCrf(small()).refineMask(N, N, squareImage(3, BLOOD, BRAIN), empty, 0.7)));
    }

    @Test
    void parametersScaleWithTheMatrix() {
        DenseCrf.Parameters p = DenseCrf.Parameters.defaults().scaledToWidth(128);
        assertEquals(0.75, p.gaussianSxy(), 1e-12);
        assertEquals(10, p.bilateralSxy(), 1e-12);
        assertEquals(10, p.bilateralSrgb(), 1e-12);
        assertEquals(DenseCrf.Parameters.defaults(), DenseCrf.Parameters.defaults().scaledToWidth(512));
        assertEquals(0.5, DenseCrf.Parameters.defaults().scaledToWidth(64).gaussianSxy(), 1e-12);
    }

    @Test
    void zeroIterationsReturnsTheUnary() {
        float[] p = {0.1f, 0.9f, 0.5f, 0.3f};
        float[] q = new DenseCrf(DenseCrf.Parameters.defaults().withIterations(0)).marginals(2, 2, new float[4], p);
        for (int i = 0; i < 4; i++) assertEquals(p[i], q[i], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> new DenseCrf(DenseCrf.Parameters.defaults()).marginals(2, 2, new float[3], p));
        assertThrows(IllegalArgumentException.class,
                () -> new DenseCrf(DenseCrf.Parameters.defaults()).marginalsFromMask(2, 2, new float[4], new byte[4], 0.5));
    }

    @Test
    void bilateralGridMatchesBruteForce() {
        int w = 40, h = 32;
        Random r = new Random(5);
        float[] guide = new float[w * h], in = new float[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                guide[y * w + x] = (x < 20 ? 60 : 180) + (float) (10 * r.nextGaussian());
                in[y * w + x] = r.nextFloat();
            }
        double sxy = 6, sr = 12;
        float[] fast = new float[w * h];
        new BilateralGrid(w, h, guide, sxy, sr).filter(in, fast);
        double maxErr = 0, meanErr = 0;
        for (int i = 0; i < w * h; i++) {
            double num = 0, den = 0;
            for (int j = 0; j < w * h; j++) {
                double dx = i % w - j % w, dy = i / w - j / w, di = guide[i] - guide[j];
                double k = Math.exp(-(dx * dx + dy * dy) / (2 * sxy * sxy) - di * di / (2 * sr * sr));
                num += k * in[j];
                den += k;
            }
            double err = Math.abs(num / den - fast[i]);
            maxErr = Math.max(maxErr, err);
            meanErr += err / (w * h);
        }
        System.out.printf("bilateral grid vs exact: mean |err| %.4f, max %.4f%n", meanErr, maxErr);
        assertTrue(meanErr < 0.02 && maxErr < 0.08, "grid approximation too far from the exact bilateral filter");
    }

    @Test
    void runtimeFor512Slice() {
        int n = 512;
        Random r = new Random(9);
        float[] img = new float[n * n];
        byte[] mask = new byte[n * n];
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++) {
                boolean in = (x - 250) * (x - 250) + (y - 270) * (y - 270) < 60 * 60;
                img[y * n + x] = (float) Math.min(255, Math.max(0, (in ? BLOOD : BRAIN) + 16 * r.nextGaussian()));
                mask[y * n + x] = (byte) ((x - 256) * (x - 256) + (y - 262) * (y - 262) < 70 * 70 ? 1 : 0);
            }
        DenseCrf crf = new DenseCrf(DenseCrf.Parameters.defaults()); // 5 iterations, bilateral sxy 40 at 512
        crf.refineMask(n, n, img, mask, 0.7); // warm-up (JIT)
        int runs = 3;
        long best = Long.MAX_VALUE;
        for (int k = 0; k < runs; k++) {
            long t0 = System.nanoTime();
            crf.refineMask(n, n, img, mask, 0.7);
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.printf("DenseCrf 512x512, 5 iterations: %.1f ms (best of %d, after warm-up)%n", best / 1e6, runs);
        assertTrue(best < 3_000_000_000L, "far too slow");
    }
}
