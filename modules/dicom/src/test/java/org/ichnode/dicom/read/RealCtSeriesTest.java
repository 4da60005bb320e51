package org.ichnode.dicom.read;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ichnode.core.volume.AssemblyDiagnostics;
import org.ichnode.core.volume.AssemblyResult;
import org.ichnode.core.volume.HuStatistics;
import org.ichnode.core.volume.Volume;
import org.junit.jupiter.api.Test;

/** Assembles the two real head CT series from ../shared/data/real-ct (skipped where absent). */
class RealCtSeriesTest {


    static void assertOrderAndSpacing(Volume v, List<RealCt.Expected> expected) {
        assertEquals(expected.size(), v.slices());
        assertEquals(expected.stream().map(RealCt.Expected::uid).toList(), v.sourceInstanceUids(),
                "order along the normal, computed independently");
        for (int i = 0; i < v.slices(); i++) {
            assertEquals(expected.get(i).position() - expected.get(0).position(),
                    v.positionAlongNormal(i) - v.positionAlongNormal(0), 1e-6);
            if (i > 0) assertTrue(v.positionAlongNormal(i) > v.positionAlongNormal(i - 1), "strictly increasing at " + i);
        }
    }

    /** Median of a central square ROI of one slice. */
    static int roiMedian(Volume v, int slice, int cx, int cy, int half) {
        List<Integer> vals = new ArrayList<>();
        for (int r = cy - half; r <= cy + half; r++) for (int c = cx - half; c <= cx + half; c++) vals.add((int) v.hu(c, r, slice));
        vals.sort(null);
        return vals.get(vals.size() / 2);
    }

    @Test
    void geTiltedSeriesWithTwoSpacingBlocks() throws Exception {
        Path dir = RealCt.dir("ge-head-tilted");
        List<Path> files = new ArrayList<>(RealCt.files(dir));
        List<RealCt.Expected> expected = RealCt.expectedOrder(files);
        java.util.Collections.reverse(files); // input order must not matter
        AssemblyResult r = new SeriesVolumeLoader().load(files);
        assertTrue(r.isAccepted(), r.toString());
        Volume v = r.volumeOrThrow();
        AssemblyDiagnostics d = r.diagnostics().orElseThrow();
        System.out.println("GE diagnostics: " + d.toJson());
        assertEquals(28, v.slices());
        assertEquals(512, v.rows());
        assertEquals(512, v.columns());
        assertOrderAndSpacing(v, expected);

        // tilt: IOP column direction (0, 0.9483237, -0.3173047): normal 18.5 deg from z; origins advance along z
        assertEquals(18.5, d.tiltFromAxialDeg(), 0.05);
        assertEquals(18.5, d.originAdvanceAngleDeg(), 0.05);
        for (int i = 0; i < 28; i++) {
            assertEquals(-125.0, v.slice(i).position().x(), 1e-6, "real IPP kept");
            assertEquals(-123.5404569, v.slice(i).position().y(), 1e-6, "real IPP kept (origins only move in z)");
        }

        // spacing along the normal: slices 1-14 4 mm thick every 4.002 mm (table 4.22 mm = 4/cos 18.5),
        // slices 15-28 7 mm thick every 6.999 mm (table 7.38 mm); the 7 mm block starts only 1.081 mm
        // (table 1.14 mm) after the last 4 mm slice, so the two blocks overlap
        double[] gaps = new double[27];
        for (int i = 0; i < 27; i++) gaps[i] = v.positionAlongNormal(i + 1) - v.positionAlongNormal(i);
        for (int i = 0; i < 13; i++) assertEquals(4.002, gaps[i], 0.002, "gap " + i);
        assertEquals(1.081, gaps[13], 0.002);
        for (int i = 14; i < 27; i++) assertEquals(6.999, gaps[i], 0.002, "gap " + i);
        assertEquals(1.081, d.minSpacingMm(), 0.002);
        assertEquals(4.002, d.medianSpacingMm(), 0.002);
        assertEquals(6.999, d.maxSpacingMm(), 0.002);
        assertFalse(d.uniformSpacing());
        assertEquals(List.of(4.0, 7.0), d.sliceThicknessesMm());
        assertTrue(d.missingGaps().isEmpty(), "the 7 mm block is not a run of missing 4 mm slices: " + d.missingGaps());
        assertTrue(d.duplicatePositions().isEmpty());
        assertEquals("ascending", d.instanceNumberOrder());
        for (int i = 0; i < 28; i++) assertEquals(i < 14 ? 4.0 : 7.0, d.slices().get(i).sliceThicknessMm(), 1e-9);

        // HU: stored values are HU (slope 1, intercept 0, signed); outside the reconstruction circle is padding -1500
        HuStatistics s = HuStatistics.of(v);
        System.out.println("GE HU: " + s.toJson());
        assertEquals(28L * 512 * 512, s.voxelCount());
        assertTrue(s.max() > 1500, "dense bone: " + s.max());
        assertTrue(s.fractionBone() > 0.01, "bone fraction " + s.fractionBone());
        assertTrue(s.fractionBrainWindow() > 0.1, "brain fraction " + s.fractionBrainWindow());
        int air = roiMedian(v, 20, 256, 30, 8);
        assertTrue(air > -1050 && air < -950, "air in front of the head " + air);
        int brain = roiMedian(v, 20, 256, 256, 10);
        assertTrue(brain >= 20 && brain <= 45, "brain in the centre " + brain);
    }

