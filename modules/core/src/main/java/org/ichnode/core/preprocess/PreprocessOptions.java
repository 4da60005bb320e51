package org.ichnode.core.preprocess;

import org.ichnode.core.volume.HuWindow;

import java.util.List;

/**
 * How a CT slice becomes a model input: one channel per window, resized to {@code size x size}.
 *
 * @param size    side of the square model input (384 by default; 128 or 256 in tests)
 * @param windows one channel per window, in order
 */
public record PreprocessOptions(int size, List<HuWindow> windows) {

    public PreprocessOptions {
        if (size < 16) throw new IllegalArgumentException("model input too small: " + size);
        windows = List.copyOf(windows);
        if (windows.isEmpty()) throw new IllegalArgumentException("at least one window");
    }

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

    public int channels() { return windows.size(); }
}
