package org.ichnode.core.metrics;

/**
 * Connected-component labelling of a binary mask stored slice-major ({@code (slice * height + row) * width + col},
 * Volume order). Labels are 1..count in scan order of each component's first voxel; background is 0.
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

    public static ConnectedComponents label(byte[] mask, int width, int height, int slices, Connectivity connectivity) {
        if (mask == null || (long) width * height * slices != mask.length || width <= 0 || height <= 0 || slices <= 0) {
            throw new IllegalArgumentException("mask size != width*height*slices");
        }
        int[][] off = connectivity.offsets();
        int[] labels = new int[mask.length];
        int[] queue = new int[mask.length];
        int per = width * height, next = 0;
        for (int seed = 0; seed < mask.length; seed++) {
            if (mask[seed] == 0 || labels[seed] != 0) continue;
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
                    if (mask[u] != 0 && labels[u] == 0) { labels[u] = label; queue[tail++] = u; }
                }
            }
        }
        return new ConnectedComponents(labels, next);
    }
}