    @Test
    void philipsPhantomWithUnsortedFileNames() throws Exception {
        Path dir = RealCt.dir("philips-head-phantom-5mm");
        List<Path> files = RealCt.files(dir); // I10, I100, I110, ... : not slice order
        List<RealCt.Expected> expected = RealCt.expectedOrder(files);
        AssemblyResult r = new SeriesVolumeLoader().load(files);
        assertTrue(r.isAccepted(), r.toString());
        Volume v = r.volumeOrThrow();
        AssemblyDiagnostics d = r.diagnostics().orElseThrow();
        System.out.println("Philips diagnostics: " + d.toJson());
        assertEquals(28, v.slices());
        assertOrderAndSpacing(v, expected);
        assertNotEquals(files.stream().map(p -> p.getFileName().toString()).toList(),
                d.slices().stream().map(s -> "I" + (s.instanceNumber() * 10)).toList(), "file-name order differs");
        assertEquals(0.0, d.tiltFromAxialDeg(), 1e-9);
        assertEquals(0.0, d.originAdvanceAngleDeg(), 1e-6);
        assertEquals(5.0, d.minSpacingMm(), 1e-6);
        assertEquals(5.0, d.medianSpacingMm(), 1e-6);
        assertEquals(5.0, d.maxSpacingMm(), 1e-6);
        assertTrue(d.uniformSpacing());
        assertTrue(d.missingGaps().isEmpty());
        assertEquals(696.21, v.positionAlongNormal(0), 1e-6);
        assertEquals(831.21, v.positionAlongNormal(27), 1e-6);

        HuStatistics s = HuStatistics.of(v);
        System.out.println("Philips HU: " + s.toJson());
        assertTrue(s.min() >= -1024, "unsigned 12 bit with intercept -1024: " + s.min());
        assertTrue(s.p1() < -950, "air " + s.p1());
        assertTrue(s.max() > 700 && s.fractionBone() > 0.005, "phantom bone " + s.max() + " " + s.fractionBone());
        int air = roiMedian(v, 14, 256, 15, 8);
        assertTrue(air > -1050 && air < -950, "air " + air);
        // this phantom is a skull with air inside: no brain-equivalent material (about 1% of voxels in 0..80 HU),
        // so the centre of the head is air, enclosed by bone
        int centre = roiMedian(v, 20, 256, 256, 10);
        assertTrue(centre > -1050 && centre < -950, "air inside the phantom skull " + centre);
        assertTrue(s.fractionBrainWindow() < 0.05, "brain window fraction " + s.fractionBrainWindow());
        assertTrue(s.p50() < -900, "mostly air: median " + s.p50());
    }
}
