package org.ichnode.testkit.phantom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.ichnode.testkit.phantom.PhantomGenerator;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomStudy;
import org.ichnode.core.volume.Volume;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PhantomExportTest {
    private static final Path DCIODVFY = Path.of("/usr/bin/dciodvfy");
    private static final PhantomOptions SMALL = PhantomOptions.small();

    @TempDir
    Path tmp;

    @Test
    void sameSeedGivesIdenticalBytesDifferentSeedDiffers() throws IOException {
        PhantomExporter.export(tmp.resolve("a"), 5, 2, SMALL);
        PhantomExporter.export(tmp.resolve("b"), 5, 2, SMALL);
        PhantomExporter.export(tmp.resolve("c"), 6, 2, SMALL);
        Map<String, byte[]> a = tree(tmp.resolve("a")), b = tree(tmp.resolve("b")), c = tree(tmp.resolve("c"));
        assertEquals(a.keySet(), b.keySet());
        assertTrue(a.size() > 24, "files " + a.size());
        for (String k : a.keySet()) assertArrayEquals(a.get(k), b.get(k), k);
        assertFalse(Arrays2.sameContent(a, c), "a different seed must give different output");
        assertNotEquals(new String(a.get("labels-study.csv"), StandardCharsets.US_ASCII),
                new String(c.get("labels-study.csv"), StandardCharsets.US_ASCII));
    }

    @Test
    void pixelMedReadsBackPixelsGeometryAndLabels() throws Exception {
        PhantomOptions opts = SMALL.withTilt(1.0, 25).withNegativeFraction(0);
        PhantomStudy s = new PhantomGenerator(opts).generate(11, 1);
        Path dir = tmp.resolve(s.studyId());
        PhantomExporter.writeStudy(s, dir);
        Volume v = s.volume();
        List<Path> files;
        try (Stream<Path> st = Files.list(dir.resolve("dicom"))) { files = st.sorted().toList(); }
        assertEquals(v.slices(), files.size());
        Map<String, Integer> indexOf = new HashMap<>();
        for (int k = 0; k < v.slices(); k++) indexOf.put(v.sourceInstanceUids().get(k), k);
        List<Integer> orderOfNames = new ArrayList<>();
        for (Path f : files) {
            AttributeList l = new AttributeList();
            l.read(f.toFile());
            assertEquals(SOPClass.CTImageStorage, Attribute.getSingleStringValueOrEmptyString(l, TagFromName.SOPClassUID));
            assertEquals(TransferSyntax.ExplicitVRLittleEndian, Attribute.getSingleStringValueOrEmptyString(l, TagFromName.TransferSyntaxUID));
            assertEquals("CT", Attribute.getSingleStringValueOrEmptyString(l, TagFromName.Modality));
            assertEquals("HEAD", Attribute.getSingleStringValueOrEmptyString(l, TagFromName.BodyPartExamined));
            assertEquals(PhantomDicomWriter.MANUFACTURER, Attribute.getSingleStringValueOrEmptyString(l, TagFromName.Manufacturer));
            assertEquals("ORIGINAL\\PRIMARY\\AXIAL", Attribute.getDelimitedStringValuesOrEmptyString(l, TagFromName.ImageType));
            assertEquals(s.patientName(), Attribute.getSingleStringValueOrEmptyString(l, TagFromName.PatientName));
            String sop = Attribute.getSingleStringValueOrEmptyString(l, TagFromName.SOPInstanceUID);
            int k = indexOf.get(sop);
            orderOfNames.add(k);
            assertEquals(PhantomDicomWriter.fileName(sop), f.getFileName().toString());
            assertEquals(k + 1, Attribute.getSingleIntegerValueOrDefault(l, TagFromName.InstanceNumber, -1));
            assertEquals(-1024, Attribute.getSingleDoubleValueOrDefault(l, TagFromName.RescaleIntercept, 0), 0);
            assertEquals(1, Attribute.getSingleDoubleValueOrDefault(l, TagFromName.RescaleSlope, 0), 0);
            double[] ipp = Attribute.getDoubleValues(l, TagFromName.ImagePositionPatient);
            double[] iop = Attribute.getDoubleValues(l, TagFromName.ImageOrientationPatient);
            assertArrayEquals(v.slice(k).position().toArray(), ipp, 0);
            assertArrayEquals(v.slice(k).rowDirection().toArray(), new double[] {iop[0], iop[1], iop[2]}, 0);
            assertArrayEquals(v.slice(k).columnDirection().toArray(), new double[] {iop[3], iop[4], iop[5]}, 0);
            assertEquals(s.gantryTiltDegrees(), Attribute.getSingleDoubleValueOrDefault(l, AttributeList.getDictionary().getTagFromName("GantryDetectorTilt"), -1), 1e-9);
            short[] px = l.get(TagFromName.PixelData).getShortValues();
            int per = v.voxelsPerSlice();
            assertEquals(per, px.length);
            for (int i = 0; i < per; i++) {
                assertEquals(v.hu()[k * per + i], (px[i] & 0xffff) - 1024, "pixel " + i + " of slice " + k);
            }
        }
        List<Integer> sorted = new ArrayList<>(orderOfNames);
        sorted.sort(null);
        assertNotEquals(sorted, orderOfNames, "file names must not follow slice order");

        byte[] raw = Files.readAllBytes(dir.resolve("truth-mask.raw"));
        assertArrayEquals(s.mask(), raw);
        String json = Files.readString(dir.resolve("truth.json"));
        for (int k = 0; k < v.slices(); k++) {
            String uid = v.sourceInstanceUids().get(k);
            assertTrue(json.contains("{\"index\": " + k + ", \"sopInstanceUid\": \"" + uid + "\""), "slice " + k + " in truth.json");
        }
        assertTrue(json.contains("\"hemorrhage\": " + s.hemorrhage() + ",\n"));
        assertTrue(json.contains("\"gantryTiltDeg\": "));
    }

    @Test
    void labelFilesMatchTruth() throws IOException {
        Path out = tmp.resolve("x");
        List<PhantomExporter.ExportedStudy> studies = PhantomExporter.export(out, 21, 3, SMALL);
        List<String> st = Files.readAllLines(out.resolve("labels-study.csv"));
        List<String> sl = Files.readAllLines(out.resolve("labels-slice.csv"));
        assertEquals("study_instance_uid,study_id,hemorrhage", st.get(0));
        assertEquals("study_instance_uid,sop_instance_uid,slice_index,hemorrhage", sl.get(0));
        assertEquals(studies.size() + 1, st.size());
        int sliceRows = 0;
        for (int i = 0; i < studies.size(); i++) {
            PhantomExporter.ExportedStudy e = studies.get(i);
            PhantomStudy s = new PhantomGenerator(SMALL).generate(21, i + 1);
            assertEquals(s.studyInstanceUid() + "," + s.studyId() + "," + (s.hemorrhage() ? 1 : 0), st.get(i + 1));
            for (int k = 0; k < s.volume().slices(); k++) {
                String row = sl.get(1 + sliceRows++);
                assertEquals(s.studyInstanceUid() + "," + s.volume().sourceInstanceUids().get(k) + "," + k + "," + (s.sliceLabel(k) ? 1 : 0), row);
            }
            assertEquals(s.volume().voxelsPerSlice() * (long) s.volume().slices(), Files.size(e.directory().resolve("truth-mask.raw")));
        }
        assertEquals(sl.size() - 1, sliceRows);
    }

    @Test
    void dciodvfyReportsNoErrors() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(DCIODVFY), "dciodvfy (dicom3tools) not installed at " + DCIODVFY + ": skipping IOD validation");
        PhantomStudy plain = new PhantomGenerator(SMALL.withTilt(0, 0)).generate(3, 1);
        PhantomStudy tilted = new PhantomGenerator(SMALL.withTilt(1, 25)).generate(3, 2);
        List<Path> files = new ArrayList<>();
        files.addAll(PhantomDicomWriter.writeSeries(plain, tmp.resolve("plain")).subList(0, 2));
        files.addAll(PhantomDicomWriter.writeSeries(tilted, tmp.resolve("tilted")).subList(5, 7));
        for (Path f : files) assertNoErrors(f);
    }

    /** The one full-size test: a 512x512 series (24 slices to keep it quick), validated and read back. */
    @Test
    void fullSizeSeries() throws Exception {
        PhantomOptions opts = PhantomOptions.defaults().withSlices(24, 24).withNegativeFraction(0);
        long t0 = System.nanoTime();
        PhantomStudy s = new PhantomGenerator(opts).generate(1, 1);
        long t1 = System.nanoTime();
        List<Path> files = PhantomDicomWriter.writeSeries(s, tmp.resolve("full"));
        long t2 = System.nanoTime();
        System.out.printf("full-size phantom: %d slices 512x512, generate %.2f s, write %.2f s%n",
                s.volume().slices(), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        assertEquals(24, files.size());
        assertTrue(s.hemorrhage());
        AttributeList l = new AttributeList();
        l.read(files.get(12).toFile());
        assertEquals(512, Attribute.getSingleIntegerValueOrDefault(l, TagFromName.Rows, 0));
        assertEquals("24", Attribute.getSingleStringValueOrEmptyString(l, AttributeList.getDictionary().getTagFromName("ImagesInAcquisition")));
        if (Files.isExecutable(DCIODVFY)) assertNoErrors(files.get(12));
    }

    static String dciodvfy(Path f) throws Exception {
        Process p = new ProcessBuilder(DCIODVFY.toString(), f.toString()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String(out, StandardCharsets.UTF_8);
    }

    private static void assertNoErrors(Path f) throws Exception {
        String out = dciodvfy(f);
        for (String line : out.split("\n")) assertFalse(line.contains("Error"), "dciodvfy on " + f + ":\n" + out);
        assertFalse(out.contains("Warning"), "dciodvfy warnings on " + f + ":\n" + out);
    }

    private static Map<String, byte[]> tree(Path root) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> st = Files.walk(root)) {
            for (Path p : st.filter(Files::isRegularFile).toList()) m.put(root.relativize(p).toString(), Files.readAllBytes(p));
        }
        return m;
    }

    private static final class Arrays2 {
        static boolean sameContent(Map<String, byte[]> a, Map<String, byte[]> b) {
            if (!a.keySet().equals(b.keySet())) return false;
            for (String k : a.keySet()) if (!java.util.Arrays.equals(a.get(k), b.get(k))) return false;
            return true;
        }
    }
}
