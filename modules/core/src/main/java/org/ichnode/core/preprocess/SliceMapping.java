package org.ichnode.core.preprocess;

/**
 * The exact geometric relation between a source slice ({@code sourceColumns x sourceRows}, the Volume's grid) and the
 * square model input ({@code size x size}). The source is scaled uniformly by {@link #scale()} (aspect ratio kept) and
 * centred; the rest is padding. Pixel centres map as
 * {@code targetX + 0.5 = scale * (sourceX + 0.5) + offsetX} (same for y), i.e. continuous coordinates where the edges
 * of pixel 0 lie at 0 and 1.
 *
 * @param sourceColumns columns of the source slice
 * @param sourceRows    rows of the source slice
 * @param size          side of the square model input
 * @param scale         target pixels per source pixel
 * @param offsetX       left padding in target pixels (may be fractional)
 * @param offsetY       top padding in target pixels
 */
public record SliceMapping(int sourceColumns, int sourceRows, int size, double scale, double offsetX, double offsetY) {

    /** Fits a {@code columns x rows} slice into {@code size x size}, longer side filling it, centred. */
    public static SliceMapping fit(int columns, int rows, int size) {
        double s = (double) size / Math.max(columns, rows);
        return new SliceMapping(columns, rows, size, s, (size - columns * s) / 2, (size - rows * s) / 2);
    }

    /** Continuous target x of the centre of source column {@code sourceX} (pixel-centre index, may be fractional). */
    public double targetX(double sourceX) { return scale * (sourceX + 0.5) + offsetX - 0.5; }
    public double targetY(double sourceY) { return scale * (sourceY + 0.5) + offsetY - 0.5; }
    /** Inverse of {@link #targetX}: pixel-centre index in the source. */
    public double sourceX(double targetX) { return (targetX + 0.5 - offsetX) / scale - 0.5; }
    public double sourceY(double targetY) { return (targetY + 0.5 - offsetY) / scale - 0.5; }

    /**
     * Resamples a {@code size x size} map in model space (e.g. a CAM) back onto the source slice grid, bilinearly at
     * each source pixel centre; row-major {@code sourceRows x sourceColumns}.
     */
    public float[] toSource(float[] target) {
        if (target.length != size * size) throw new IllegalArgumentException("expected " + size + "x" + size + " map, got " + target.length);
        float[] out = new float[sourceColumns * sourceRows];
        for (int r = 0; r < sourceRows; r++) {
            double ty = targetY(r);
            for (int c = 0; c < sourceColumns; c++) {
                out[r * sourceColumns + c] = Resample.bilinear(target, size, size, targetX(c), ty, 0f);
            }
        }
        return out;
    }
}
