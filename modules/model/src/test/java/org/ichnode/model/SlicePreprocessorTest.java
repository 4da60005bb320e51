package org.ichnode.model;

import org.ichnode.core.preprocess.SlicePreprocessor;
import org.ichnode.core.preprocess.PreprocessOptions;
import org.ichnode.core.preprocess.SliceMapping;
import org.ichnode.core.preprocess.PreparedSlice;

import org.ichnode.core.volume.HuWindow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.testkit.phantom.PhantomGenerator;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomStudy;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;
import org.junit.jupiter.api.Test;

class SlicePreprocessorTest {

    @Test void windowMapsLinearlyAndClips() {
        HuWindow w = HuWindow.HEMORRHAGE;          // -15 .. 115
        assertEquals(0f, w.apply(-1000));
        assertEquals(0f, w.apply(-15));
        assertEquals(0.5f, w.apply(50), 1e-6);
        assertEquals(1f, w.apply(115));
        assertEquals(1f, w.apply(1500));
    }

    @Test void mappingIsExactAndInvertible() {
        SliceMapping m = SliceMapping.fit(100, 80, 64);    // scale 0.64, padded top and bottom
        assertEquals(0.64, m.scale(), 1e-12);
        assertEquals(0.0, m.offsetX(), 1e-12);
        assertEquals((64 - 80 * 0.64) / 2, m.offsetY(), 1e-12);
        for (double t = -0.5; t < 64; t += 3.7) {
            assertEquals(t, m.targetX(m.sourceX(t)), 1e-9);
            assertEquals(t, m.targetY(m.sourceY(t)), 1e-9);
        }
        // the outer edges of the source land on the outer edges of the covered target
        assertEquals(-0.5, m.targetX(-0.5), 1e-9);
        assertEquals(63.5, m.targetX(99.5), 1e-9);
        // a map linear in target x comes back linear in source x
        float[] ramp = new float[64 * 64];
        for (int i = 0; i < ramp.length; i++) ramp[i] = i % 64;
        float[] back = m.toSource(ramp);
        assertEquals(100 * 80, back.length);
        for (int c = 1; c < 99; c += 7) assertEquals(m.targetX(c), back[40 * 100 + c], 1e-4);
    }

    @Test void bright_square_lands_where_the_mapping_says() {
        int cols = 96, rows = 64;
        short[] hu = new short[cols * rows];
        java.util.Arrays.fill(hu, (short) 20);
        for (int r = 30; r < 40; r++) for (int c = 60; c < 70; c++) hu[r * cols + c] = 80;
        Volume v = volume(cols, rows, hu);
        SlicePreprocessor pre = new SlicePreprocessor(PreprocessOptions.single(48));   // scale 0.5
        PreparedSlice p = pre.prepare(v, 0);
        assertEquals(48, p.size());
        SliceMapping m = p.mapping();
        int tx = (int) Math.round(m.targetX(64.5)), ty = (int) Math.round(m.targetY(34.5));
        assertEquals((80 - (-15)) / 130f, p.pixels()[ty * 48 + tx], 1e-3);
        // padding rows above the image are 0, inside the image background is the window value of 20 HU
        assertEquals(0f, p.pixels()[0]);
        assertEquals((20 + 15) / 130f, p.pixels()[24 * 48 + 5], 1e-3);
        // a CAM equal to the image comes back onto the source grid at the right place
        float[] cam = p.pixels().clone();
        float[] back = m.toSource(cam);
        assertTrue(back[35 * cols + 65] > 0.6f);
        assertTrue(back[10 * cols + 10] < 0.3f);
    }

    @Test void phantomSliceMultiWindow() {
        PhantomStudy s = new PhantomGenerator(PhantomOptions.small()).generate(1, 1);
        PreparedSlice p = new SlicePreprocessor(PreprocessOptions.multiWindow(64)).prepare(s.volume(), 6);
        assertEquals(3, p.channels());
        assertEquals(3 * 64 * 64, p.pixels().length);
        for (float f : p.pixels()) assertTrue(f >= 0 && f <= 1);
        PreparedSlice[] all = new SlicePreprocessor(PreprocessOptions.single(128)).prepareAll(s.volume());
        assertEquals(s.volume().slices(), all.length);
        assertEquals(1.0, all[0].mapping().scale(), 1e-12);
    }

