package org.ichnode.core.preprocess;

import org.ichnode.core.volume.HuWindow;

import org.ichnode.core.segmentation.BrainMask;
import org.ichnode.core.volume.Volume;

/**
 * Step 1 of the pipeline. Input: a {@link Volume} slice in HU. Output: a {@link PreparedSlice}: each window of
 * {@link PreprocessOptions} applied to the HU values (clipped to 0..1), resampled bilinearly to
 * {@code size x size} keeping the aspect ratio (centred, padded with 0 = below every window), plus the
 * {@link SliceMapping} that maps any model-space map back to the slice grid.
 *
 * <p>With {@link PreprocessOptions#neighbours()} n, channels after the windows hold slices {@code slice-n .. slice-1,
 * slice+1 .. slice+n} in the first window; beyond the first or last slice the nearest slice is repeated.
 *
 * <p>With {@link PreprocessOptions#brainOnly()} each channel is 0 outside the brain of the slice it shows
 * ({@link BrainMask} after its 2 mm erosion: without the bone beside it, the dense partial-volume rim against the inner
 * table looks like a thin subdural; the price is that the outer 2 mm of blood against the inner table is hidden too).
 * {@link #prepareAll} computes the mask once per volume; a caller preparing slices one by one hands it in
 * ({@link #prepare(Volume, int, byte[])}), as {@link #prepare(Volume, int)} computes it on every call.
 *
 * <p>Windowing happens on the source grid before resampling, as a radiologist's display would; downsampling by more
 * than 2x averages a box of source pixels first (anti-aliasing) so thin bright structures are not skipped.
 */
public final class SlicePreprocessor {
    private final PreprocessOptions options;

    public SlicePreprocessor(PreprocessOptions options) { this.options = options; }

    public PreprocessOptions options() { return options; }

    public PreparedSlice prepare(Volume volume, int slice) {
        return prepare(volume, slice, brainIfNeeded(volume));
    }

    /**
     * As {@link #prepare(Volume, int)} with the volume's brain mask ({@link BrainMask.Result#brain()}) already at hand;
     * it is read only with {@link PreprocessOptions#brainOnly()}.
     */
    public PreparedSlice prepare(Volume volume, int slice, byte[] brain) {
        if (options.brainOnly() && (brain == null || brain.length != volume.hu().length)) {
            throw new IllegalArgumentException("brain-only input needs the volume's brain mask");
        }
        if (slice < 0 || slice >= volume.slices()) throw new IndexOutOfBoundsException("slice " + slice + " of " + volume.slices());
        int cols = volume.columns(), rows = volume.rows();
        short[] hu = volume.hu();
        int base = slice * cols * rows;
        SliceMapping m = SliceMapping.fit(cols, rows, options.size());
        int size = m.size();
        int nc = options.channels(), nw = options.windows().size(), n = options.neighbours();
        float[] out = new float[nc * size * size];
        float[] windowed = new float[cols * rows];
        byte[] keep = options.brainOnly() ? brain : null;
        for (int ch = 0; ch < nc; ch++) {
            HuWindow w = options.windows().get(ch < nw ? ch : 0);
            int from = ch < nw ? base : neighbour(slice, ch - nw, n, volume.slices()) * cols * rows;
            for (int i = 0; i < windowed.length; i++) windowed[i] = keep != null && keep[from + i] == 0 ? 0f : w.apply(hu[from + i]);
            float[] src = m.scale() < 0.5 ? boxFilter(windowed, cols, rows, (int) Math.floor(1 / m.scale())) : windowed;
            int o = ch * size * size;
            for (int ty = 0; ty < size; ty++) {
                double sy = m.sourceY(ty);
                for (int tx = 0; tx < size; tx++) {
                    out[o + ty * size + tx] = Resample.bilinear(src, cols, rows, m.sourceX(tx), sy, 0f);
                }
            }
        }
        return new PreparedSlice(out, nc, m, slice);
    }

    /** The volume's brain mask where the options blank outside it, else null. */
    private byte[] brainIfNeeded(Volume volume) {
        return options.brainOnly() ? new BrainMask().compute(volume).brain() : null;
    }

    /** The slice that neighbour channel {@code j} (0..2n-1: -n..-1, +1..+n) shows, clamped to the volume. */
    static int neighbour(int slice, int j, int n, int slices) {
        int offset = j < n ? j - n : j - n + 1;
        return Math.max(0, Math.min(slices - 1, slice + offset));
    }

    /** Every slice of the volume, in order. */
    public PreparedSlice[] prepareAll(Volume volume) {
        PreparedSlice[] all = new PreparedSlice[volume.slices()];
        byte[] brain = brainIfNeeded(volume);
        for (int k = 0; k < all.length; k++) all[k] = prepare(volume, k, brain);
        return all;
    }

    /** Centred box mean of side {@code k} (clamped at the borders). */
    private static float[] boxFilter(float[] in, int w, int h, int k) {
        if (k <= 1) return in;
        int lo = -(k - 1) / 2, hi = k / 2;
        float[] tmp = new float[in.length], out = new float[in.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0; int n = 0;
                for (int d = lo; d <= hi; d++) { int xx = x + d; if (xx >= 0 && xx < w) { s += in[y * w + xx]; n++; } }
                tmp[y * w + x] = (float) (s / n);
            }
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0; int n = 0;
                for (int d = lo; d <= hi; d++) { int yy = y + d; if (yy >= 0 && yy < h) { s += tmp[yy * w + x]; n++; } }
                out[y * w + x] = (float) (s / n);
            }
        }
        return out;
    }
}
