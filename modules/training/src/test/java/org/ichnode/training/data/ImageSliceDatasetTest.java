package org.ichnode.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.ichnode.dicom.read.CtSliceReader;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.core.volume.HuWindow;
import org.ichnode.training.LabelledStudy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PNG/JPG slice sets made here from real CT (the HU slices and hand-drawn masks of CT-ICH, read from ../shared),
 * rendered in windows as a site or a public set would publish them, and read back through {@code --data}.
 */
class ImageSliceDatasetTest {
    private static final HuWindow BRAIN = new HuWindow(40, 120), BONE = new HuWindow(700, 3200);

    /** One real HU slice and its mask. */
    private record Slice(String patient, String slice, short[] hu, byte[] mask, int n) {
        boolean positive() {
            for (byte b : mask) if (b != 0) return true;
            return false;
        }
    }

    @Test
    void twoPngWindowsGiveTheHuBackWithSliceLabelsSubtypesAndMasks(@TempDir Path dir) throws Exception {
        List<Slice> slices = realSlices(6);
        StringBuilder csv = new StringBuilder("PatientNumber,SliceNumber,Epidural,No_Hemorrhage\n");
        for (Slice s : slices) {
            write(render(s.hu(), s.n(), BRAIN), s.n(), dir.resolve("brain/" + s.patient() + "/" + s.slice() + ".png"), "png");
            write(render(s.hu(), s.n(), BONE), s.n(), dir.resolve("bone/" + s.patient() + "/" + s.slice() + ".png"), "png");
            byte[] m = new byte[s.mask().length];
            for (int i = 0; i < m.length; i++) m[i] = (byte) (s.mask()[i] != 0 ? 255 : 0);
            write(m, s.n(), dir.resolve("masks/" + s.patient() + "/" + s.slice() + ".png"), "png");
            csv.append(Integer.parseInt(s.patient())).append(',').append(Integer.parseInt(s.slice())).append(',')
                    .append(s.positive() ? 1 : 0).append(',').append(s.positive() ? 0 : 1).append('\n');
        }
        Files.writeString(dir.resolve("labels.csv"), csv);
        Files.writeString(dir.resolve(ImageSliceDataset.DESCRIPTOR), """
                images={window}/{study}/{slice}.png
                windows=brain:40/120,bone:700/3200
                labels.study=PatientNumber
                labels.slice=SliceNumber
                labels.noHemorrhage=No_Hemorrhage
                labels.subtypes=Epidural
                masks=masks/{study}/{slice}.png
                pixelSpacingMm=0.45
                sliceThicknessMm=5
                """);
        DatasetOption data = new DatasetOption(dir.toString(), 7, 0, 1_000_000, null);
        assertTrue(data.isImageSlices());
        Map<String, LabelledStudy> read = new LinkedHashMap<>();
        for (LabelledStudy s : data.stream(false).studies()) read.put(s.id(), s);
        assertEquals(slices.stream().map(Slice::patient).distinct().count(), read.size());
        int brainPixels = 0, densePixels = 0;
        for (Slice s : slices) {
            LabelledStudy st = read.get(s.patient());
            int k = st.volume().sourceInstanceUids().indexOf("image-slices-" + s.patient() + "-" + s.slice());
            assertTrue(k >= 0, s.patient() + "/" + s.slice());
            int per = s.n() * s.n();
            assertEquals(0.45, st.volume().sliceGeometry().get(k).rowSpacingMm(), 1e-12);
            assertEquals(s.positive(), st.sliceLabels()[k]);
            assertEquals(s.positive(), st.sliceSubtypes().get(k).contains("epidural"));
            assertTrue(st.masked(k));
            byte[] mask = Arrays.copyOfRange(st.trueMask(), k * per, (k + 1) * per);
            for (int i = 0; i < per; i++) assertEquals(s.mask()[i] != 0 ? 1 : 0, mask[i]);
            short[] hu = Arrays.copyOfRange(st.volume().hu(), k * per, (k + 1) * per);
            for (int i = 0; i < per; i++) {
                int truth = s.hu()[i];
                // brain window steps are 0.47 HU, bone window steps 12.5 HU
                if (truth > -15 && truth < 95) { assertTrue(Math.abs(hu[i] - truth) <= 1, i + ": " + hu[i] + " vs " + truth); brainPixels++; }
                else if (truth > 150 && truth < 2200) { assertTrue(Math.abs(hu[i] - truth) <= 7, i + ": " + hu[i] + " vs " + truth); densePixels++; }
            }
        }
        assertTrue(brainPixels > 50_000 && densePixels > 5_000, brainPixels + " brain and " + densePixels + " dense pixels compared");
        for (LabelledStudy st : read.values()) {
            boolean any = false;
            for (boolean b : st.sliceLabels()) any |= b;
            assertEquals(any, st.positive(), st.id());
        }
    }

