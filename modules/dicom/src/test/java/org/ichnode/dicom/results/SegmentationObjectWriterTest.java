package org.ichnode.dicom.results;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.display.SourceImage;
import org.ichnode.core.segmentation.Finding.Laterality;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.volume.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentationObjectWriterTest {

    static final List<Fixtures.Blob> SYNTHETIC_BLOBS = List.of(
            new Fixtures.Blob(30, 40, 9, 6, 0, 1, Laterality.RIGHT),   // first slice: frame boundary at the start
            new Fixtures.Blob(70, 80, 7, 11, 4, 6, Laterality.LEFT));  // last slice too

    /** The shipped model's name and version made a 73-character Content Description, over the 64 that LO allows. */
    @Test
    void contentDescriptionFitsLoWhateverTheModelIsCalled() {
        assertEquals("AI hemorrhage segmentation (ich-node HU baseline 1.0)", SegmentationObjectWriter.contentDescription("ich-node HU baseline", "1.0"));
        String longOne = SegmentationObjectWriter.contentDescription("ich-node weak U-Net", "2026.12.04-phantom-grown");
        assertEquals("ich-node weak U-Net 2026.12.04-phantom-grown", longOne);
        assertEquals(64, SegmentationObjectWriter.contentDescription("x".repeat(80), "1").length());
    }

    @Test
    void syntheticNonSquareTiltedSeg(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.synthetic(dir.resolve("ct"), SYNTHETIC_BLOBS);
        assertTrue(c.volume().voxelsPerSlice() % 8 != 0, "the fixture must exercise packing across frames");
        SourceImages sources = SourceImages.read(c.volume(), c.files());
        var seg = SegmentationObjectWriter.build(c.volume(), c.segmentation(), sources,
                ResultDevice.of(c.segmentation(), "TESTNODE"), SegmentationObjectWriter.Options.defaults());
        assertEquals(List.of(0, 1, 4, 5, 6), seg.frameSlices());
        Path file = seg.dicom().write(dir.resolve("seg.dcm"));
        checkEverything(c, sources, seg, file);
    }

    @Test
    void allFramesOption(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.synthetic(dir.resolve("ct"), SYNTHETIC_BLOBS);
        SourceImages sources = SourceImages.read(c.volume(), c.files());
        var seg = SegmentationObjectWriter.build(c.volume(), c.segmentation(), sources,
                ResultDevice.of(c.segmentation(), "TESTNODE"), SegmentationObjectWriter.Options.defaults().withAllFrames(true));
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), seg.frameSlices());
        Path file = seg.dicom().write(dir.resolve("seg-all.dcm"));
        checkEverything(c, sources, seg, file);
    }

    @Test
    void realTiltedGeSeries(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.realTilted(List.of(
                new Fixtures.Blob(300, 260, 25, 18, 12, 14, Laterality.LEFT),
                new Fixtures.Blob(200, 300, 10, 10, 20, 20, Laterality.RIGHT)));
        assertEquals(28, c.volume().slices());
        SourceImages sources = SourceImages.read(c.volume(), c.files());
        var seg = SegmentationObjectWriter.build(c.volume(), c.segmentation(), sources,
                ResultDevice.of(c.segmentation(), "TESTNODE"), SegmentationObjectWriter.Options.defaults());
        assertEquals(List.of(12, 13, 14, 20), seg.frameSlices());
        Path file = seg.dicom().write(dir.resolve("seg-ge.dcm"));
        checkEverything(c, sources, seg, file);
    }

    @Test
    void refusesEmptyAndBadMasks(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.synthetic(dir.resolve("ct"), List.of());
        SourceImages sources = SourceImages.read(c.volume(), c.files());
        ResultDevice device = ResultDevice.of(c.segmentation(), "TESTNODE");
        var opts = SegmentationObjectWriter.Options.defaults();
        var empty = assertThrows(ResultBuildException.class,
                () -> SegmentationObjectWriter.build(c.volume(), c.segmentation(), sources, device, opts));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        assertThrows(ResultBuildException.class, () -> SegmentationObjectWriter.build(c.volume(), c.segmentation(), sources, device,
                opts.withAllFrames(true)));

        byte[] two = new byte[c.volume().hu().length];
        two[5] = 2;
        var bad = assertThrows(ResultBuildException.class, () -> SegmentationObjectWriter.build(c.volume(),
                new Segmentation(two, null, 0.5, List.of(), "x", "1"), sources, device, opts));
        assertTrue(bad.getMessage().contains("0 and 1"), bad.getMessage());

        byte[] shortMask = new byte[10];
        assertThrows(ResultBuildException.class, () -> SegmentationObjectWriter.build(c.volume(),
                new Segmentation(shortMask, null, 0.5, List.of(), "x", "1"), sources, device, opts));

        // headers that do not belong to the volume's slices
        List<AttributeList> reversed = new ArrayList<>();
        for (int i = c.volume().slices() - 1; i >= 0; i--) reversed.add(sources.header(i));
        var order = assertThrows(ResultBuildException.class, () -> SourceImages.of(c.volume(), reversed));
        assertTrue(order.getMessage().contains("SOP Instance"), order.getMessage());
    }

    /** dciodvfy, PixelMed decode bit for bit, headers against the sources, dcmjs mapping. */
    static void checkEverything(Fixtures.Case c, SourceImages sources, SegmentationObjectWriter.SegmentationObject seg, Path file)
            throws Exception {
        Validators.dciodvfy(file);

        Volume v = c.volume();
        byte[] mask = c.segmentation().mask();
        int plane = v.voxelsPerSlice();
        List<Integer> frames = seg.frameSlices();

        AttributeList l = new AttributeList();
        l.read(file.toString());
        assertEquals("1.2.840.10008.5.1.4.1.1.66.4", Attribute.getSingleStringValueOrNull(l, TagFromName.SOPClassUID));
        assertEquals("SEG", Attribute.getSingleStringValueOrNull(l, TagFromName.Modality));
        assertEquals(1, Attribute.getSingleIntegerValueOrDefault(l, TagFromName.BitsAllocated, 0));
        assertEquals(frames.size(), Attribute.getSingleIntegerValueOrDefault(l, TagFromName.NumberOfFrames, 0));
        assertEquals(v.rows(), Attribute.getSingleIntegerValueOrDefault(l, TagFromName.Rows, 0));
        assertEquals(v.columns(), Attribute.getSingleIntegerValueOrDefault(l, TagFromName.Columns, 0));
        assertEquals(sources.frameOfReferenceUid(), Attribute.getSingleStringValueOrNull(l, TagFromName.FrameOfReferenceUID));
        AttributeList src0 = sources.header(0);
        for (var tag : new com.pixelmed.dicom.AttributeTag[] {TagFromName.StudyInstanceUID, TagFromName.PatientID,
                TagFromName.PatientName, TagFromName.AccessionNumber, TagFromName.StudyDate}) {
            assertEquals(Attribute.getSingleStringValueOrEmptyString(src0, tag), Attribute.getSingleStringValueOrEmptyString(l, tag),
                    SourceImages.tagName(tag));
        }
        assertTrue(Attribute.getSingleStringValueOrNull(l, TagFromName.SeriesInstanceUID).startsWith("2.25."));
        assertEquals("ich-node", Attribute.getSingleStringValueOrNull(l, TagFromName.Manufacturer));

        // per-frame references and geometry equal to the source slice
        SequenceAttribute pf = (SequenceAttribute) l.get(TagFromName.PerFrameFunctionalGroupsSequence);
        assertEquals(frames.size(), pf.getNumberOfItems());
        for (int f = 0; f < frames.size(); f++) {
            int s = frames.get(f);
            AttributeList fg = pf.getItem(f).getAttributeList();
            AttributeList der = SequenceAttribute.getAttributeListFromWithinSequenceWithSingleItem(fg, TagFromName.DerivationImageSequence);
            AttributeList si = SequenceAttribute.getAttributeListFromWithinSequenceWithSingleItem(der, TagFromName.SourceImageSequence);
            assertEquals(v.sourceInstanceUids().get(s), Attribute.getSingleStringValueOrNull(si, TagFromName.ReferencedSOPInstanceUID));
            AttributeList pos = SequenceAttribute.getAttributeListFromWithinSequenceWithSingleItem(fg, TagFromName.PlanePositionSequence);
            assertArrayEquals(Attribute.getDoubleValues(sources.header(s), TagFromName.ImagePositionPatient),
                    Attribute.getDoubleValues(pos, TagFromName.ImagePositionPatient));
        }
        SequenceAttribute refSeries = (SequenceAttribute) l.get(TagFromName.ReferencedSeriesSequence);
        SequenceAttribute refInst = (SequenceAttribute) refSeries.getItem(0).getAttributeList().get(TagFromName.ReferencedInstanceSequence);
        assertEquals(v.slices(), refInst.getNumberOfItems());

        // bit for bit: raw bytes unpacked here (LSB first, continuous), and PixelMed's own decoding
        byte[] raw = l.getPixelData().getByteValues();
        assertTrue(raw.length >= ((long) plane * frames.size() + 7) / 8);
        SourceImage image = new SourceImage(l);
        assertEquals(frames.size(), image.getNumberOfFrames());
        for (int f = 0; f < frames.size(); f++) {
            int s = frames.get(f);
            BufferedImage bi = image.getBufferedImage(f);
            assertNotNull(bi);
            for (int p = 0; p < plane; p++) {
                long k = (long) f * plane + p;
                int bit = (raw[(int) (k >>> 3)] >> (k & 7)) & 1;
                int expected = mask[s * plane + p];
                if (bit != expected) throw new AssertionError("raw bit frame " + f + " pixel " + p + ": " + bit + " != " + expected);
                int px = bi.getRaster().getSample(p % v.columns(), p / v.columns(), 0) != 0 ? 1 : 0;
                if (px != expected) throw new AssertionError("PixelMed pixel frame " + f + " pixel " + p + ": " + px + " != " + expected);
            }
        }

        // dcmjs (OHIF): frame -> source image and the labelmap it builds per source image
        List<Path> sourceFiles = new ArrayList<>();
        for (int s = 0; s < v.slices(); s++) sourceFiles.add(fileOf(c, v.sourceInstanceUids().get(s)));
        Validators.DcmjsResult js = Validators.dcmjs(file, sourceFiles);
        System.out.println("--- dcmjs " + file.getFileName() + "\n" + js.json());
        assertEquals(frames.size(), js.numberOfFrames());
        assertEquals(frames.size(), js.frames().size(), js.json());
        for (int f = 0; f < frames.size(); f++) {
            int s = frames.get(f);
            var jf = js.frames().get(f);
            assertEquals(v.sourceInstanceUids().get(s), jf.referencedSopInstanceUid(), "frame " + (f + 1));
            assertEquals(1, jf.segmentNumber());
            assertEquals(count(mask, s, plane), jf.setPixels(), "set pixels of frame " + (f + 1));
            assertEquals(indexSum(mask, s, plane), jf.indexSum(), "pixel positions of frame " + (f + 1));
        }
        Map<String, Validators.DcmjsImage> images = js.images();
        assertEquals(v.slices(), images.size(), js.json());
        for (int s = 0; s < v.slices(); s++) {
            var im = images.get(v.sourceInstanceUids().get(s));
            assertEquals(count(mask, s, plane), im.setPixels(), "dcmjs labelmap of slice " + s);
            assertEquals(indexSum(mask, s, plane), im.indexSum(), "dcmjs labelmap positions of slice " + s);
        }
    }

    static Path fileOf(Fixtures.Case c, String sopInstanceUid) throws Exception {
        for (Path p : c.files()) {
            AttributeList l = new AttributeList();
            l.read(p.toString(), TagFromName.PixelData);
            if (sopInstanceUid.equals(Attribute.getSingleStringValueOrNull(l, TagFromName.SOPInstanceUID))) return p;
        }
        throw new AssertionError("no file for " + sopInstanceUid);
    }

    static long count(byte[] mask, int slice, int plane) {
        long n = 0;
        for (int p = 0; p < plane; p++) n += mask[slice * plane + p];
        return n;
    }

    static long indexSum(byte[] mask, int slice, int plane) {
        long n = 0;
        for (int p = 0; p < plane; p++) if (mask[slice * plane + p] != 0) n += p;
        return n;
    }
}
