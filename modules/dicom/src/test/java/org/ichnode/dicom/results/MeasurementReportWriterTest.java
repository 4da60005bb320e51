package org.ichnode.dicom.results;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.StructuredReport;
import com.pixelmed.dicom.TagFromName;
import org.ichnode.core.segmentation.Finding.Laterality;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.dicom.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MeasurementReportWriterTest {

    @Test
    void realTiltedSeriesWithFindings(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.realTilted(List.of(
                new Fixtures.Blob(300, 260, 25, 18, 12, 14, Laterality.LEFT),
                new Fixtures.Blob(200, 300, 10, 10, 20, 20, Laterality.RIGHT),
                new Fixtures.Blob(256, 200, 6, 6, 16, 16, Laterality.MIDLINE)));
        SourceImages sources = SourceImages.read(c.volume(), c.files());
        ResultDevice device = ResultDevice.of(c.segmentation(), "TESTNODE");
        var seg = SegmentationObjectWriter.build(c.volume(), c.segmentation(), sources, device,
                SegmentationObjectWriter.Options.defaults());
        Path segFile = seg.dicom().write(dir.resolve("seg.dcm"));
        Validators.dciodvfy(segFile);
        DicomObject sr = MeasurementReportWriter.build(sources, c.segmentation(), seg, device, MeasurementReportWriter.Options.defaults());
        Path srFile = sr.write(dir.resolve("sr.dcm"));
        check(srFile, c, sources, seg);
    }

    @Test
    void syntheticWithFindings(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.synthetic(dir.resolve("ct"), SegmentationObjectWriterTest.SYNTHETIC_BLOBS);
        SourceImages sources = SourceImages.read(c.volume(), c.files());
        ResultDevice device = ResultDevice.of(c.segmentation(), "TESTNODE");
        var seg = SegmentationObjectWriter.build(c.volume(), c.segmentation(), sources, device,
                SegmentationObjectWriter.Options.defaults());
        DicomObject sr = MeasurementReportWriter.build(sources, c.segmentation(), seg, device, MeasurementReportWriter.Options.defaults());
        check(sr.write(dir.resolve("sr.dcm")), c, sources, seg);
    }

    @Test
    void noHemorrhage(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.realTilted(List.of());
        assertFalse(c.segmentation().hemorrhageFound());
        SourceImages sources = SourceImages.read(c.volume(), c.files());
        ResultDevice device = ResultDevice.of(c.segmentation(), "TESTNODE");
        DicomObject sr = MeasurementReportWriter.build(sources, c.segmentation(), null, device, MeasurementReportWriter.Options.defaults());
        Path srFile = sr.write(dir.resolve("sr-negative.dcm"));
        String text = check(srFile, c, sources, null);
        assertTrue(text.contains("Absent"), text);
        assertFalse(text.contains("Referenced Segment"), text);
        assertFalse(text.contains("Present"), text);
    }

    @Test
    void belowTheOperatingPointTheReportSaysSoWithBothFigures(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.realTilted(List.of());
        Segmentation below = new Segmentation(c.segmentation().mask(), null, 0.123, List.of(), "ich-test-unet", "1.2.3", 0.45);
        Fixtures.Case negative = new Fixtures.Case(c.files(), c.volume(), below);
        SourceImages sources = SourceImages.read(c.volume(), c.files());
        DicomObject sr = MeasurementReportWriter.build(sources, below, null, ResultDevice.of(below, "TESTNODE"),
                MeasurementReportWriter.Options.defaults());
        String text = check(sr.write(dir.resolve("sr-below.dcm")), negative, sources, null);
        assertTrue(text.contains("No hemorrhage detected: study probability 12.3 % below the operating point 45.0 %"), text);
        assertTrue(text.contains("Absent"), text);
    }

    @Test
    void eachLesionCarriesItsOwnProbability(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.synthetic(dir.resolve("ct"), SegmentationObjectWriterTest.SYNTHETIC_BLOBS);
        Segmentation s = c.segmentation();
        List<org.ichnode.core.segmentation.Finding> withP = new java.util.ArrayList<>();
        for (var f : s.findings()) withP.add(f.withProbability(0.5 + 0.1 * f.label()));
        Segmentation called = new Segmentation(s.mask(), null, 0.97, withP, s.algorithmName(), s.algorithmVersion(), 0.4);
        Fixtures.Case positive = new Fixtures.Case(c.files(), c.volume(), called);
        SourceImages sources = SourceImages.read(c.volume(), c.files());
        ResultDevice device = ResultDevice.of(called, "TESTNODE");
        var seg = SegmentationObjectWriter.build(c.volume(), called, sources, device, SegmentationObjectWriter.Options.defaults());
        DicomObject sr = MeasurementReportWriter.build(sources, called, seg, device, MeasurementReportWriter.Options.defaults());
        String text = check(sr.write(dir.resolve("sr.dcm")), positive, sources, seg);
        for (var f : withP) {
            assertTrue(text.contains("Certainty of Finding = " + MeasurementReportWriter.number(f.probability() * 100, 1) + " Percent"), text);
        }
        assertTrue(text.contains("Suspected hemorrhage: study probability 97.0 % at or above the operating point 40.0 %"), text);
    }

    @Test
    void refusesFindingsWithoutSeg(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.synthetic(dir.resolve("ct"), SegmentationObjectWriterTest.SYNTHETIC_BLOBS);
        SourceImages sources = SourceImages.read(c.volume(), c.files());
        var e = assertThrows(ResultBuildException.class, () -> MeasurementReportWriter.build(sources, c.segmentation(), null,
                ResultDevice.of(c.segmentation(), "N"), MeasurementReportWriter.Options.defaults()));
        assertTrue(e.getMessage().contains("SEG"), e.getMessage());
        Segmentation s = c.segmentation();
        var f = s.findings().get(0);
        var nan = new Segmentation(s.mask(), null, 0.9, List.of(new org.ichnode.core.segmentation.Finding(f.label(), f.voxelCount(),
                Double.NaN, f.centroid(), 1, 50, f.laterality(), 0, 0)), "a", "1");
        var seg = SegmentationObjectWriter.build(c.volume(), nan, sources, ResultDevice.of(nan, "N"), SegmentationObjectWriter.Options.defaults());
        assertThrows(ResultBuildException.class, () -> MeasurementReportWriter.build(sources, nan, seg,
                ResultDevice.of(nan, "N"), MeasurementReportWriter.Options.defaults()));
    }

    /** dciodvfy, DicomSRValidator, dcsrdump, and the content against the input. Returns PixelMed's tree text. */
    static String check(Path srFile, Fixtures.Case c, SourceImages sources, SegmentationObjectWriter.SegmentationObject seg)
            throws Exception {
        Validators.dciodvfy(srFile);
        Validators.srValidator(srFile);
        if (new java.io.File("/usr/bin/dcsrdump").canExecute()) {
            System.out.println("--- dcsrdump " + srFile.getFileName() + "\n" + Tools.run(List.of("dcsrdump", srFile.toString())).output());
        }
        AttributeList l = new AttributeList();
        l.read(srFile.toString());
        assertEquals("1.2.840.10008.5.1.4.1.1.88.33", Attribute.getSingleStringValueOrNull(l, TagFromName.SOPClassUID));
        assertEquals("SR", Attribute.getSingleStringValueOrNull(l, TagFromName.Modality));
        assertEquals(sources.studyInstanceUid(), Attribute.getSingleStringValueOrNull(l, TagFromName.StudyInstanceUID));
        assertEquals(Attribute.getSingleStringValueOrEmptyString(sources.header(0), TagFromName.PatientID),
                Attribute.getSingleStringValueOrEmptyString(l, TagFromName.PatientID));
        String text = new StructuredReport(l).toString();
        Segmentation s = c.segmentation();
        assertEquals(s.findings().size(), count(text, "Tracking Identifier") - 1, text); // one per lesion + the study group
        for (var f : s.findings()) {
            assertTrue(text.contains("Tracking Identifier = Hemorrhage " + f.label()), text);
            assertTrue(text.contains("Volume = " + MeasurementReportWriter.number(f.volumeMl(), 3) + " milliliter"), text);
            assertTrue(text.contains("Long Axis = " + MeasurementReportWriter.number(f.longestAxialDiameterMm(), 1) + " millimeter"), text);
            assertTrue(text.contains("Attenuation Coefficient = " + MeasurementReportWriter.number(f.meanHu(), 1) + " Hounsfield unit"), text);
        }
        assertTrue(text.contains("Volume = " + MeasurementReportWriter.number(s.totalVolumeMl(), 3) + " milliliter"), text);
        assertTrue(text.contains("Certainty of Finding = " + MeasurementReportWriter.number(s.studyProbability() * 100, 1) + " Percent"), text);
        assertEquals(s.hemorrhageFound() ? s.findings().size() + 1 : 0, count(text, "Referenced Segment"), text);
        assertTrue(text.contains(s.hemorrhageFound() ? "Present" : "Absent"), text);
        if (s.findings().stream().anyMatch(f -> f.laterality() == Laterality.LEFT)) assertTrue(text.contains("Left"), text);

        // evidence: every CT instance, plus the SEG when there is one
        SequenceAttribute ev = (SequenceAttribute) l.get(TagFromName.CurrentRequestedProcedureEvidenceSequence);
        Set<String> referenced = new HashSet<>();
        SequenceAttribute series = (SequenceAttribute) ev.getItem(0).getAttributeList().get(TagFromName.ReferencedSeriesSequence);
        for (int i = 0; i < series.getNumberOfItems(); i++) {
            SequenceAttribute sops = (SequenceAttribute) series.getItem(i).getAttributeList().get(TagFromName.ReferencedSOPSequence);
            for (int j = 0; j < sops.getNumberOfItems(); j++) {
                referenced.add(Attribute.getSingleStringValueOrNull(sops.getItem(j).getAttributeList(), TagFromName.ReferencedSOPInstanceUID));
            }
        }
        Set<String> expected = new HashSet<>(c.volume().sourceInstanceUids());
        if (seg != null) expected.add(seg.dicom().sopInstanceUid());
        assertEquals(expected, referenced);
        return text;
    }

    static int count(String text, String word) {
        int n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) n++;
        return n;
    }
}
