package org.ichnode.core.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.ichnode.core.geometry.Vec3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NIfTI files written byte by byte here (as the format's specification lays them out) and read back. */
class NiftiTest {

    /** A NIfTI-1 file: int16 voxels, the given sform (RAS) or none, scl_slope/scl_inter. */
    static void writeNifti1(Path file, int nx, int ny, int nz, short[] voxels, double[][] srowRas, double slope, double inter,
                            ByteOrder order, boolean gzip) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(352).order(order);
        h.putInt(0, 348);
        short[] dim = {3, (short) nx, (short) ny, (short) nz, 1, 1, 1, 1};
        for (int i = 0; i < 8; i++) h.putShort(40 + 2 * i, dim[i]);
        h.putShort(70, (short) 4);   // int16
        h.putShort(72, (short) 16);
        float[] pixdim = {1, 0.5f, 0.5f, 5f, 1, 1, 1, 1};
        if (srowRas != null) {
            for (int c = 0; c < 3; c++) pixdim[c + 1] = (float) Math.sqrt(srowRas[0][c] * srowRas[0][c] + srowRas[1][c] * srowRas[1][c] + srowRas[2][c] * srowRas[2][c]);
        }
        for (int i = 0; i < 8; i++) h.putFloat(76 + 4 * i, pixdim[i]);
        h.putFloat(108, 352);
        h.putFloat(112, (float) slope);
        h.putFloat(116, (float) inter);
        h.putShort(254, (short) (srowRas != null ? 1 : 0));
        if (srowRas != null) for (int r = 0; r < 3; r++) for (int c = 0; c < 4; c++) h.putFloat(280 + 16 * r + 4 * c, (float) srowRas[r][c]);
        h.put(344, (byte) 'n').put(345, (byte) '+').put(346, (byte) '1').put(347, (byte) 0);
        ByteBuffer body = ByteBuffer.allocate(voxels.length * 2).order(order);
        for (short v : voxels) body.putShort(v);
        try (OutputStream raw = Files.newOutputStream(file); OutputStream out = gzip ? new GZIPOutputStream(raw) : raw) {
            out.write(h.array());
            out.write(body.array());
        }
    }

    static short[] ramp(int nx, int ny, int nz) {
        short[] v = new short[nx * ny * nz];
        for (int k = 0; k < nz; k++) for (int j = 0; j < ny; j++) for (int i = 0; i < nx; i++) v[(k * ny + j) * nx + i] = (short) (i + 10 * j + 100 * k - 50);
        return v;
    }

    @Test
    void readsVoxelsScalingAndSformAsLpsGzippedOrNot(@TempDir Path dir) throws Exception {
        // RAS sform: i to the left (-x in RAS is right... here +x RAS = left), j posterior, k superior, 0.5 / 0.5 / 5 mm
        double[][] sform = {{0.5, 0, 0, -10}, {0, -0.5, 0, 20}, {0, 0, 5, -30}};
        for (boolean gz : new boolean[] {false, true}) {
            for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                Path f = dir.resolve("ct" + gz + order + (gz ? ".nii.gz" : ".nii"));
                writeNifti1(f, 4, 3, 2, ramp(4, 3, 2), sform, 2, -1, order, gz);
                Nifti n = Nifti.read(f);
                assertEquals("sform", n.geometrySource());
                assertEquals(4, n.nx());
                assertEquals(3, n.ny());
                assertEquals(2, n.nz());
                // value = 2 * stored - 1
                assertEquals(2 * (3 + 10 * 2 + 100 - 50) - 1, n.values()[(1 * 3 + 2) * 4 + 3], 1e-4);
                // LPS: x and y negated
                Vec3 p = n.toPatient(1, 1, 1);
                assertEquals(10 - 0.5, p.x(), 1e-9);
                assertEquals(-20 + 0.5, p.y(), 1e-9);
                assertEquals(-30 + 5, p.z(), 1e-9);
            }
        }
    }

    @Test
    void volumeHasDicomGeometryAndAscendingSlices(@TempDir Path dir) throws Exception {
        // k runs inferior (RAS z decreasing): the volume reverses the slices so they ascend along the normal
        double[][] sform = {{-0.5, 0, 0, 60}, {0, -0.5, 0, 70}, {0, 0, -5, 40}};
        Path f = dir.resolve("down.nii");
        writeNifti1(f, 4, 3, 3, ramp(4, 3, 3), sform, 1, 0, ByteOrder.LITTLE_ENDIAN, false);
        Nifti n = Nifti.read(f);
        assertTrue(n.slicesDescend());
        Volume v = n.toVolume(k -> "1.2.3." + k, "1.2.3.9");
        assertEquals(3, v.slices());
        // DICOM directions: -RAS x = +LPS x for i, -RAS y = +LPS y for j
        assertEquals(new Vec3(1, 0, 0), v.slice(0).rowDirection());
        assertEquals(new Vec3(0, 1, 0), v.slice(0).columnDirection());
        assertEquals(0.5, v.slice(0).rowSpacingMm(), 1e-9);
        for (int s = 1; s < v.slices(); s++) assertTrue(v.positionAlongNormal(s) > v.positionAlongNormal(s - 1), "ascending along the normal");
        // volume slice 0 is file slice 2 (the most inferior), at z = 40 - 10
        assertEquals(30, v.slice(0).position().z(), 1e-9);
        assertEquals("1.2.3.2", v.sourceInstanceUids().get(0));
        assertEquals(2 + 10 * 1 + 100 * 2 - 50, v.hu(2, 1, 0));
        assertEquals(2 + 10 * 1 + 100 * 0 - 50, v.hu(2, 1, 2));
        assertEquals(0, n.volumeSlice(2));
        // a mask on the same grid follows the same order
        short[] m = new short[4 * 3 * 3];
        m[(2 * 3 + 1) * 4 + 2] = 1;   // file slice 2
        Path mf = dir.resolve("mask.nii");
        writeNifti1(mf, 4, 3, 3, m, sform, 1, 0, ByteOrder.LITTLE_ENDIAN, false);
        byte[] mask = n.maskInVolumeOrder(Nifti.read(mf));
        assertEquals(1, mask[(0 * 3 + 1) * 4 + 2]);
        int sum = 0;
        for (byte b : mask) sum += b;
        assertEquals(1, sum);
    }

    @Test
    void withoutSformOrQformGeometryIsFromVoxelSizesAndSaidToBe(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("plain.nii");
        writeNifti1(f, 2, 2, 2, ramp(2, 2, 2), null, 0, 0, ByteOrder.LITTLE_ENDIAN, false);
        Nifti n = Nifti.read(f);
        assertEquals("pixdim", n.geometrySource());
        assertFalse(n.geometryFromFile());
        assertEquals(-50, n.values()[0], 0);   // scl_slope 0: no scaling
        assertEquals(5, n.toPatient(0, 0, 1).z(), 1e-6);
    }

    @Test
    void refusesWhatItCannotRead(@TempDir Path dir) throws Exception {
        Path notNifti = dir.resolve("x.nii");
        Files.write(notNifti, new byte[400]);
        assertThrows(IOException.class, () -> Nifti.read(notNifti));
        Path truncated = dir.resolve("t.nii");
        writeNifti1(truncated, 4, 3, 2, ramp(4, 3, 2), null, 1, 0, ByteOrder.LITTLE_ENDIAN, false);
        byte[] all = Files.readAllBytes(truncated);
        Files.write(truncated, java.util.Arrays.copyOf(all, all.length - 10));
        IOException e = assertThrows(IOException.class, () -> Nifti.read(truncated));
        assertTrue(e.getMessage().contains("ends after"), e.getMessage());
        Path mismatch = dir.resolve("m.nii");
        writeNifti1(mismatch, 2, 2, 2, ramp(2, 2, 2), null, 1, 0, ByteOrder.LITTLE_ENDIAN, false);
        Nifti a = Nifti.read(truncated.resolveSibling("m.nii"));
        Path other = dir.resolve("o.nii");
        writeNifti1(other, 4, 3, 2, ramp(4, 3, 2), null, 1, 0, ByteOrder.LITTLE_ENDIAN, false);
        assertThrows(IllegalArgumentException.class, () -> a.maskInVolumeOrder(Nifti.read(other)));
        assertArrayEquals(new float[] {-50, -49}, java.util.Arrays.copyOf(a.values(), 2));
    }
}
