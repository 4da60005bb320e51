package org.ichnode.training.pseudomask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DensityPriorTest {
    private static final int W = 64, H = 64;

    /** Brain at 30 HU with noise, skull outside a circle, one lesion disc, one calcification with its rim. */
    private static float[] image(byte[] intracranial, byte[] lesion) {
        float[] hu = new float[W * H];
        Random r = new Random(3);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int i = y * W + x;
                boolean inside = (x - 32) * (x - 32) + (y - 32) * (y - 32) < 28 * 28;
                intracranial[i] = (byte) (inside ? 1 : 0);
                hu[i] = inside ? 30 + (float) r.nextGaussian() * 3 : 1000;
                if ((x - 22) * (x - 22) + (y - 30) * (y - 30) <= 36) { hu[i] = 70; lesion[i] = 1; }
                int dc = (x - 44) * (x - 44) + (y - 40) * (y - 40);
                if (dc <= 2) hu[i] = 250;            // calcification
                else if (dc <= 5) hu[i] = 60;         // its partial-volume rim, blood density
            }
        }
        return hu;
    }

    @Test
    void keepsTheWholeLesionTheCamTouchesAndDropsTheSpill() {
        byte[] ic = new byte[W * H], lesion = new byte[W * H];
        float[] hu = image(ic, lesion);
        // a CAM-like blob: offset from the lesion, covering about a third of it and much brain around it
        byte[] cam = new byte[W * H];
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) {
            if ((x - 28) * (x - 28) + (y - 30) * (y - 30) <= 64) cam[y * W + x] = 1;
        }
        byte[] out = DensityPrior.defaults().refine(W, H, hu, ic, cam);
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 1 && lesion[i] == 1) tp++;
            else if (out[i] == 1) fp++;
            else if (lesion[i] == 1) fn++;
        }
        assertEquals(0, fn, "the lesion is kept whole");
        assertEquals(0, fp, "brain under the CAM is dropped");
        assertTrue(tp > 100);
    }

    @Test
    void calcificationRimIsNoCandidateAndUntouchedLesionsAreDropped() {
        byte[] ic = new byte[W * H], lesion = new byte[W * H];
        float[] hu = image(ic, lesion);
        byte[] cam = new byte[W * H];
        for (int y = 36; y <= 44; y++) for (int x = 40; x <= 48; x++) cam[y * W + x] = 1; // over the calcification only
        byte[] out = DensityPrior.defaults().refine(W, H, hu, ic, cam);
        for (byte b : out) assertEquals(0, b, "neither the rim nor the lesion the CAM missed");
        assertEquals(0, sum(DensityPrior.defaults().refine(W, H, hu, ic, new byte[W * H])), "empty mask stays empty");
    }

    @Test
    void componentsBelowTheMinimumSizeAreDropped() {
        byte[] ic = new byte[W * H];
        float[] hu = new float[W * H];
        for (int i = 0; i < ic.length; i++) { ic[i] = 1; hu[i] = 30; }
        hu[10 * W + 10] = 70;
        hu[10 * W + 11] = 70; // a 2-pixel speck of blood density
        byte[] mask = new byte[W * H];
        mask[10 * W + 10] = 1;
        assertEquals(2, sum(new DensityPrior(48, 90, 100, 1, 1, 1, true, 44).refine(W, H, hu, ic, mask)));
        assertEquals(0, sum(new DensityPrior(48, 90, 100, 1, 1, 3, true, 44).refine(W, H, hu, ic, mask)));
    }

    /**
     * A lesion at 70 HU with a core above the candidate window (95 HU: no candidate) and a partial-volume rim at 45 HU:
     * the kept ring grows over the core and takes the rim, but not the brain beyond it, nor a separate dense spot.
     */
    @Test
    void keptComponentsGrowOverTheirDenseCoreAndRimOnly() {
        byte[] ic = new byte[W * H];
        float[] hu = new float[W * H];
        byte[] truth = new byte[W * H];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int i = y * W + x, d2 = (x - 30) * (x - 30) + (y - 30) * (y - 30);
                ic[i] = 1;
                hu[i] = 30;
                if (d2 <= 9) hu[i] = 95;              // core, above maxHu
                else if (d2 <= 36) hu[i] = 70;        // the candidate ring
                else if (d2 <= 49) hu[i] = 45;        // partial-volume rim
                if (d2 <= 49) truth[i] = 1;
                if ((x - 10) * (x - 10) + (y - 10) * (y - 10) <= 4) hu[i] = 70;   // another blood spot, not kept
            }
        }
        byte[] ring = new byte[W * H];
        for (int i = 0; i < ring.length; i++) if (hu[i] == 70 && truth[i] == 1) ring[i] = 1;
        byte[] grown = DensityPrior.defaults().grow(W, H, hu, ic, ring);
        for (int i = 0; i < grown.length; i++) {
            int x = i % W, y = i / W, d2 = (x - 30) * (x - 30) + (y - 30) * (y - 30);
            if (d2 <= 36) assertEquals(1, grown[i], "core and ring at " + x + "," + y);
            if (truth[i] == 0) assertEquals(0, grown[i], "nothing outside the lesion at " + x + "," + y);
        }
        // the rim is one pixel deep here, so the 4-neighbour step takes most of it (diagonal corners excepted)
        int rim = 0, rimGrown = 0;
        for (int i = 0; i < grown.length; i++) if (hu[i] == 45) { rim++; if (grown[i] == 1) rimGrown++; }
        assertTrue(rimGrown >= 0.6 * rim, rimGrown + " of " + rim + " rim pixels");
        assertEquals(sum(ring) + 0, sum(DensityPrior.defaults().withoutGrowth().refine(W, H, hu, ic, ring)), "without growth the ring alone");
    }

    @Test
    void validatesItsSettings() {
        assertThrows(IllegalArgumentException.class, () -> new DensityPrior(90, 50, 100, 1, 1, 1, true, 44));
        assertThrows(IllegalArgumentException.class, () -> new DensityPrior(50, 90, 80, 1, 1, 1, true, 44));
        assertThrows(IllegalArgumentException.class, () -> new DensityPrior(48, 90, 100, 1, 1, 1, true, 50));
        assertThrows(IllegalArgumentException.class, () -> DensityPrior.defaults().refine(W, H, new float[3], new byte[W * H], new byte[W * H]));
    }

    private static int sum(byte[] m) {
        int s = 0;
        for (byte b : m) s += b;
        return s;
    }
}
