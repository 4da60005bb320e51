package org.ichnode.training.pseudomask;

import java.util.ArrayList;
import java.util.List;

/**
 * One 8-connected component of {@link DensityPrior} candidate pixels on one slice, with the features that
 * {@link NegativeContrast} compares: what a component looks like, not where a CAM put it.
 *
 * @param slice    slice index in its study
 * @param pixels   pixel indices on the slice ({@code y * width + x})
 * @param features {@link #FEATURES} in that order
 */
public record DensityComponent(int slice, int[] pixels, double[] features) {

    /**
     * log of the pixel count; mean, standard deviation and maximum HU; mean HU of the intracranial non-candidate pixels
     * within {@value #RING} pixels (the surrounding tissue); contrast (mean minus surrounding); share of pixels on the
     * edge of the intracranial mask; share of pixels that are candidates on a neighbouring slice too; relative slice
     * position (0 first, 1 last).
     */
    public static final List<String> FEATURES = List.of("log_pixels", "mean_hu", "sd_hu", "max_hu", "surrounding_hu",
            "contrast_hu", "edge_share", "neighbour_slice_share", "relative_slice");

    static final int RING = 2;

    public int size() { return pixels.length; }

    /**
     * Every candidate component of a study's slices.
     *
     * @param width        columns per slice
     * @param height       rows per slice
     * @param hu           HU per slice
     * @param intracranial intracranial mask per slice (1 = inside)
     */
    public static List<DensityComponent> of(DensityPrior prior, int width, int height, float[][] hu, byte[][] intracranial) {
        int slices = hu.length, n = width * height;
        if (intracranial.length != slices) throw new IllegalArgumentException("one brain mask per slice is needed");
        int[][] labels = new int[slices][];
        for (int k = 0; k < slices; k++) labels[k] = prior.labelComponents(width, height, hu[k], intracranial[k]);
        List<DensityComponent> out = new ArrayList<>();
        int[] stamp = new int[n];
        for (int k = 0; k < slices; k++) {
            int[] label = labels[k];
            int count = 0;
            for (int c : label) count = Math.max(count, c);
            if (count == 0) continue;
            int[] sizes = new int[count + 1];
            for (int c : label) sizes[c]++;
            int[][] members = new int[count + 1][];
            for (int c = 1; c <= count; c++) members[c] = new int[sizes[c]];
            int[] fill = new int[count + 1];
            for (int i = 0; i < n; i++) if (label[i] != 0) members[label[i]][fill[label[i]]++] = i;
            java.util.Arrays.fill(stamp, 0);
            double z = slices > 1 ? k / (double) (slices - 1) : 0.5;
            for (int c = 1; c <= count; c++) {
                int[] px = members[c];
                double sum = 0, sq = 0, max = Double.NEGATIVE_INFINITY, ringSum = 0;
                int edge = 0, neighbour = 0, ring = 0;
                for (int p : px) {
                    double h = hu[k][p];
                    sum += h;
                    sq += h * h;
                    max = Math.max(max, h);
                    int x = p % width, y = p / width;
                    if (x == 0 || y == 0 || x == width - 1 || y == height - 1 || intracranial[k][p - 1] == 0
                            || intracranial[k][p + 1] == 0 || intracranial[k][p - width] == 0 || intracranial[k][p + width] == 0) edge++;
                    if ((k > 0 && labels[k - 1][p] != 0) || (k + 1 < slices && labels[k + 1][p] != 0)) neighbour++;
                    for (int dy = -RING; dy <= RING; dy++) {
                        int yy = y + dy;
                        if (yy < 0 || yy >= height) continue;
                        for (int dx = -RING; dx <= RING; dx++) {
                            int xx = x + dx;
                            if (xx < 0 || xx >= width) continue;
                            int q = yy * width + xx;
                            if (label[q] == 0 && intracranial[k][q] != 0 && stamp[q] != c) {
                                stamp[q] = c;
                                ringSum += hu[k][q];
                                ring++;
                            }
                        }
                    }
                }
                double m = px.length, mean = sum / m;
                double surrounding = ring > 0 ? ringSum / ring : mean;
                out.add(new DensityComponent(k, px, new double[] {
                        Math.log(m), mean, Math.sqrt(Math.max(0, sq / m - mean * mean)), max, surrounding, mean - surrounding,
                        edge / m, neighbour / m, z}));
            }
        }
        return out;
    }
}
