package org.ichnode.core.pseudomask;

import org.ichnode.core.volume.Volume;

/**
 * Linear CT window to 0..255: {@code v = clamp((HU - (center - width/2)) / width, 0, 1) * 255}. The CRF's bilateral
 * intensity sigma ({@code srgb}) is expressed in these units (brain window 40/80: 1 unit = 0.31 HU).
 */
public final class IntensityWindow {
    public static final double BRAIN_CENTER = 40;
    public static final double BRAIN_WIDTH = 80;

    private IntensityWindow() {}

    public static float[] apply(short[] hu, int offset, int count, double center, double width) {
        if (!(width > 0)) throw new IllegalArgumentException("window width must be > 0");
        float[] out = new float[count];
        double lo = center - width / 2;
        for (int i = 0; i < count; i++) {
            double t = (hu[offset + i] - lo) / width;
            out[i] = (float) (Math.min(1, Math.max(0, t)) * 255.0);
        }
        return out;
    }

    /** Every slice of the volume, windowed: {@code float[slices][rows*columns]}. */
    public static float[][] slices(Volume volume, double center, double width) {
        int per = volume.voxelsPerSlice();
        float[][] out = new float[volume.slices()][];
        for (int s = 0; s < out.length; s++) out[s] = apply(volume.hu(), s * per, per, center, width);
        return out;
    }

    /** Brain window 40/80. */
    public static float[][] brain(Volume volume) { return slices(volume, BRAIN_CENTER, BRAIN_WIDTH); }
}
