package org.ichnode.core.volume;

/**
 * A CT display window in Hounsfield units, mapped linearly to 0..1 and clipped: {@code (hu - (level - width/2)) / width}.
 *
 * @param level window centre in HU
 * @param width window width in HU (positive)
 */
public record HuWindow(double level, double width) {

    public HuWindow {
        if (!(width > 0)) throw new IllegalArgumentException("window width must be positive: " + width);
    }

    /** Level 50 / width 130 (-15 .. 115 HU): blood stands out against brain; the default single channel. */
    public static final HuWindow HEMORRHAGE = new HuWindow(50, 130);
    /** Brain 40 / 80. */
    public static final HuWindow BRAIN = new HuWindow(40, 80);
    /** Subdural 80 / 200. */
    public static final HuWindow SUBDURAL = new HuWindow(80, 200);
    /** Bone 600 / 2800. */
    public static final HuWindow BONE = new HuWindow(600, 2800);

    public double lower() { return level - width / 2; }

    public float apply(double hu) {
        double v = (hu - lower()) / width;
        return (float) (v < 0 ? 0 : v > 1 ? 1 : v);
    }

    /**
     * {@code count} voxels from {@code offset} windowed to 0..255: the units of the dense CRF's bilateral intensity
     * sigma (brain window 40/80: 1 unit = 0.31 HU).
     */
    public float[] grey255(short[] hu, int offset, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) out[i] = apply(hu[offset + i]) * 255f;
        return out;
    }

    /** Every slice of {@code volume} windowed to 0..255 ({@link #grey255}): {@code float[slices][rows*columns]}. */
    public float[][] grey255(Volume volume) {
        int per = volume.voxelsPerSlice();
        float[][] out = new float[volume.slices()][];
        for (int k = 0; k < out.length; k++) out[k] = grey255(volume.hu(), k * per, per);
        return out;
    }
}
