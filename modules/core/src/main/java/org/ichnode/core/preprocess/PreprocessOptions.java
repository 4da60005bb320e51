package org.ichnode.core.preprocess;

import org.ichnode.core.volume.HuWindow;

import java.util.List;

/**
 * How a CT slice becomes a model input: one channel per window, resized to {@code size x size}, and optionally the
 * neighbouring slices in the first window (2.5-D input: a radiologist tells a bleed from a vessel or the falx by
 * scrolling, and a classifier that sees one slice cannot).
 *
 * @param size       side of the square model input (384 by default; 128 or 256 in tests)
 * @param windows    one channel per window, in order
 * @param neighbours slices on each side added as channels after the windows, in the first window (0: one slice)
 * @param brainOnly  every channel is 0 (below every window) outside the brain of its slice
 *                   ({@link org.ichnode.core.segmentation.BrainMask}, eroded): the networks see no skull, scalp or skull base
 * @param unetBrainOnly the same for the U-Net's input only ({@link #forUnet()}): the classifiers keep the skull, which
 *                   helps them call a study (docs/model.md), while the U-Net that draws the mask does not see the bright
 *                   rim against the inner table that it otherwise paints as a thin subdural
 */
public record PreprocessOptions(int size, List<HuWindow> windows, int neighbours, boolean brainOnly, boolean unetBrainOnly) {

    public static final int MAX_NEIGHBOURS = 3;

    public PreprocessOptions {
        if (size < 16) throw new IllegalArgumentException("model input too small: " + size);
        windows = List.copyOf(windows);
        if (windows.isEmpty()) throw new IllegalArgumentException("at least one window");
        if (neighbours < 0 || neighbours > MAX_NEIGHBOURS) {
            throw new IllegalArgumentException("neighbouring slices: 0 to " + MAX_NEIGHBOURS + ", not " + neighbours);
        }
    }

    public PreprocessOptions(int size, List<HuWindow> windows, int neighbours, boolean brainOnly) {
        this(size, windows, neighbours, brainOnly, false);
    }

    public PreprocessOptions(int size, List<HuWindow> windows, int neighbours) { this(size, windows, neighbours, false); }

    public PreprocessOptions(int size, List<HuWindow> windows) { this(size, windows, 0); }

    /** The same input with {@code n} neighbouring slices on each side. */
    public PreprocessOptions withNeighbours(int n) { return new PreprocessOptions(size, windows, n, brainOnly, unetBrainOnly); }

    /** The same input, with everything outside the brain blanked or not. */
    public PreprocessOptions withBrainOnly(boolean on) { return new PreprocessOptions(size, windows, neighbours, on, unetBrainOnly); }

    /** The same input, with everything outside the brain blanked for the U-Net or not. */
    public PreprocessOptions withUnetBrainOnly(boolean on) { return new PreprocessOptions(size, windows, neighbours, brainOnly, on); }

    /** What the U-Net sees: these options, blanked outside the brain where either flag says so. */
    public PreprocessOptions forUnet() {
        return unetBrainOnly ? new PreprocessOptions(size, windows, neighbours, true, false) : this;
    }

    /** True when the U-Net's input differs from the classifiers' (each slice is prepared twice). */
    public boolean separateUnetInput() { return unetBrainOnly && !brainOnly; }

    /** 384 x 384, one channel, window 50/130. */
    public static PreprocessOptions defaults() { return single(384); }

    /** One channel, window 50/130. */
    public static PreprocessOptions single(int size) { return new PreprocessOptions(size, List.of(HuWindow.HEMORRHAGE)); }

    /**
     * Three channels: hemorrhage 50/130, subdural 80/200, bone 600/2800 (the usual multi-window input of ICH classifiers,
     * with the hemorrhage window first because the density prior reads HU back from the first channel).
     */
    public static PreprocessOptions multiWindow(int size) {
        return new PreprocessOptions(size, List.of(HuWindow.HEMORRHAGE, HuWindow.SUBDURAL, HuWindow.BONE));
    }

    /** {@code hemorrhage} ({@link #single}) or {@code multi} ({@link #multiWindow}): the names the commands take. */
    public static PreprocessOptions named(String windows, int size) {
        return switch (windows) {
            case "hemorrhage" -> single(size);
            case "multi" -> multiWindow(size);
            default -> throw new IllegalArgumentException("--windows: hemorrhage or multi, not " + windows);
        };
    }

    /** The windows of the slice itself, then slices -n..-1, +1..+n in the first window. */
    public int channels() { return windows.size() + 2 * neighbours; }
}
