package org.ichnode.training.pseudomask;

/**
 * Normalised bilateral filter of a 2D slice with a scalar guide (intensity), computed on a downsampled 3D bilateral
 * grid (x, y, intensity) as in Paris &amp; Durand (2006) / Chen et al. (2007):
 * <pre>
 *   out_i = sum_j k_ij in_j / sum_j k_ij,   k_ij = exp(-|p_i - p_j|^2 / (2 sxy^2) - (I_i - I_j)^2 / (2 sr^2))
 * </pre>
 * The grid has cells of {@code sxy / 2} pixels and {@code sr / 2} intensity units (2 cells per sigma). Values are
 * splatted with trilinear weights, blurred with a separable Gaussian of {@code sqrt(4 - 1/3)} cells per axis
 * (the two linear-interpolation passes add variance 1/6 cell^2 each, so the overall kernel has standard deviation
 * ~2 cells = sigma), then sliced back with trilinear weights. Cost O(pixels) + O(grid cells), independent of sigma.
 * For a 2-D position + 1-D intensity feature space (d = 3) this is as accurate as, and simpler than, a permutohedral
 * lattice. Package-private helper of {@link DenseCrf}.
 */
final class BilateralGrid {
    static final int CELLS_PER_SIGMA = 2;
    private static final long MAX_CELLS = 32L << 20;

    private final int width;
    private final int height;
    private final int nx, ny, nz;
    private final int[] colCell;
    private final float[] colFrac;
    private final int[] rowCell;
    private final float[] rowFrac;
    private final int[] zCell;
    private final float[] zFrac;
    private final float[] kernel;
    private final float[] grid;
    private final float[] gridTmp;
    private final float[] norm;

    BilateralGrid(int width, int height, float[] guide, double sxy, double sr) {
        if (!(sxy > 0) || !(sr > 0)) throw new IllegalArgumentException("bilateral sigmas must be > 0");
        if (guide.length != width * height) throw new IllegalArgumentException("guide size != width*height");
        this.width = width;
        this.height = height;
        double cellXy = sxy / CELLS_PER_SIGMA, cellZ = sr / CELLS_PER_SIGMA;
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (float v : guide) {
            if (!Float.isFinite(v)) throw new IllegalArgumentException("guide contains a non-finite value");
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        nx = (int) Math.floor((width - 1) / cellXy) + 2;
        ny = (int) Math.floor((height - 1) / cellXy) + 2;
        nz = (int) Math.floor((hi - lo) / cellZ) + 2;
        if ((long) nx * ny * nz > MAX_CELLS) {
            throw new IllegalArgumentException("bilateral grid too fine: " + nx + "x" + ny + "x" + nz + " cells");
        }
        colCell = new int[width];
        colFrac = new float[width];
        cellsOf(width, cellXy, nx, colCell, colFrac);
        rowCell = new int[height];
        rowFrac = new float[height];
        cellsOf(height, cellXy, ny, rowCell, rowFrac);
        zCell = new int[width * height];
        zFrac = new float[width * height];
        for (int i = 0; i < guide.length; i++) {
            double g = (guide[i] - lo) / cellZ;
            int c = Math.min((int) Math.floor(g), nz - 2);
            zCell[i] = c;
            zFrac[i] = (float) (g - c);
        }
        double blurSigma = Math.sqrt(CELLS_PER_SIGMA * CELLS_PER_SIGMA - 1.0 / 3.0);
        kernel = GaussianBlur.kernel(blurSigma);
        grid = new float[nx * ny * nz];
        gridTmp = new float[grid.length];
        float[] ones = new float[width * height];
        java.util.Arrays.fill(ones, 1f);
        norm = new float[width * height];
        filterUnnormalised(ones, norm);
        for (int i = 0; i < norm.length; i++) norm[i] = 1f / Math.max(norm[i], 1e-20f);
    }

    int cells() { return grid.length; }

    /** out_i = sum_j k_ij in_j / sum_j k_ij. */
    void filter(float[] in, float[] out) {
        filterUnnormalised(in, out);
        for (int i = 0; i < out.length; i++) out[i] *= norm[i];
    }

    // grid index = (y * nx + x) * nz + z
    private void filterUnnormalised(float[] in, float[] out) {
        float[] g = grid;
        java.util.Arrays.fill(g, 0f);
        int sx = nz, sy = nx * nz;
        for (int y = 0; y < height; y++) {
            int by = rowCell[y] * sy;
            float fy = rowFrac[y], gy = 1 - fy;
            int row = y * width;
            for (int x = 0; x < width; x++) {
                int i = row + x;
                float v = in[i];
                int b = by + colCell[x] * sx + zCell[i];
                float fx = colFrac[x], gx = 1 - fx, fz = zFrac[i], gz = 1 - fz;
                float w00 = gy * gx * v, w01 = gy * fx * v, w10 = fy * gx * v, w11 = fy * fx * v;
                g[b] += w00 * gz;            g[b + 1] += w00 * fz;
                g[b + sx] += w01 * gz;       g[b + sx + 1] += w01 * fz;
                g[b + sy] += w10 * gz;       g[b + sy + 1] += w10 * fz;
                g[b + sy + sx] += w11 * gz;  g[b + sy + sx + 1] += w11 * fz;
            }
        }
        blurAxis(g, gridTmp, 1, nz);      // intensity
        blurAxis(gridTmp, g, sx, nx);    // x
        blurAxis(g, gridTmp, sy, ny);    // y
        float[] b2 = gridTmp;
        for (int y = 0; y < height; y++) {
            int by = rowCell[y] * sy;
            float fy = rowFrac[y], gy = 1 - fy;
            int row = y * width;
            for (int x = 0; x < width; x++) {
                int i = row + x;
                int b = by + colCell[x] * sx + zCell[i];
                float fx = colFrac[x], gx = 1 - fx, fz = zFrac[i], gz = 1 - fz;
                float v = gy * (gx * (gz * b2[b] + fz * b2[b + 1]) + fx * (gz * b2[b + sx] + fz * b2[b + sx + 1]))
                        + fy * (gx * (gz * b2[b + sy] + fz * b2[b + sy + 1])
                        + fx * (gz * b2[b + sy + sx] + fz * b2[b + sy + sx + 1]));
                out[i] = v;
            }
        }
    }

    /**
     * Blurs {@code src} into {@code dst} along one grid axis (given by its stride and length); every cell whose
     * coordinate on that axis is 0 starts a line. Cells outside the grid count as zero.
     */
    private void blurAxis(float[] src, float[] dst, int stride, int length) {
        int r = kernel.length / 2;
        float[] k = kernel;
        int total = src.length;
        for (int start = 0; start < total; start++) {
            int coord = (start / stride) % length;
            if (coord != 0) continue;
            for (int c = 0; c < length; c++) {
                int lo = Math.max(-r, -c), hi = Math.min(r, length - 1 - c);
                float s = 0;
                int base = start + c * stride;
                for (int d = lo; d <= hi; d++) s += k[d + r] * src[base + d * stride];
                dst[base] = s;
            }
        }
    }

    /** For each pixel along one axis: the grid cell below it and the fraction of the way to the next. */
    private static void cellsOf(int pixels, double cellSize, int cells, int[] cell, float[] frac) {
        for (int x = 0; x < pixels; x++) {
            double g = x / cellSize;
            int c = Math.min((int) Math.floor(g), cells - 2);
            cell[x] = c;
            frac[x] = (float) (g - c);
        }
    }
}