    /** brainOnly: outside the brain mask every channel is 0, inside it the input is untouched. */
    @Test void brainOnlyInputBlanksWhatLiesOutsideTheBrain() {
        PhantomStudy s = new PhantomGenerator(PhantomOptions.small()).generate(1, 1);
        int k = 6, per = s.volume().voxelsPerSlice();
        byte[] brain = new org.ichnode.core.segmentation.BrainMask().compute(s.volume()).brain();
        PreprocessOptions plain = PreprocessOptions.multiWindow(128);
        PreparedSlice a = new SlicePreprocessor(plain).prepare(s.volume(), k);
        PreparedSlice b = new SlicePreprocessor(plain.withBrainOnly(true)).prepare(s.volume(), k);
        assertEquals(1.0, a.mapping().scale(), 1e-12);   // 128 x 128: model pixels are source pixels
        int inside = 0, blankedBone = 0;
        for (int ch = 0; ch < 3; ch++) {
            for (int i = 0; i < per; i++) {
                float x = a.pixels()[ch * per + i], y = b.pixels()[ch * per + i];
                if (brain[k * per + i] != 0) {
                    assertEquals(x, y, 1e-6f, "inside, channel " + ch);
                    inside++;
                } else {
                    assertEquals(0f, y, "outside, channel " + ch);
                    if (ch == 2 && x > 0.3f) blankedBone++;
                }
            }
        }
        assertTrue(inside > 3 * per / 10, "the brain is most of a head slice: " + inside);
        assertTrue(blankedBone > 100, "the skull was there in the bone window and is gone: " + blankedBone);
    }

    /**
     * unetBrainOnly: the classifiers' input keeps the skull, the U-Net's is the brain-only one; a brain mask handed in
     * gives exactly what the preprocessor computes itself, and brain-only input without one is refused.
     */
    @Test void theUnetCanHaveABrainOnlyInputOfItsOwn() {
        PhantomStudy s = new PhantomGenerator(PhantomOptions.small()).generate(2, 1);
        int k = 5;
        byte[] brain = new org.ichnode.core.segmentation.BrainMask().compute(s.volume()).brain();
        PreprocessOptions both = PreprocessOptions.multiWindow(128).withUnetBrainOnly(true);
        assertTrue(both.separateUnetInput());
        assertEquals(false, both.brainOnly());
        assertEquals(true, both.forUnet().brainOnly());
        assertEquals(both.channels(), both.forUnet().channels());
        PreprocessOptions plain = PreprocessOptions.multiWindow(128);
        assertEquals(plain, plain.forUnet());
        assertEquals(false, plain.separateUnetInput());
        assertEquals(false, plain.withBrainOnly(true).withUnetBrainOnly(true).separateUnetInput(), "one input serves both");

        float[] classifiers = new SlicePreprocessor(both).prepare(s.volume(), k, brain).pixels();
        assertArrayEquals(new SlicePreprocessor(plain).prepare(s.volume(), k).pixels(), classifiers);
        float[] unet = new SlicePreprocessor(both.forUnet()).prepare(s.volume(), k, brain).pixels();
        assertArrayEquals(new SlicePreprocessor(plain.withBrainOnly(true)).prepare(s.volume(), k).pixels(), unet);
        assertTrue(!java.util.Arrays.equals(classifiers, unet), "the U-Net's input lost the skull");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new SlicePreprocessor(both.forUnet()).prepare(s.volume(), k, null));
        assertTrue(e.getMessage().contains("brain mask"), e.getMessage());
    }

    @Test void neighbouringSlicesFollowTheWindowsInTheFirstWindowRepeatedAtTheEnds() {
        // four slices of 16 x 16, slice k uniformly 10 * k HU
        int n = 16, slices = 4;
        short[] hu = new short[n * n * slices];
        for (int k = 0; k < slices; k++) java.util.Arrays.fill(hu, k * n * n, (k + 1) * n * n, (short) (10 * k));
        List<SliceGeometry> g = new ArrayList<>();
        List<String> uids = new ArrayList<>();
        for (int k = 0; k < slices; k++) {
            g.add(new SliceGeometry(new Vec3(0, 0, 5.0 * k), new Vec3(1, 0, 0), new Vec3(0, 1, 0), 1.0, 1.0));
            uids.add("1.2.3." + k);
        }
        Volume v = new Volume(n, n, hu, g, uids, "1.2");
        PreprocessOptions o = PreprocessOptions.multiWindow(n).withNeighbours(2);
        assertEquals(3 + 4, o.channels());
        HuWindow first = o.windows().get(0);
        int[][] expected = {{0, 0, 1, 2}, {0, 0, 2, 3}, {0, 1, 3, 3}, {1, 2, 3, 3}};   // -2, -1, +1, +2 clamped
        for (int k = 0; k < slices; k++) {
            PreparedSlice p = new SlicePreprocessor(o).prepare(v, k);
            assertEquals(7, p.channels());
            for (int ch = 0; ch < 3; ch++) assertEquals(o.windows().get(ch).apply(10 * k), p.pixels()[ch * n * n + 40], 1e-6);
            for (int j = 0; j < 4; j++) {
                assertEquals(first.apply(10 * expected[k][j]), p.pixels()[(3 + j) * n * n + 40], 1e-6, "slice " + k + " neighbour " + j);
            }
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> PreprocessOptions.single(64).withNeighbours(4));
    }

    private static Volume volume(int cols, int rows, short[] hu) {
        List<SliceGeometry> g = new ArrayList<>();
        g.add(new SliceGeometry(new Vec3(0, 0, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), 1.0, 1.0));
        return new Volume(cols, rows, hu, g, List.of("1.2.3"), "1.2");
    }
}
