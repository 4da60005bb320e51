package org.ichnode.dicom.read;

import static org.junit.jupiter.api.Assertions.*;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ichnode.core.volume.AssemblyResult;
import org.ichnode.core.volume.CtSlice;
import org.ichnode.core.volume.Volume;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CtSliceReaderTest {

    @TempDir Path tmp;

    // ---- compressed transfer syntaxes, made from the real files with DCMTK into the temp dir ----

    private static void dcmtk(String... cmd) throws IOException, InterruptedException {
        boolean found = false;
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, cmd[0]))) { found = true; break; }
        }
        Assumptions.assumeTrue(found, cmd[0] + " (DCMTK) is not installed: skipping");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), cmd[0] + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }

    private static String transferSyntax(Path f) throws Exception {
        AttributeList l = new AttributeList();
        l.readOnlyMetaInformationHeader(f.toFile());
        return Attribute.getSingleStringValueOrNull(l, TagFromName.TransferSyntaxUID);
    }

    private void assertSameAfterCompression(Path original, String tool, String option, String expectedTs) throws Exception {
        Path out = tmp.resolve(original.getFileName() + "." + tool + (option == null ? "" : option.replace('+', '_')) + ".dcm");
        if (option == null) dcmtk(tool, original.toString(), out.toString());
        else dcmtk(tool, option, original.toString(), out.toString());
        assertEquals(expectedTs, transferSyntax(out));
        CtSlice a = CtSliceReader.read(original).get(0);
        CtSlice b = CtSliceReader.read(out).get(0);
        assertArrayEquals(a.storedValues(), b.storedValues(), tool + " must be lossless and decoded");
        assertEquals(a.signed(), b.signed());
        assertEquals(a.geometry(), b.geometry());
        assertEquals(a.rescaleIntercept(), b.rescaleIntercept());
    }

    @Test
    void rleAndJpegLosslessDecodeToTheSameValues() throws Exception {
        Path ge = RealCt.dir("ge-head-tilted").resolve("01.dcm");
        Path ph = RealCt.dir("philips-head-phantom-5mm").resolve("I140");
        for (Path f : List.of(ge, ph)) {
            assertSameAfterCompression(f, "dcmcrle", null, TransferSyntax.RLE);
            assertSameAfterCompression(f, "dcmcjpeg", "+e1", "1.2.840.10008.1.2.4.70"); // process 14 SV1
            assertSameAfterCompression(f, "dcmcjpeg", "+el", "1.2.840.10008.1.2.4.57");      // process 14
        }
    }

    @Test
    void compressedSeriesAssemblesLikeTheOriginal() throws Exception {
        Path dir = RealCt.dir("philips-head-phantom-5mm");
        List<Path> originals = RealCt.files(dir);
        List<Path> compressed = new ArrayList<>();
        for (int i = 0; i < originals.size(); i++) {
            Path out = tmp.resolve("c" + i);
            if (i % 2 == 0) dcmtk("dcmcjpeg", "+e1", originals.get(i).toString(), out.toString());
            else dcmtk("dcmcrle", originals.get(i).toString(), out.toString());
            compressed.add(out);
        }
        Volume a = new SeriesVolumeLoader().load(originals).volumeOrThrow();
        Volume b = new SeriesVolumeLoader().load(compressed).volumeOrThrow();
        assertArrayEquals(a.hu(), b.hu());
        assertEquals(a.sourceInstanceUids(), b.sourceInstanceUids());
    }

    // ---- synthetic files written with PixelMed ----

    private static void put(AttributeList l, AttributeTag tag, String... values) throws DicomException {
        Attribute a = l.putNewAttribute(tag);
        for (String v : values) a.addValue(v);
    }

    private static void putInt(AttributeList l, AttributeTag tag, int v) throws DicomException {
        l.putNewAttribute(tag).addValue(v);
    }

    /** A minimal CT Image Storage instance, 2 rows x 3 columns. */
    static AttributeList ct(String sop, double z, short[] pixels, int bitsStored, int pixelRepresentation) throws DicomException {
        AttributeList l = new AttributeList();
        put(l, TagFromName.SOPClassUID, SOPClass.CTImageStorage);
        put(l, TagFromName.SOPInstanceUID, sop);
        put(l, TagFromName.StudyInstanceUID, "1.2.826.0.1.3680043.10.1.1");
        put(l, TagFromName.SeriesInstanceUID, "1.2.826.0.1.3680043.10.1.2");
        put(l, TagFromName.FrameOfReferenceUID, "1.2.826.0.1.3680043.10.1.3");
        put(l, TagFromName.Modality, "CT");
        put(l, TagFromName.ImageType, "ORIGINAL", "PRIMARY", "AXIAL");
        put(l, TagFromName.InstanceNumber, "7");
        put(l, TagFromName.ImagePositionPatient, "-1", "-2", Double.toString(z));
        put(l, TagFromName.ImageOrientationPatient, "1", "0", "0", "0", "1", "0");
        put(l, TagFromName.PixelSpacing, "0.5", "0.5");
        put(l, TagFromName.SliceThickness, "5");
        putInt(l, TagFromName.Rows, 2);
        putInt(l, TagFromName.Columns, 3);
        putInt(l, TagFromName.SamplesPerPixel, 1);
        put(l, TagFromName.PhotometricInterpretation, "MONOCHROME2");
        putInt(l, TagFromName.BitsAllocated, 16);
        putInt(l, TagFromName.BitsStored, bitsStored);
        putInt(l, TagFromName.HighBit, bitsStored - 1);
        putInt(l, TagFromName.PixelRepresentation, pixelRepresentation);
        OtherWordAttribute px = new OtherWordAttribute(TagFromName.PixelData);
        px.setValues(pixels);
        l.put(px);
        return l;
    }

    private Path write(AttributeList l, String name) throws Exception {
        FileMetaInformation.addFileMetaInformation(l, TransferSyntax.ExplicitVRLittleEndian, "ICHNODETEST");
        Path f = tmp.resolve(name);
        l.write(f.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
        return f;
    }

    @Test
    void unsignedWithoutRescaleAndHighBitsMasked() throws Exception {
        // 16-bit unsigned values above 32767, no RescaleSlope/Intercept -> slope 1, intercept 0
        short[] px = {(short) 40000, 0, 1, 2, 3, (short) 65535};
        CtSlice s = CtSliceReader.read(write(ct("1.2.826.0.1.3680043.10.1.10", 0, px, 16, 0), "u16")).get(0);
        assertEquals(1.0, s.rescaleSlope());
        assertEquals(0.0, s.rescaleIntercept());
        assertFalse(s.signed());
        assertEquals(40000, s.storedValue(0));
        assertEquals(65535, s.storedValue(5));
        assertEquals(Short.MAX_VALUE, s.hu(0), "clamped to the short range");
        assertEquals(Integer.valueOf(7), s.instanceNumber());
        assertEquals(5.0, s.sliceThicknessMm());

        // 12 bits stored, unsigned, junk in the bits above the high bit is masked off
        short[] px12 = {(short) 0xF000, (short) 0x1FFF, 1024, 1064, 0, 4095};
        AttributeList l = ct("1.2.826.0.1.3680043.10.1.11", 0, px12, 12, 0);
        put(l, TagFromName.RescaleIntercept, "-1024");
        put(l, TagFromName.RescaleSlope, "1");
        CtSlice s12 = CtSliceReader.read(write(l, "u12")).get(0);
        assertEquals(0, s12.storedValue(0));
        assertEquals(0xFFF, s12.storedValue(1));
        assertEquals(-1024, s12.hu(0));
        assertEquals(40, s12.hu(3));
    }

    @Test
    void signedValuesIncludingTwelveBitSignExtension() throws Exception {
        short[] px = {-1500, -1000, 0, 40, 1000, 3000};
        CtSlice s = CtSliceReader.read(write(ct("1.2.826.0.1.3680043.10.1.12", 0, px, 16, 1), "s16")).get(0);
        assertTrue(s.signed());
        assertEquals(-1500, s.hu(0));
        assertEquals(3000, s.hu(5));
        // 12-bit two's complement: 0xFFF is -1, 0x800 is -2048 (written without sign extension in the top bits)
        short[] px12 = {0x0FFF, 0x0800, 0x07FF, 0, 40, 0x0C18};
        CtSlice s12 = CtSliceReader.read(write(ct("1.2.826.0.1.3680043.10.1.13", 0, px12, 12, 1), "s12")).get(0);
        assertEquals(-1, s12.hu(0));
        assertEquals(-2048, s12.hu(1));
        assertEquals(2047, s12.hu(2));
        assertEquals(-1000, s12.hu(5));
    }

    @Test
    void notCtOrNoGeometryOrNotDicomGivesAClearException() throws Exception {
        AttributeList mr = ct("1.2.826.0.1.3680043.10.1.14", 0, new short[6], 16, 1);
        put(mr, TagFromName.SOPClassUID, SOPClass.MRImageStorage);
        put(mr, TagFromName.Modality, "MR");
        Path mrFile = write(mr, "mr");
        CtReadException e1 = assertThrows(CtReadException.class, () -> CtSliceReader.read(mrFile));
        assertTrue(e1.getMessage().contains("not a CT image: SOP Class UID " + SOPClass.MRImageStorage + ", Modality MR"),
                e1.getMessage());
        assertEquals(mrFile, e1.file());

        AttributeList noPos = ct("1.2.826.0.1.3680043.10.1.15", 0, new short[6], 16, 1);
        noPos.remove(TagFromName.ImagePositionPatient);
        Path noPosFile = write(noPos, "nopos");
        CtReadException e2 = assertThrows(CtReadException.class, () -> CtSliceReader.read(noPosFile));
        assertTrue(e2.getMessage().endsWith("lacks geometry: no ImagePositionPatient"), e2.getMessage());

        AttributeList noSpacing = ct("1.2.826.0.1.3680043.10.1.16", 0, new short[6], 16, 1);
        noSpacing.remove(TagFromName.PixelSpacing);
        Path noSpacingFile = write(noSpacing, "nospacing");
        assertTrue(assertThrows(CtReadException.class, () -> CtSliceReader.read(noSpacingFile)).getMessage()
                .endsWith("lacks geometry: no usable PixelSpacing"));

        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "this is not DICOM at all, just some text that is long enough to be read");
        CtReadException e3 = assertThrows(CtReadException.class, () -> CtSliceReader.read(text));
        assertTrue(e3.getMessage().startsWith(text + ": "), e3.getMessage());

        // the loader refuses the series and names the file
        AssemblyResult r = new SeriesVolumeLoader().load(List.of(write(ct("1.2.826.0.1.3680043.10.1.17", 0, new short[6], 16, 1), "ok"), mrFile));
        assertFalse(r.isAccepted());
        assertTrue(r.refusalReason().orElseThrow().startsWith("cannot read " + mrFile + ": not a CT image"), r.refusalReason().orElseThrow());
    }

    @Test
    void enhancedCtGivesOneSlicePerFrameFromFunctionalGroups() throws Exception {
        AttributeList l = ct("1.2.826.0.1.3680043.10.1.20", 0, new short[0], 16, 1);
        put(l, TagFromName.SOPClassUID, SOPClass.EnhancedCTImageStorage);
        l.remove(TagFromName.ImagePositionPatient);
        l.remove(TagFromName.ImageOrientationPatient);
        l.remove(TagFromName.PixelSpacing);
        l.remove(TagFromName.SliceThickness);
        int frames = 3;
        put(l, TagFromName.NumberOfFrames, Integer.toString(frames));
        // shared: orientation, pixel measures, rescale
        AttributeList shared = new AttributeList();
        SequenceAttribute ori = new SequenceAttribute(TagFromName.PlaneOrientationSequence);
        AttributeList oriItem = new AttributeList();
        put(oriItem, TagFromName.ImageOrientationPatient, "1", "0", "0", "0", "1", "0");
        ori.addItem(oriItem);
        shared.put(ori);
        SequenceAttribute meas = new SequenceAttribute(TagFromName.PixelMeasuresSequence);
        AttributeList measItem = new AttributeList();
        put(measItem, TagFromName.PixelSpacing, "0.7", "0.7");
        put(measItem, TagFromName.SliceThickness, "2.5");
        meas.addItem(measItem);
        shared.put(meas);
        SequenceAttribute pvt = new SequenceAttribute(TagFromName.PixelValueTransformationSequence);
        AttributeList pvtItem = new AttributeList();
        put(pvtItem, TagFromName.RescaleIntercept, "-1024");
        put(pvtItem, TagFromName.RescaleSlope, "1");
        pvt.addItem(pvtItem);
        shared.put(pvt);
        SequenceAttribute sharedSeq = new SequenceAttribute(TagFromName.SharedFunctionalGroupsSequence);
        sharedSeq.addItem(shared);
        l.put(sharedSeq);
        // per frame: positions in descending z (frame 1 is the top slice)
        SequenceAttribute perFrame = new SequenceAttribute(TagFromName.PerFrameFunctionalGroupsSequence);
        for (int f = 0; f < frames; f++) {
            AttributeList item = new AttributeList();
            SequenceAttribute pos = new SequenceAttribute(TagFromName.PlanePositionSequence);
            AttributeList posItem = new AttributeList();
            put(posItem, TagFromName.ImagePositionPatient, "-1", "-2", Double.toString(10 - 2.5 * f));
            pos.addItem(posItem);
            item.put(pos);
            perFrame.addItem(item);
        }
        l.put(perFrame);
        short[] px = new short[6 * frames];
        for (int f = 0; f < frames; f++) for (int i = 0; i < 6; i++) px[f * 6 + i] = (short) (1024 + 100 * f + i);
        OtherWordAttribute pixelData = new OtherWordAttribute(TagFromName.PixelData);
        pixelData.setValues(px);
        l.put(pixelData);
        Path file = write(l, "enhanced");

        List<CtSlice> slices = CtSliceReader.read(file);
        assertEquals(3, slices.size());
        for (int f = 0; f < frames; f++) {
            CtSlice s = slices.get(f);
            assertEquals(f + 1, s.frameNumber());
            assertEquals("1.2.826.0.1.3680043.10.1.20", s.sopInstanceUid());
            assertEquals(10 - 2.5 * f, s.geometry().position().z(), 1e-9);
            assertEquals(0.7, s.geometry().rowSpacingMm(), 1e-9);
            assertEquals(2.5, s.sliceThicknessMm(), 1e-9);
            assertEquals(-1024, s.rescaleIntercept());
            assertEquals(100 * f + 5, s.hu(5));
        }
        AssemblyResult r = new SeriesVolumeLoader().load(List.of(file));
        assertTrue(r.isAccepted(), r.toString());
        Volume v = r.volumeOrThrow();
        assertEquals(3, v.slices());
        assertEquals(5.0, v.positionAlongNormal(0), 1e-9);   // frame 3 first
        assertEquals(200, v.hu(0, 0, 0));
        assertEquals(0, v.hu(0, 0, 2));
        assertEquals(List.of(3, 2, 1), r.diagnostics().orElseThrow().slices().stream().map(x -> x.frameNumber()).toList());
        assertTrue(r.diagnostics().orElseThrow().droppedDuplicateInstances().isEmpty(), "frames are not duplicates");
    }
}
