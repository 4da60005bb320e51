package org.ichnode.core.segmentation;

import org.ichnode.core.volume.ConnectedComponents;

import java.util.Arrays;

/**
 * 2-D helpers on one slice (row-major, {@code columns x rows}): exact Euclidean distance transform with anisotropic
 * pixel spacing, flood fill from the border, connected components, separable binomial smoothing. Package-private.
 */
final class Morphology {
    private static final double INF = 1e20;

    private Morphology() { }

    /**
     * Squared distance (mm^2) from each pixel centre to the nearest pixel centre where {@code mask[offset + i] != 0}
     * (0 on such pixels; a huge value when there is none). Exact (Felzenszwalb and Huttenlocher, separable).
     */
    static double[] squaredDistanceTo(byte[] mask, int offset, int columns, int rows,
                                      double columnSpacingMm, double rowSpacingMm) {
        int n = columns * rows;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = mask[offset + i] != 0 ? 0 : INF;
        int m = Math.max(columns, rows);
        double[] f = new double[m], out = new double[m], z = new double[m + 1];
        int[] v = new int[m];
        // along each row (distance between columns)
        for (int r = 0; r < rows; r++) {
            int base = r * columns;
            System.arraycopy(d, base, f, 0, columns);
            transform1d(f, columns, columnSpacingMm, out, v, z);
            System.arraycopy(out, 0, d, base, columns);
        }
        // along each column
        for (int c = 0; c < columns; c++) {
            for (int r = 0; r < rows; r++) f[r] = d[r * columns + c];
            transform1d(f, rows, rowSpacingMm, out, v, z);
            for (int r = 0; r < rows; r++) d[r * columns + c] = out[r];
        }
        return d;
    }

    /** 1-D squared distance transform of sampled function f with sample spacing s. */
    private static void transform1d(double[] f, int n, double s, double[] out, int[] v, double[] z) {
        int k = 0;
        int first = -1;
        for (int q = 0; q < n; q++) if (f[q] < INF) { first = q; break; }
        if (first < 0) {
            Arrays.fill(out, 0, n, INF);
            return;
        }
        v[0] = first;
        z[0] = -Double.MAX_VALUE;
        z[1] = Double.MAX_VALUE;
        for (int q = first + 1; q < n; q++) {
            if (f[q] >= INF) continue;
            double xq = q * s;
            double sec;
            while (true) {
                double xv = v[k] * s;
                sec = ((f[q] + xq * xq) - (f[v[k]] + xv * xv)) / (2 * xq - 2 * xv);
                if (sec <= z[k] && k > 0) { k--; continue; }
                break;
            }
            if (sec <= z[k]) {      // k == 0 and the new parabola dominates everywhere
                v[0] = q;
                z[0] = -Double.MAX_VALUE;
                z[1] = Double.MAX_VALUE;
                continue;
            }
            k++;
            v[k] = q;
            z[k] = sec;
            z[k + 1] = Double.MAX_VALUE;
        }
        k = 0;
        for (int q = 0; q < n; q++) {
            double x = q * s;
            while (z[k + 1] < x) k++;
            double dx = x - v[k] * s;
            out[q] = dx * dx + f[v[k]];
        }
    }

    /**
     * Marks (value 1 in the result) the pixels reachable from the image border through pixels where
     * {@code passable[i]} is true, with 4-connectivity.
     */
    static byte[] floodFromBorder(boolean[] passable, int columns, int rows) {
        byte[] seen = new byte[columns * rows];
        int[] stack = new int[columns * rows];
        int sp = 0;
        for (int c = 0; c < columns; c++) {
            sp = push(passable, seen, stack, sp, c);
            sp = push(passable, seen, stack, sp, (rows - 1) * columns + c);
        }
        for (int r = 0; r < rows; r++) {
            sp = push(passable, seen, stack, sp, r * columns);
            sp = push(passable, seen, stack, sp, r * columns + columns - 1);
        }
        while (sp > 0) {
            int i = stack[--sp];
            int r = i / columns, c = i - r * columns;
            if (c > 0) sp = push(passable, seen, stack, sp, i - 1);
            if (c < columns - 1) sp = push(passable, seen, stack, sp, i + 1);
            if (r > 0) sp = push(passable, seen, stack, sp, i - columns);
            if (r < rows - 1) sp = push(passable, seen, stack, sp, i + columns);
        }
        return seen;
    }

    private static int push(boolean[] passable, byte[] seen, int[] stack, int sp, int i) {
        if (passable[i] && seen[i] == 0) {
            seen[i] = 1;
            stack[sp++] = i;
        }
        return sp;
    }

    /**
     * 4-connected components of the pixels where {@code fg[i]} is true. Labels are 1..count in raster order of each
     * component's first pixel; returns the label image and fills {@code areas} (index = label) through the holder.
     */
    static int[] components2d(boolean[] fg, int columns, int rows, int[][] areasOut) {
        ConnectedComponents c = ConnectedComponents.label(fg, columns, rows, 1, ConnectedComponents.Connectivity.SLICE_4);
        areasOut[0] = c.sizes();
        return c.labels();
    }

    /**
     * Separable 1-2-1 binomial smoothing (3x3 kernel 1 2 1 / 2 4 2 / 1 2 1, sum 16) of one slice; HU below
     * {@code floorHu} is read as {@code floorHu} (padding outside the reconstruction circle). Borders replicate.
     */
    static float[] smooth121(short[] hu, int offset, int columns, int rows, int floorHu) {
        int n = columns * rows;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = Math.max(hu[offset + i], floorHu);
        return smooth121(a, columns, rows);
    }

    /** One more 1-2-1 pass over an already floored slice. */
    static float[] smooth121(float[] a, int columns, int rows) {
        int n = columns * rows;
        float[] t = new float[n];
        for (int r = 0; r < rows; r++) {
            int b = r * columns;
            for (int c = 0; c < columns; c++) {
                float l = a[b + Math.max(c - 1, 0)], m = a[b + c], rr = a[b + Math.min(c + 1, columns - 1)];
                t[b + c] = (l + 2 * m + rr) * 0.25f;
            }
        }
        float[] o = new float[n];
        for (int r = 0; r < rows; r++) {
            int up = Math.max(r - 1, 0) * columns, mid = r * columns, dn = Math.min(r + 1, rows - 1) * columns;
            for (int c = 0; c < columns; c++) o[mid + c] = (t[up + c] + 2 * t[mid + c] + t[dn + c]) * 0.25f;
        }
        return o;
    }

    /**
     * Region growing with 8-connectivity: the seeds ({@code seeds[i] != 0}) plus every pixel reachable from them
     * through pixels where {@code passable[i]} is true. Returns 1 on the grown region.
     */
    static byte[] grow8(byte[] seeds, boolean[] passable, int columns, int rows) {
        int n = columns * rows;
        byte[] out = new byte[n];
        int[] stack = new int[n];
        int sp = 0;
        for (int i = 0; i < n; i++) if (seeds[i] != 0) { out[i] = 1; stack[sp++] = i; }
        while (sp > 0) {
            int i = stack[--sp];
            int r = i / columns, c = i - r * columns;
            for (int dr = -1; dr <= 1; dr++) {
                int rr = r + dr;
                if (rr < 0 || rr >= rows) continue;
                for (int dc = -1; dc <= 1; dc++) {
                    int cc = c + dc;
                    if (cc < 0 || cc >= columns || (dr == 0 && dc == 0)) continue;
                    int j = rr * columns + cc;
                    if (out[j] == 0 && passable[j]) { out[j] = 1; stack[sp++] = j; }
                }
            }
        }
        return out;
    }
}