    @Test
    void oneJpgWindowWithStudyLabelsOnlySaysTheGeometryIsAssumed(@TempDir Path dir) throws Exception {
        List<Slice> slices = realSlices(3);
        StringBuilder csv = new StringBuilder("study,hemorrhage\n");
        List<String> patients = new ArrayList<>();
        for (Slice s : slices) {
            write(render(s.hu(), s.n(), BRAIN), s.n(), dir.resolve("ct-" + s.patient() + "-" + s.slice() + ".jpg"), "jpg");
            if (!patients.contains(s.patient())) { patients.add(s.patient()); csv.append(s.patient()).append(",1\n"); }
        }
        Files.writeString(dir.resolve("labels.csv"), csv);
        Files.writeString(dir.resolve(ImageSliceDataset.DESCRIPTOR), "images=ct-{study}-{slice}.jpg\nwindows=brain:40/120\n");
        ImageSliceDataset set = ImageSliceDataset.open(dir);
        assertTrue(set.describe().contains("assumed"), set.describe());
        List<String> warnings = new ArrayList<>();
        LabelledStudy st = set.load(slices.get(0).patient(), false, warnings::add);
        assertNull(st.sliceLabels());
        assertTrue(st.positive());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("pixel spacing assumed")), warnings.toString());
        assertEquals(ImageSliceDataset.ASSUMED_PIXEL_MM, st.volume().sliceGeometry().get(0).rowSpacingMm(), 1e-12);
        Slice s = slices.get(0);
        int k = st.volume().sourceInstanceUids().indexOf("image-slices-" + s.patient() + "-" + s.slice()), per = s.n() * s.n();
        List<Integer> diffs = new ArrayList<>();
        for (int i = 0; i < per; i++) {
            if (s.hu()[i] > 0 && s.hu()[i] < 80) diffs.add(Math.abs(st.volume().hu()[k * per + i] - s.hu()[i]));
        }
        diffs.sort(null);
        assertTrue(diffs.get(diffs.size() / 2) <= 2, "median HU difference after JPEG: " + diffs.get(diffs.size() / 2));
        // outside the one window HU is clipped to it
        for (short v : st.volume().hu()) assertTrue(v >= -21 && v <= 101, "clipped to the window: " + v);
    }

    @Test
    void clearErrorsForAnIncompleteDeclaration(@TempDir Path dir) throws Exception {
        Slice s = realSlices(1).get(0);
        write(render(s.hu(), s.n(), BRAIN), s.n(), dir.resolve("a/" + s.patient() + "/" + s.slice() + ".png"), "png");
        Files.writeString(dir.resolve("labels.csv"), "study,hemorrhage\n999,1\n");
        Files.writeString(dir.resolve(ImageSliceDataset.DESCRIPTOR), "images=a/{study}/{slice}.png\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageSliceDataset.open(dir)).getMessage().contains("missing windows"));
        Files.writeString(dir.resolve(ImageSliceDataset.DESCRIPTOR), "images=a/{study}/{slice}.png\nwindows=a:40/120,b:700/3200\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageSliceDataset.open(dir)).getMessage().contains("{window}"));
        Files.writeString(dir.resolve(ImageSliceDataset.DESCRIPTOR), "images=a/{study}/{slice}.png\nwindows=a:40/120\n");
        ImageSliceDataset set = ImageSliceDataset.open(dir);
        assertEquals(List.of(s.patient()), set.ids());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> set.load(s.patient(), false, m -> {})).getMessage().contains("no row"));
        assertFalse(new DatasetOption(dir.resolve("a").toString(), 7, 0, 1, null).isImageSlices());
    }

    /** The first {@code count} HU slices of CT-ICH with their masks (in the orientation of the HU release). */
    private static List<Slice> realSlices(int count) throws Exception {
        Path ctIch = Tools.ctIch();
        List<Slice> out = new ArrayList<>();
        for (String[] f : CtIchDataset.huSlices(ctIch).subList(0, count)) {
            CtSliceReader.Plane img = CtSliceReader.readPlane(ctIch.resolve("hu-slices/images").resolve(f[0]));
            CtSliceReader.Plane mask = CtSliceReader.readPlane(ctIch.resolve("hu-slices/masks").resolve(f[0]));
            byte[] m = new byte[mask.values().length];
            for (int i = 0; i < m.length; i++) m[i] = (byte) (mask.values()[i] > 0 ? 1 : 0);
            out.add(new Slice(String.format("%03d", Integer.parseInt(f[1])), f[2], img.values(), m, img.columns()));
        }
        return out;
    }

    private static byte[] render(short[] hu, int n, HuWindow w) {
        byte[] g = new byte[n * n];
        for (int i = 0; i < g.length; i++) g[i] = (byte) Math.max(0, Math.min(255, Math.round((hu[i] - w.lower()) * 255 / w.width())));
        return g;
    }

    private static void write(byte[] grey, int n, Path file, String format) throws Exception {
        BufferedImage img = new BufferedImage(n, n, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, n, n, grey);
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, format, file.toFile())) throw new IllegalStateException("no writer for " + format);
    }
}
