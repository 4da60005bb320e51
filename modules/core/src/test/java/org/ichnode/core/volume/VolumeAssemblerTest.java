package org.ichnode.core.volume;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.AssemblyOptions.DuplicatePositionPolicy;
import org.ichnode.core.volume.AssemblyOptions.MissingSlicePolicy;
import org.junit.jupiter.api.Test;

class VolumeAssemblerTest {
    private static final Vec3 X = new Vec3(1, 0, 0);
    private static final Vec3 Y = new Vec3(0, 1, 0);

    /** Axial slice at z; every stored value = marker, so we can tell slices apart after ordering. */
    static CtSlice axial(String uid, double z, int marker) {
        return slice(uid, new Vec3(-10, -10, z), X, Y, 5.0, marker, 1, -1024);
    }

    static CtSlice slice(String uid, Vec3 pos, Vec3 row, Vec3 col, Double thickness, int stored, double slope, double intercept) {
        short[] v = new short[4 * 3];
        java.util.Arrays.fill(v, (short) stored);
        return new CtSlice(uid, "1.2.3.series", "1.2.3.for", new SliceGeometry(pos, row, col, 0.5, 0.5),
                4, 3, thickness, slope, intercept, v, true, null);
    }

    @Test
    void shuffledSlicesAreOrderedByPositionAlongNormal() {
        List<CtSlice> in = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            // UIDs and instance numbers deliberately in reverse of the spatial order
            in.add(new CtSlice("1.9." + (100 - i), "1.2.3.series", "1.2.3.for",
                    new SliceGeometry(new Vec3(-10, -10, 100 + 5.0 * i), X, Y, 0.5, 0.5), 4, 3, 5.0, 1, -1024,
                    filled(1000 + i), true, 20 - i));
        }
        Collections.shuffle(in, new Random(42));
        AssemblyResult r = new VolumeAssembler().assemble(in);
        assertTrue(r.isAccepted(), r.toString());
        Volume v = r.volumeOrThrow();
        assertEquals(20, v.slices());
        for (int i = 0; i < 20; i++) {
            assertEquals(100 + 5.0 * i, v.positionAlongNormal(i), 1e-9);
            assertEquals(1000 + i - 1024, v.hu(0, 0, i), "slice " + i + " carries its own voxels");
            assertEquals("1.9." + (100 - i), v.sourceInstanceUids().get(i));
        }
        AssemblyDiagnostics d = r.diagnostics().orElseThrow();
        assertEquals("descending", d.instanceNumberOrder());
        assertTrue(d.uniformSpacing());
        assertEquals(5.0, d.minSpacingMm(), 1e-9);
        assertEquals(5.0, d.maxSpacingMm(), 1e-9);
        assertEquals(0.0, d.tiltFromAxialDeg(), 1e-9);
        assertEquals(0.0, d.originAdvanceAngleDeg(), 1e-9);
        assertTrue(d.missingGaps().isEmpty());
        String json = r.toJson();
        assertTrue(json.startsWith("{\"accepted\":true"), json);
        assertTrue(json.contains("\"uniform\":true"), json);
    }

    private static short[] filled(int value) {
        short[] v = new short[12];
        java.util.Arrays.fill(v, (short) value);
        return v;
    }

    @Test
    void rescaleIsAppliedAndClamped() {
        CtSlice a = slice("1.1", new Vec3(0, 0, 0), X, Y, 5.0, 30000, 2.0, -1024); // 58976 -> clamp
        CtSlice b = slice("1.2", new Vec3(0, 0, 5), X, Y, 5.0, -30000, 2.0, 0);    // -60000 -> clamp
        CtSlice c = slice("1.3", new Vec3(0, 0, 10), X, Y, 5.0, 1064, 1.0, -1024); // 40
        Volume v = new VolumeAssembler().assemble(List.of(c, b, a)).volumeOrThrow();
        assertEquals(Short.MAX_VALUE, v.hu(0, 0, 0));
        assertEquals(Short.MIN_VALUE, v.hu(0, 0, 1));
        assertEquals(40, v.hu(0, 0, 2));
        // unsigned stored values above 32767
        short[] u = new short[12];
        java.util.Arrays.fill(u, (short) 40000);
        CtSlice us = new CtSlice("1.4", "1.2.3.series", "1.2.3.for", new SliceGeometry(new Vec3(0, 0, 15), X, Y, .5, .5),
                4, 3, 5.0, 1, -32768, u, false, null);
        assertEquals(40000 - 32768, us.hu(0));
    }

    @Test
    void sameSopInstanceTwiceKeepsOneCopy() {
        List<CtSlice> in = new ArrayList<>();
        for (int i = 0; i < 5; i++) in.add(axial("1.5." + i, 5.0 * i, 1024));
        in.add(axial("1.5.2", 10.0, 1024));
        AssemblyResult r = new VolumeAssembler().assemble(in);
        assertTrue(r.isAccepted());
        assertEquals(5, r.volumeOrThrow().slices());
        assertEquals(List.of("1.5.2"), r.diagnostics().orElseThrow().droppedDuplicateInstances());
        assertEquals(6, r.diagnostics().orElseThrow().inputPlanes());
    }

    @Test
    void sameSopInstanceAtTwoPositionsIsRefused() {
        List<CtSlice> in = new ArrayList<>();
        for (int i = 0; i < 5; i++) in.add(axial("1.5." + i, 5.0 * i, 1024));
        in.add(axial("1.5.2", 12.0, 1024));
        AssemblyResult r = new VolumeAssembler().assemble(in);
        assertFalse(r.isAccepted());
        assertTrue(r.refusalReason().orElseThrow().contains("1.5.2 received twice"), r.refusalReason().orElseThrow());
    }

    @Test
    void differentInstancesAtSamePositionKeepFirstByUidOrRefuse() {
        List<CtSlice> in = new ArrayList<>();
        for (int i = 0; i < 5; i++) in.add(axial("1.6." + (i + 1), 5.0 * i, 1024 + i));
        in.add(axial("1.6.0", 10.0, 7)); // same position as 1.6.3 (z=10), smaller UID
        AssemblyResult r = new VolumeAssembler().assemble(in);
        assertTrue(r.isAccepted());
        Volume v = r.volumeOrThrow();
        assertEquals(5, v.slices());
        assertEquals("1.6.0", v.sourceInstanceUids().get(2));
        assertEquals(7 - 1024, v.hu(0, 0, 2));
        var dup = r.diagnostics().orElseThrow().duplicatePositions();
        assertEquals(1, dup.size());
        assertEquals("1.6.0", dup.get(0).keptUid());
        assertEquals("1.6.3", dup.get(0).droppedUid());
        assertTrue(r.toJson().contains("\"droppedUid\":\"1.6.3\""));

        AssemblyResult refused = new VolumeAssembler(AssemblyOptions.defaults()
                .withDuplicatePositionPolicy(DuplicatePositionPolicy.REFUSE)).assemble(in);
        assertFalse(refused.isAccepted());
        assertTrue(refused.refusalReason().orElseThrow().contains("2 different instances at the same position 10.000 mm"),
                refused.refusalReason().orElseThrow());
    }

    @Test
    void missingSliceIsReportedOrRefused() {
        List<CtSlice> in = new ArrayList<>();
        for (int i = 0; i < 10; i++) if (i != 6) in.add(axial("1.7." + i, 5.0 * i, 1024));
        AssemblyResult r = new VolumeAssembler().assemble(in);
        assertTrue(r.isAccepted());
        AssemblyDiagnostics d = r.diagnostics().orElseThrow();
        assertEquals(9, d.usedSlices());
        assertEquals(1, d.missingGaps().size());
        var g = d.missingGaps().get(0);
        assertEquals(5, g.afterSliceIndex());
        assertEquals(25.0, g.fromPositionMm(), 1e-9);
        assertEquals(35.0, g.toPositionMm(), 1e-9);
        assertEquals(5.0, g.expectedSpacingMm(), 1e-9);
        assertEquals(1, g.estimatedMissingSlices());
        assertEquals(30.0, g.estimatedMissingPositionsMm().get(0), 1e-9);
        assertFalse(d.uniformSpacing());
        assertEquals(10.0, d.maxSpacingMm(), 1e-9);

        AssemblyResult refused = new VolumeAssembler(AssemblyOptions.defaults()
                .withMissingSlicePolicy(MissingSlicePolicy.REFUSE)).assemble(in);
        assertFalse(refused.isAccepted());
        String reason = refused.refusalReason().orElseThrow();
        assertTrue(reason.startsWith("missing slices: 10 mm gap between 25 and 35 mm"), reason);
        assertTrue(refused.toJson().contains("\"accepted\":false"));
    }

    @Test
    void twoBlocksWithDifferentThicknessAreNotMissingSlices() {
        // 4 mm block then 7 mm block, like a posterior fossa + cerebrum acquisition; 7 > 1.8 x global median 4 would
        // not matter here, but a 4 mm/8 mm pair would: the expected spacing is per block
        List<CtSlice> in = new ArrayList<>();
        for (int i = 0; i < 10; i++) in.add(slice("1.8." + i, new Vec3(0, 0, 4.0 * i), X, Y, 4.0, 1024, 1, -1024));
        for (int i = 0; i < 10; i++) in.add(slice("1.8.1" + i, new Vec3(0, 0, 40 + 8.0 * i), X, Y, 8.0, 1024, 1, -1024));
        AssemblyResult r = new VolumeAssembler().assemble(in);
        AssemblyDiagnostics d = r.diagnostics().orElseThrow();
        assertTrue(d.missingGaps().isEmpty(), d.toJson());
        assertEquals(List.of(4.0, 8.0), d.sliceThicknessesMm());
        assertFalse(d.uniformSpacing());
    }

    @Test
    void inconsistentOrientationIsRefused() {
        List<CtSlice> in = new ArrayList<>();
        for (int i = 0; i < 5; i++) in.add(axial("1.10." + i, 5.0 * i, 1024));
        double a = Math.toRadians(5);
        Vec3 col = new Vec3(0, Math.cos(a), -Math.sin(a));
        in.add(slice("1.10.9", new Vec3(-10, -10, 25), X, col, 5.0, 1024, 1, -1024));
        AssemblyResult r = new VolumeAssembler().assemble(in);
        assertFalse(r.isAccepted());
        String reason = r.refusalReason().orElseThrow();
        assertTrue(reason.startsWith("inconsistent orientation between slices: 1.10.9 differs from 1.10.0"), reason);
        assertTrue(reason.contains("5.00 deg (column)"), reason);
    }

    @Test
    void otherUnusableSeriesAreRefused() {
        assertEquals("no CT slices to assemble", new VolumeAssembler().assemble(List.of()).refusalReason().orElseThrow());
        CtSlice a = axial("1.11.1", 0, 1024);
        CtSlice otherSize = new CtSlice("1.11.2", "1.2.3.series", "1.2.3.for",
                new SliceGeometry(new Vec3(-10, -10, 5), X, Y, 0.5, 0.5), 2, 6, 5.0, 1, 0, new short[12], true, null);
        assertTrue(new VolumeAssembler().assemble(List.of(a, otherSize)).refusalReason().orElseThrow()
                .startsWith("different slice sizes"));
        CtSlice otherSpacing = new CtSlice("1.11.3", "1.2.3.series", "1.2.3.for",
                new SliceGeometry(new Vec3(-10, -10, 5), X, Y, 0.6, 0.6), 4, 3, 5.0, 1, 0, new short[12], true, null);
        assertTrue(new VolumeAssembler().assemble(List.of(a, otherSpacing)).refusalReason().orElseThrow()
                .startsWith("different PixelSpacing"));
        CtSlice otherFor = new CtSlice("1.11.4", "1.2.3.series", "1.2.3.other",
                new SliceGeometry(new Vec3(-10, -10, 5), X, Y, 0.5, 0.5), 4, 3, 5.0, 1, 0, new short[12], true, null);
        assertTrue(new VolumeAssembler().assemble(List.of(a, otherFor)).refusalReason().orElseThrow()
                .startsWith("slices have 2 different frames of reference"));
        CtSlice otherSeries = new CtSlice("1.11.5", "1.2.3.x", "1.2.3.for",
                new SliceGeometry(new Vec3(-10, -10, 5), X, Y, 0.5, 0.5), 4, 3, 5.0, 1, 0, new short[12], true, null);
        assertTrue(new VolumeAssembler().assemble(List.of(a, otherSeries)).refusalReason().orElseThrow()
                .startsWith("slices belong to 2 different series"));
    }

    @Test
    void tiltedSeriesKeepsGeometryAndReportsTilt() {
        // gantry tilt 20 deg: image planes tilted about x, slice origins advance along patient z (table motion)
        double t = Math.toRadians(20);
        Vec3 col = new Vec3(0, Math.cos(t), -Math.sin(t));
        double tableStep = 5.0 / Math.cos(t); // 5 mm along the normal
        List<CtSlice> in = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            in.add(slice("1.12." + (i * 7 % 12), new Vec3(-100, -120, 30 + tableStep * i), X, col, 5.0, 1024 + i, 1, -1024));
        }
        Collections.shuffle(in, new Random(1));
        AssemblyResult r = new VolumeAssembler().assemble(in);
        assertTrue(r.isAccepted(), r.toString());
        Volume v = r.volumeOrThrow();
        AssemblyDiagnostics d = r.diagnostics().orElseThrow();
        assertEquals(20.0, d.tiltFromAxialDeg(), 1e-6);
        assertEquals(20.0, d.originAdvanceAngleDeg(), 1e-6);
        assertEquals(5.0, d.medianSpacingMm(), 1e-9);
        assertTrue(d.uniformSpacing());
        for (int i = 0; i < 12; i++) {
            // real per-slice origin kept (not projected onto the normal, not resampled)
            assertEquals(30 + tableStep * i, v.slice(i).position().z(), 1e-9);
            assertEquals(-120, v.slice(i).position().y(), 1e-9);
            assertEquals(col, v.slice(i).columnDirection());
            assertEquals(i, v.hu(1, 1, i));
        }
        assertTrue(d.warnings().stream().anyMatch(w -> w.startsWith("tilted: slice normal 20 deg from patient z")), d.warnings().toString());
    }

    @Test
    void diagnosticsJsonIsWellFormedEnough() {
        List<CtSlice> in = new ArrayList<>();
        for (int i = 0; i < 3; i++) in.add(axial("1.13.\"" + i, 2.5 * i, 1024));
        String json = new VolumeAssembler().assemble(in).toJson();
        assertTrue(json.contains("\"sopInstanceUid\":\"1.13.\\\"0\""), json);
        assertTrue(json.contains("\"medianMm\":2.5"), json);
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '\\') { i++; continue; }
            if (c == '"') inString = !inString;
            if (!inString && (c == '{' || c == '[')) depth++;
            if (!inString && (c == '}' || c == ']')) depth--;
            assertTrue(depth >= 0);
        }
        assertEquals(0, depth);
        assertFalse(json.contains("NaN"));
    }
}
