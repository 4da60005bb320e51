package org.ichnode.training.data;

import org.ichnode.core.volume.HuWindow;

/**
 * HU rebuilt from 8-bit renderings of the same slice in two windows: a narrow one (fine steps, saturates outside its
 * range) and a wide one (coarse steps, covers bone and air).
 */
final class WindowedHu {
    /** Grey levels this close to 0 or 255 count as saturated: JPEG ringing moves a saturated edge by a few levels. */
    static final int SATURATION_MARGIN = 2;

    private WindowedHu() {}

    /** HU of grey level {@code g} (0..255) rendered in {@code w}: 0 is the window's lower end, 255 its upper end. */
    static double hu(int g, HuWindow w) { return w.lower() + g * w.width() / 255.0; }

    /**
     * Per pixel the narrow window's HU where it is not saturated and the wide window does not put the pixel well
     * outside the narrow range (JPEG ringing at a bone edge would otherwise pass for tissue), the wide window's HU
     * elsewhere. "Well outside" is 4 wide steps (50 HU for a width of 3200): the two renderings of a slice are not
     * always consistent (one CT-ICH patient's bone window reads brain about 80 HU lower than its brain window).
     */
    static float[] combine(int[] narrowGrey, int[] wideGrey, HuWindow narrow, HuWindow wide) {
        if (narrowGrey.length != wideGrey.length) throw new IllegalArgumentException("the two renderings differ in size");
        double tolerance = 4 * wide.width() / 255.0;
        double low = narrow.lower() - tolerance, high = narrow.lower() + narrow.width() + tolerance;
        float[] out = new float[narrowGrey.length];
        for (int i = 0; i < out.length; i++) {
            int g = narrowGrey[i];
            double coarse = hu(wideGrey[i], wide);
            boolean inRange = g >= SATURATION_MARGIN && g <= 255 - SATURATION_MARGIN && coarse >= low && coarse <= high;
            out[i] = (float) (inRange ? hu(g, narrow) : coarse);
        }
        return out;
    }
}
