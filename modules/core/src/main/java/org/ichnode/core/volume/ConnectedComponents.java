package org.ichnode.core.volume;

import java.util.function.IntPredicate;

/**
 * Connected-component labelling of a mask stored slice-major ({@code (slice * height + row) * width + col}, Volume
 * order); one slice is a mask of one slice. Labels are 1..count in scan order of each component's first voxel;
 * background is 0. The one labeller of the code base: lesions, brain mask, density candidates and metrics use it.
 */
public final class ConnectedComponents {

    /** In-slice (2D, each slice separately) or volumetric (3D) neighbourhoods. */
    public enum Connectivity {
        SLICE_4, SLICE_8, VOLUME_6, VOLUME_26;

        int[][] offsets() {
            java.util.List<int[]> o = new java.util.ArrayList<>();
            boolean volumetric = this == VOLUME_6 || this == VOLUME_26;
            boolean full = this == SLICE_8 || this == VOLUME_26;
            for (int dz = volumetric ? -1 : 0; dz <= (volumetric ? 1 : 0); dz++)
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int manhattan = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
                        if (manhattan == 0) continue;
                        if (!full && manhattan > 1) continue;
                        o.add(new int[] {dx, dy, dz});
                    }
            return o.toArray(new int[0][]);
        }
    }

    private final int[] labels;
    private final int count;

    private ConnectedComponents(int[] labels, int count) { this.labels = labels; this.count = count; }

    public int count() { return count; }

    /** Per-voxel label (0 background). Not copied. */
    public int[] labels() { return labels; }

    /** Voxels per label, index = label (index 0 unused). */
    public int[] sizes() {
        int[] sizes = new int[count + 1];
        for (int l : labels) if (l != 0) sizes[l]++;
        return sizes;
    }

    /** Index of each label's first voxel in scan order, index = label (index 0 unused). */
    public int[] firstVoxels() {
        int[] first = new int[count + 1];
        int seen = 0;
        for (int i = 0; i < labels.length && seen < count; i++) {
            int l = labels[i];
            if (l == seen + 1) { // labels are numbered in the order their first voxel is met
                first[l] = i;
                seen++;
            }
        }
        return first;
    }

    /** Components of the nonzero voxels. */
    public static ConnectedComponents label(byte[] mask, int width, int height, int slices, Connectivity connectivity) {
        if (mask == null) throw new IllegalArgumentException("no mask");
        return label(i -> mask[i] != 0, mask.length, width, height, slices, connectivity);
    }

    /** Components of the true voxels. */
    public static ConnectedComponents label(boolean[] mask, int width, int height, int slices, Connectivity connectivity) {
        if (mask == null) throw new IllegalArgumentException("no mask");
        return label(i -> mask[i], mask.length, width, height, slices, connectivity);
    }

    private static ConnectedComponents label(IntPredicate foreground, int length, int width, int height, int slices, Connectivity connectivity) {
        if ((long) width * height * slices != length || width <= 0 || height <= 0 || slices <= 0) {
            throw new IllegalArgumentException("mask size " + length + " != width*height*slices");
        }
        int[][] off = connectivity.offsets();
        int[] labels = new int[length];
        int[] queue = new int[length];
        int per = width * height, next = 0;
        for (int seed = 0; seed < length; seed++) {
            if (labels[seed] != 0 || !foreground.test(seed)) continue;
            int label = ++next;
            labels[seed] = label;
            int head = 0, tail = 0;
            queue[tail++] = seed;
            while (head < tail) {
                int v = queue[head++];
                int z = v / per, r = v - z * per, y = r / width, x = r - y * width;
                for (int[] d : off) {
                    int nx = x + d[0], ny = y + d[1], nz = z + d[2];
                    if (nx < 0 || ny < 0 || nz < 0 || nx >= width || ny >= height || nz >= slices) continue;
                    int u = (nz * height + ny) * width + nx;
                    if (labels[u] == 0 && foreground.test(u)) { labels[u] = label; queue[tail++] = u; }
                }
            }
        }
        return new ConnectedComponents(labels, next);
    }
}
