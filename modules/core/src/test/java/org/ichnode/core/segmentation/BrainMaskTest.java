package org.ichnode.core.segmentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Skull stripping on the synthetic head ({@link SyntheticHead}: skull ring 40..45 mm from the centre, 1 mm pixels). */
class BrainMaskTest {

    private static final double INSIDE_RING = Math.PI * 40 * 40;

    @Test
    void aClosedRingEnclosesTheBrainWithoutClosing() {
        BrainMask.Result r = new BrainMask().compute(SyntheticHead.uniform(1, 5).volume());
        assertEquals(0.0, r.closingMm()[0]);
        assertEquals(INSIDE_RING, count(r.intracranial()), INSIDE_RING * 0.03);
    }

    /**
     * A quarter of the ring missing (an open fontanelle, a craniectomy: 56 mm of open skull, far beyond the 8 mm
     * closing): the soft tissue inside the convex hull of the remaining bone is the intracranial region.
     */
    @Test
    void aSkullOpenOverAQuarterTakesTheConvexHullOfItsBone() {
        SyntheticHead head = SyntheticHead.uniform(1, 5);
        removeBone(head, -45, 45);
        BrainMask.Result r = new BrainMask().compute(head.volume());
        assertEquals(Double.POSITIVE_INFINITY, r.closingMm()[0]);
        double found = count(r.intracranial());
        // the hull cuts the open quarter along its chord: the circle minus a segment of 90 degrees (0.285 r^2)
        double expected = INSIDE_RING - 0.285 * 40 * 40;
        assertEquals(expected, found, expected * 0.06, "intracranial pixels");
        assertTrue(count(r.brain()) < found, "eroded");
        // nothing beyond the bone is taken, not the scalp over the gap either
        byte[] m = r.intracranial();
        for (int row = 0; row < SyntheticHead.N; row++) {
            for (int c = 0; c < SyntheticHead.N; c++) {
                if (m[row * SyntheticHead.N + c] != 0) assertTrue(Math.hypot(c - 47.5, row - 47.5) < 45, "pixel " + c + "," + row);
            }
        }
    }

    /** Bone in only half of the directions (a jaw and a spine in a neck slice, say) is no cranium: nothing is taken. */
    @Test
    void boneOnOneSideOnlyIsNoCranium() {
        SyntheticHead head = SyntheticHead.uniform(1, 5);
        removeBone(head, -90, 90);
        BrainMask.Result r = new BrainMask().compute(head.volume());
        assertTrue(Double.isNaN(r.closingMm()[0]), "closing " + r.closingMm()[0]);
        assertEquals(0, count(r.intracranial()));
    }

    /** Fat and air inside the hull (a face, a neck) is no brain: nothing is taken. */
    @Test
    void fatInsideTheHullIsNoBrain() {
        SyntheticHead head = SyntheticHead.uniform(1, 5);
        removeBone(head, -45, 45);
        for (int i = 0; i < head.hu.length; i++) if (head.hu[i] == 30 && (i % SyntheticHead.N) % 3 == 0) head.hu[i] = -90;
        BrainMask.Result r = new BrainMask().compute(head.volume());
        assertEquals(0, count(r.intracranial()));
    }

    /** Bone pixels at angles from..to degrees (0 = +x, image rows downwards) become brain (30 HU). */
    private static void removeBone(SyntheticHead head, double fromDegrees, double toDegrees) {
        for (int row = 0; row < SyntheticHead.N; row++) {
            for (int c = 0; c < SyntheticHead.N; c++) {
                double angle = Math.toDegrees(Math.atan2(row - 47.5, c - 47.5));
                double d = Math.hypot(c - 47.5, row - 47.5);
                if (d >= 40 && d < 45 && angle >= fromDegrees && angle <= toDegrees) head.hu[row * SyntheticHead.N + c] = 30;
            }
        }
    }

    private static int count(byte[] m) {
        int n = 0;
        for (byte b : m) n += b;
        return n;
    }
}
