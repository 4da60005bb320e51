package org.ichnode.core.segmentation;

import java.util.Arrays;

/** Convex hulls of pixel points (a lesion's or a skull's per-row extremes). */
final class ConvexHull {
    private ConvexHull() {}

    /**
     * Andrew's monotone chain over the points {@code (x[i], y[i])}, {@code i < n}: the indexes of the hull's vertices,
     * counter-clockwise in image coordinates, collinear points dropped; at least one vertex when {@code n >= 1}.
     */
    static int[] of(long[] x, long[] y, int n) {
        if (n == 0) return new int[0];
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> x[a] != x[b] ? Long.compare(x[a], x[b]) : Long.compare(y[a], y[b]));
        int[] hull = new int[2 * n];
        int h = 0;
        for (int t = 0; t < n; t++) {
            int p = idx[t];
            while (h >= 2 && cross(x, y, hull[h - 2], hull[h - 1], p) <= 0) h--;
            hull[h++] = p;
        }
        for (int t = n - 2, lower = h + 1; t >= 0; t--) {
            int p = idx[t];
            while (h >= lower && cross(x, y, hull[h - 2], hull[h - 1], p) <= 0) h--;
            hull[h++] = p;
        }
        return Arrays.copyOf(hull, Math.max(1, h - 1));
    }

    private static long cross(long[] x, long[] y, int o, int a, int b) {
        return (x[a] - x[o]) * (y[b] - y[o]) - (y[a] - y[o]) * (x[b] - x[o]);
    }
}
