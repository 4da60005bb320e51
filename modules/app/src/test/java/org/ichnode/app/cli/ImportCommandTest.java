package org.ichnode.app.cli;

import org.ichnode.training.data.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.training.LabelledStudy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import --to-dicom}: a NIfTI set and the real CT-ICH set written as DICOM CT series that dciodvfy accepts and
 * that read back (through the DICOM reader the node uses) with the same HU, geometry, labels and masks.
 */
class ImportCommandTest {

    /** A NIfTI-1 int16 file with an sform (RAS), gzipped. */
    static void writeNifti(Path file, int nx, int ny, int nz, short[] voxels, double[][] srowRas) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(352).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, 348);
        short[] dim = {3, (short) nx, (short) ny, (short) nz, 1, 1, 1, 1};
        for (int i = 0; i < 8; i++) h.putShort(40 + 2 * i, dim[i]);
        h.putShort(70, (short) 4);
        h.putShort(72, (short) 16);
        for (int i = 0; i < 8; i++) h.putFloat(76 + 4 * i, 1);
        h.putFloat(108, 352);
        h.putFloat(112, 1);
        h.putShort(254, (short) 1);
        for (int r = 0; r < 3; r++) for (int c = 0; c < 4; c++) h.putFloat(280 + 16 * r + 4 * c, (float) srowRas[r][c]);
        h.put(344, (byte) 'n').put(345, (byte) '+').put(346, (byte) '1');
        ByteBuffer body = ByteBuffer.allocate(voxels.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : voxels) body.putShort(v);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(h.array());
            out.write(body.array());
        }
    }

    @Test
    void niftiRoundTripsToDicomWithTheSameHuGeometryLabelsAndMask(@TempDir Path tmp) throws Exception {
        Tools.requireTool("dciodvfy");
        Path set = tmp.resolve("set");
        Files.createDirectories(set.resolve("ct_scans"));
        Files.createDirectories(set.resolve("masks"));
        int nx = 40, ny = 32, nz = 5;
        // k runs from the vertex down (as many scanners export), 0.45 mm pixels, 5 mm slices, an off-centre origin
        double[][] sform = {{-0.45, 0, 0, 9.5}, {0, -0.45, 0, 12.25}, {0, 0, -5, 80}};
        java.util.Random r = new java.util.Random(3);
        for (String id : List.of("049", "050")) {
            short[] ct = new short[nx * ny * nz], mask = new short[ct.length];
            for (int i = 0; i < ct.length; i++) ct[i] = (short) (r.nextInt(1400) - 1024);
            if (id.equals("049")) for (int j = 10; j < 14; j++) for (int i = 5; i < 9; i++) mask[(3 * ny + j) * nx + i] = 1;
            writeNifti(set.resolve("ct_scans/" + id + ".nii.gz"), nx, ny, nz, ct, sform);
            writeNifti(set.resolve("masks/" + id + ".nii.gz"), nx, ny, nz, mask, sform);
        }
        Path out = tmp.resolve("dicom");
        assertEquals(0, new ImportCommand().run(new Args(List.of("--data", set.toString(), "--to-dicom", out.toString()))));

        List<LabelledStudy> nifti = new ArrayList<>();
        for (LabelledStudy s : new DatasetOption(set.toString(), 7, 0, 1000, null).stream(false).studies()) nifti.add(s);
        List<LabelledStudy> dicom = FolderDataset.load(out, false);
        assertEquals(2, dicom.size());
        for (int n = 0; n < 2; n++) {
            LabelledStudy a = nifti.get(n), b = dicom.get(n);
            assertEquals(a.id(), b.id());
            assertEquals(a.positive(), b.positive());
            assertEquals(n == 0, b.positive(), "labels from the masks: only 049 (id 49) has one");
            assertArrayEquals(a.sliceLabels(), b.sliceLabels());
            assertArrayEquals(a.volume().hu(), b.volume().hu(), "the same HU after DICOM");
            assertArrayEquals(a.trueMask(), b.trueMask());
            for (int k = 0; k < nz; k++) {
                var ga = a.volume().slice(k);
                var gb = b.volume().slice(k);
                assertEquals(0, ga.position().minus(gb.position()).norm(), 1e-3, "slice " + k + " position");
                assertEquals(0.45, gb.rowSpacingMm(), 1e-6);
                assertEquals(0.45, gb.columnSpacingMm(), 1e-6);
                assertEquals(0, ga.rowDirection().minus(gb.rowDirection()).norm(), 1e-6);
            }
        }
        // the mask was on file slice 3 of 5, counted from the vertex: volume slice 1 from the bottom
        assertTrue(dicom.get(0).sliceLabels()[1]);
        for (Path f : Tools.files(out.resolve("49/dicom"))) assertNoDciodvfyErrors(f);
    }

    @Test
    void ctIchPatientImportsAsValidDicomWithItsPartialMasks(@TempDir Path tmp) throws Exception {
        Path ctIch = Tools.ctIch();
        Tools.requireTool("dciodvfy");
        Path out = tmp.resolve("dicom");
        assertEquals(0, new ImportCommand().run(new Args(List.of("--data", ctIch.toString(), "--patients", "50", "--to-dicom", out.toString()))));
        LabelledStudy source = CtIchDataset.loadPatients(ctIch, List.of(50), false, CtIchDataset.Geometry.assumed(), m -> {}).get(0);
        LabelledStudy back = FolderDataset.load(out, false).get(0);
        assertArrayEquals(source.volume().hu(), back.volume().hu());
        assertArrayEquals(source.sliceLabels(), back.sliceLabels());
        assertArrayEquals(source.maskedSlices(), back.maskedSlices());
        assertArrayEquals(source.trueMask(), back.trueMask());
        assertFalse(back.fullyMasked());
        List<Path> files = Tools.files(out.resolve("ct-ich-050/dicom"));
        assertEquals(source.volume().slices(), files.size());
        assertNoDciodvfyErrors(files.get(0));
    }

    private static void assertNoDciodvfyErrors(Path f) throws Exception {
        Tools.Result r = Tools.run(List.of("dciodvfy", f.toString()));
        List<String> errors = r.output().lines().filter(l -> l.startsWith("Error")).toList();
        assertTrue(errors.isEmpty(), "dciodvfy " + f.getFileName() + ":\n" + r.output());
    }
}
