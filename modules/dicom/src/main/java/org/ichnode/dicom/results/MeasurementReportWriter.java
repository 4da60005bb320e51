package org.ichnode.dicom.results;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.ContentItem;
import com.pixelmed.dicom.ContentItemFactory;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.StructuredReport;
import com.pixelmed.dicom.TagFromName;
import org.ichnode.core.segmentation.Finding;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.dicom.UidGenerator;

import java.time.LocalDateTime;
import java.util.Locale;
import java.util.Objects;

/**
 * Builds a Comprehensive SR with TID 1500 "Imaging Measurement Report" for one segmentation result:
 * <ul>
 *   <li>language, device observer context (name, UID, manufacturer, model = algorithm and version, serial = node),
 *       procedure reported (25045-6, LN, "CT unspecified body region"), image library listing every source CT
 *       instance;</li>
 *   <li>with findings: a TID 1411 group "All hemorrhage" on segment 1 of the SEG (total volume in ml, the study
 *       probability as (111012, DCM, "Certainty of Finding") in %), then per lesion a TID 1411 group: tracking
 *       identifier "Hemorrhage N" (N = the finding's label) and a tracking UID, finding Hemorrhage, Referenced
 *       Segment (the SEG, segment 1: the lesion is a connected component of it), source series for segmentation,
 *       finding site Brain with laterality where known, volume (ml), long axis (mm), mean attenuation
 *       ([hnsf'U], derivation Mean);</li>
 *   <li>without findings: one TID 1501 group "All hemorrhage" with 0 ml and the probability, no SEG reference;</li>
 *   <li>per lesion, where the segmenter gives one, its own probability as Certainty of Finding;</li>
 *   <li>qualitative evaluation Hemorrhage = Present / Absent, and a comment with the call in words: the study
 *       probability and the operating point it was judged against.</li>
 * </ul>
 * CurrentRequestedProcedureEvidenceSequence lists the CT instances and the SEG. (PixelMed's DicomSRValidator
 * validates every measurement group as TID 1411 as soon as one of them references a segment, which is why the
 * study-level group is a TID 1411 group too when there is a SEG.)
 */
public final class MeasurementReportWriter {

    public static final String COMPREHENSIVE_SR = SOPClass.ComprehensiveSRStorage;

    static final Dcm.Code REPORT = new Dcm.Code("126000", "DCM", "Imaging Measurement Report");
    static final Dcm.Code LANGUAGE = new Dcm.Code("121049", "DCM", "Language of Content Item and Descendants");
    static final Dcm.Code EN_US = new Dcm.Code("en-US", "RFC5646", "English (United States)");
    static final Dcm.Code OBSERVER_TYPE = new Dcm.Code("121005", "DCM", "Observer Type");
    static final Dcm.Code DEVICE = new Dcm.Code("121007", "DCM", "Device");
    static final Dcm.Code DEVICE_UID = new Dcm.Code("121012", "DCM", "Device Observer UID");
    static final Dcm.Code DEVICE_NAME = new Dcm.Code("121013", "DCM", "Device Observer Name");
    static final Dcm.Code DEVICE_MANUFACTURER = new Dcm.Code("121014", "DCM", "Device Observer Manufacturer");
    static final Dcm.Code DEVICE_MODEL = new Dcm.Code("121015", "DCM", "Device Observer Model Name");
    static final Dcm.Code DEVICE_SERIAL = new Dcm.Code("121016", "DCM", "Device Observer Serial Number");
    static final Dcm.Code PROCEDURE_REPORTED = new Dcm.Code("121058", "DCM", "Procedure reported");
    /** (24725-4, LN, "CT Head") is reported by PixelMed's DicomSRValidator as not in CID 100; this one passes. */
    static final Dcm.Code PROCEDURE = new Dcm.Code("25045-6", "LN", "CT unspecified body region");
    static final Dcm.Code IMAGE_LIBRARY = new Dcm.Code("111028", "DCM", "Image Library");
    static final Dcm.Code IMAGE_LIBRARY_GROUP = new Dcm.Code("126200", "DCM", "Image Library Group");
    static final Dcm.Code IMAGING_MEASUREMENTS = new Dcm.Code("126010", "DCM", "Imaging Measurements");
    static final Dcm.Code MEASUREMENT_GROUP = new Dcm.Code("125007", "DCM", "Measurement Group");
    static final Dcm.Code TRACKING_ID = new Dcm.Code("112039", "DCM", "Tracking Identifier");
    static final Dcm.Code TRACKING_UID = new Dcm.Code("112040", "DCM", "Tracking Unique Identifier");
    static final Dcm.Code FINDING = new Dcm.Code("121071", "DCM", "Finding");
    static final Dcm.Code HEMORRHAGE = SegmentationObjectWriter.HEMORRHAGE;
    static final Dcm.Code REFERENCED_SEGMENT = new Dcm.Code("121191", "DCM", "Referenced Segment");
    static final Dcm.Code SOURCE_SERIES = new Dcm.Code("121232", "DCM", "Source series for segmentation");
    static final Dcm.Code FINDING_SITE = new Dcm.Code("363698007", "SCT", "Finding Site");
    static final Dcm.Code BRAIN = SegmentationObjectWriter.BRAIN;
    static final Dcm.Code LATERALITY = new Dcm.Code("272741003", "SCT", "Laterality");
    static final Dcm.Code LEFT = new Dcm.Code("7771000", "SCT", "Left");
    static final Dcm.Code RIGHT = new Dcm.Code("24028007", "SCT", "Right");
    static final Dcm.Code BILATERAL = new Dcm.Code("51440002", "SCT", "Right and left");
    static final Dcm.Code VOLUME = new Dcm.Code("118565006", "SCT", "Volume");
    static final Dcm.Code LONG_AXIS = new Dcm.Code("103339001", "SCT", "Long Axis");
    static final Dcm.Code ATTENUATION = new Dcm.Code("112031", "DCM", "Attenuation Coefficient");
    static final Dcm.Code DERIVATION = new Dcm.Code("121401", "DCM", "Derivation");
    static final Dcm.Code MEAN = new Dcm.Code("373098007", "SCT", "Mean");
    static final Dcm.Code CERTAINTY = new Dcm.Code("111012", "DCM", "Certainty of Finding");
    static final Dcm.Code QUALITATIVE = new Dcm.Code("C0034375", "UMLS", "Qualitative Evaluations");
    static final Dcm.Code PRESENT = new Dcm.Code("52101004", "SCT", "Present");
    static final Dcm.Code ABSENT = new Dcm.Code("2667000", "SCT", "Absent");
    static final Dcm.Code ML = new Dcm.Code("ml", "UCUM", "milliliter");
    static final Dcm.Code MM = new Dcm.Code("mm", "UCUM", "millimeter");
    static final Dcm.Code HU = new Dcm.Code("[hnsf'U]", "UCUM", "Hounsfield unit");
    static final Dcm.Code PERCENT = new Dcm.Code("%", "UCUM", "Percent");
    static final Dcm.Code COMMENT = new Dcm.Code("121106", "DCM", "Comment");

    /** @param seriesNumber SeriesNumber of the new SR series; @param seriesDescription SeriesDescription */
    public record Options(int seriesNumber, String seriesDescription) {
        public Options {
            if (seriesNumber < 0) throw new ResultBuildException("seriesNumber must be >= 0");
            if (seriesDescription == null || seriesDescription.isBlank() || seriesDescription.length() > 64) {
                throw new ResultBuildException("seriesDescription must be 1..64 characters");
            }
        }

        public static Options defaults() { return new Options(902, "AI hemorrhage report"); }

        /** The series description a worklist shows: the call first ("SUSPECTED HEMORRHAGE - AI report"). */
        public static Options forCall(String callText) { return new Options(902, callText + " - AI report"); }
    }

    private MeasurementReportWriter() { }

    /**
     * Builds the report.
     *
     * @param seg the SEG written for this result; required when the segmentation has findings, must be null or
     *            may be given when it has none (it is then only listed as evidence)
     * @throws ResultBuildException when findings exist without a SEG, the SEG belongs to another study, or a
     *                              measurement is not finite
     */
    public static DicomObject build(SourceImages sources, Segmentation segmentation,
                                    SegmentationObjectWriter.SegmentationObject seg, ResultDevice device, Options options) {
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(segmentation, "segmentation");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(options, "options");
        if (segmentation.hemorrhageFound() && seg == null) {
            throw new ResultBuildException("the segmentation has " + segmentation.findings().size()
                    + " findings: the report must reference their SEG");
        }
        if (seg != null && !seg.dicom().studyInstanceUid().equals(sources.studyInstanceUid())) {
            throw new ResultBuildException("the SEG belongs to study " + seg.dicom().studyInstanceUid() + ", the sources to "
                    + sources.studyInstanceUid());
        }
        for (Finding f : segmentation.findings()) {
            if (!Double.isFinite(f.volumeMl()) || f.volumeMl() < 0 || !Double.isFinite(f.longestAxialDiameterMm())
                    || f.longestAxialDiameterMm() < 0 || !Double.isFinite(f.meanHu())) {
                throw new ResultBuildException("finding " + f.label() + " has a measurement that is not a finite value: " + f);
            }
        }
        try {
            return buildReport(sources, segmentation, seg, device, options);
        } catch (DicomException e) {
            throw new ResultBuildException("cannot build the measurement report: " + e.getMessage(), e);
        }
    }

    private static DicomObject buildReport(SourceImages sources, Segmentation segmentation,
                                           SegmentationObjectWriter.SegmentationObject seg, ResultDevice device,
                                           Options options) throws DicomException {
        ContentItemFactory cif = new ContentItemFactory();
        ContentItem root = cif.makeContainerContentItem(null, null, REPORT.item(), true, "DCMR", "1500");
        cif.makeCodeContentItem(root, "HAS CONCEPT MOD", LANGUAGE.item(), EN_US.item());
        cif.makeCodeContentItem(root, "HAS OBS CONTEXT", OBSERVER_TYPE.item(), DEVICE.item());
        cif.makeUIDContentItem(root, "HAS OBS CONTEXT", DEVICE_UID.item(), device.deviceUid());
        cif.makeTextContentItem(root, "HAS OBS CONTEXT", DEVICE_NAME.item(), device.manufacturer() + " " + device.serialNumber());
        cif.makeTextContentItem(root, "HAS OBS CONTEXT", DEVICE_MANUFACTURER.item(), device.manufacturer());
        cif.makeTextContentItem(root, "HAS OBS CONTEXT", DEVICE_MODEL.item(), device.algorithmName() + " " + device.algorithmVersion());
        cif.makeTextContentItem(root, "HAS OBS CONTEXT", DEVICE_SERIAL.item(), device.serialNumber());
        cif.makeCodeContentItem(root, "HAS CONCEPT MOD", PROCEDURE_REPORTED.item(), PROCEDURE.item());

        ContentItem library = cif.makeContainerContentItem(root, "CONTAINS", IMAGE_LIBRARY.item(), true);
        ContentItem group = cif.makeContainerContentItem(library, "CONTAINS", IMAGE_LIBRARY_GROUP.item(), true);
        for (int s = 0; s < sources.size(); s++) {
            cif.makeImageContentItem(group, "CONTAINS", null, sources.sopClassUid(s), sources.sopInstanceUid(s), 0, 0,
                    null, null, null, null);
        }

        ContentItem measurements = cif.makeContainerContentItem(root, "CONTAINS", IMAGING_MEASUREMENTS.item(), true);
        if (seg != null && segmentation.hemorrhageFound()) {
            // the whole segment: all hemorrhage, total volume, study probability (TID 1411 on segment 1)
            ContentItem all = volumetricGroup(cif, measurements, "All hemorrhage", sources, seg);
            cif.makeCodeContentItem(all, "HAS CONCEPT MOD", FINDING_SITE.item(), BRAIN.item());
            cif.makeNumericContentItem(all, "CONTAINS", VOLUME.item(), number(segmentation.totalVolumeMl(), 3), ML.item(), null);
            certainty(cif, all, segmentation);
            // each lesion: a connected component of segment 1
            for (Finding f : segmentation.findings()) {
                ContentItem g = volumetricGroup(cif, measurements, "Hemorrhage " + f.label(), sources, seg);
                ContentItem site = cif.makeCodeContentItem(g, "HAS CONCEPT MOD", FINDING_SITE.item(), BRAIN.item());
                Dcm.Code side = laterality(f.laterality());
                if (side != null) cif.makeCodeContentItem(site, "HAS CONCEPT MOD", LATERALITY.item(), side.item());
                cif.makeNumericContentItem(g, "CONTAINS", VOLUME.item(), number(f.volumeMl(), 3), ML.item(), null);
                cif.makeNumericContentItem(g, "CONTAINS", LONG_AXIS.item(), number(f.longestAxialDiameterMm(), 1), MM.item(), null);
                ContentItem mean = cif.makeNumericContentItem(g, "CONTAINS", ATTENUATION.item(), number(f.meanHu(), 1), HU.item(), null);
                cif.makeCodeContentItem(mean, "HAS CONCEPT MOD", DERIVATION.item(), MEAN.item());
                if (f.hasProbability()) {
                    cif.makeNumericContentItem(g, "CONTAINS", CERTAINTY.item(), number(f.probability() * 100, 1), PERCENT.item(), null);
                }
            }
        } else {
            // nothing found: a TID 1501 group with 0 ml and the study probability, no segment
            ContentItem study = cif.makeContainerContentItem(measurements, "CONTAINS", MEASUREMENT_GROUP.item(), true, "DCMR", "1501");
            cif.makeTextContentItem(study, "HAS OBS CONTEXT", TRACKING_ID.item(), "All hemorrhage");
            cif.makeUIDContentItem(study, "HAS OBS CONTEXT", TRACKING_UID.item(), UidGenerator.newUid());
            cif.makeCodeContentItem(study, "CONTAINS", FINDING.item(), HEMORRHAGE.item());
            cif.makeCodeContentItem(study, "HAS CONCEPT MOD", FINDING_SITE.item(), BRAIN.item());
            cif.makeNumericContentItem(study, "CONTAINS", VOLUME.item(), number(segmentation.totalVolumeMl(), 3), ML.item(), null);
            certainty(cif, study, segmentation);
        }

        ContentItem qualitative = cif.makeContainerContentItem(root, "CONTAINS", QUALITATIVE.item(), true);
        cif.makeCodeContentItem(qualitative, "CONTAINS", HEMORRHAGE.item(),
                (segmentation.hemorrhageFound() ? PRESENT : ABSENT).item());
        cif.makeTextContentItem(qualitative, "CONTAINS", COMMENT.item(), callText(segmentation));

        AttributeList list = new StructuredReport(root).getAttributeList();
        LocalDateTime now = LocalDateTime.now();
        String sopInstanceUid = UidGenerator.newUid();
        String seriesUid = UidGenerator.newUid();
        new ResultHeader(COMPREHENSIVE_SR, sopInstanceUid, "SR", seriesUid, options.seriesNumber(), options.seriesDescription(), 1, now)
                .writeTo(list, sources, device);
        Dcm.sequence(list, TagFromName.ReferencedPerformedProcedureStepSequence); // Type 2 in SR Document Series
        Dcm.put(list, TagFromName.CompletionFlag, "COMPLETE");
        Dcm.put(list, TagFromName.VerificationFlag, "UNVERIFIED");
        Dcm.sequence(list, TagFromName.PerformedProcedureCodeSequence); // Type 2

        AttributeList evidence = Dcm.item(list, TagFromName.CurrentRequestedProcedureEvidenceSequence);
        Dcm.put(evidence, TagFromName.StudyInstanceUID, sources.studyInstanceUid());
        SequenceAttribute series = Dcm.sequence(evidence, TagFromName.ReferencedSeriesSequence);
        AttributeList ct = new AttributeList();
        Dcm.put(ct, TagFromName.SeriesInstanceUID, sources.seriesInstanceUid());
        SequenceAttribute ctInstances = Dcm.sequence(ct, TagFromName.ReferencedSOPSequence);
        for (int s = 0; s < sources.size(); s++) ctInstances.addItem(reference(sources.sopClassUid(s), sources.sopInstanceUid(s)));
        series.addItem(ct);
        if (seg != null) {
            AttributeList segSeries = new AttributeList();
            Dcm.put(segSeries, TagFromName.SeriesInstanceUID, seg.dicom().seriesInstanceUid());
            Dcm.sequence(segSeries, TagFromName.ReferencedSOPSequence)
                    .addItem(reference(seg.dicom().sopClassUid(), seg.dicom().sopInstanceUid()));
            series.addItem(segSeries);
        }
        return new DicomObject(list, COMPREHENSIVE_SR, sopInstanceUid, seriesUid, sources.studyInstanceUid());
    }

    /** TID 1411 group start: tracking identifier and UID, finding Hemorrhage, segment 1 of the SEG, source series. */
    private static ContentItem volumetricGroup(ContentItemFactory cif, ContentItem parent, String trackingId, SourceImages sources,
                                               SegmentationObjectWriter.SegmentationObject seg) throws DicomException {
        ContentItem g = cif.makeContainerContentItem(parent, "CONTAINS", MEASUREMENT_GROUP.item(), true, "DCMR", "1411");
        cif.makeTextContentItem(g, "HAS OBS CONTEXT", TRACKING_ID.item(), trackingId);
        cif.makeUIDContentItem(g, "HAS OBS CONTEXT", TRACKING_UID.item(), UidGenerator.newUid());
        cif.makeCodeContentItem(g, "CONTAINS", FINDING.item(), HEMORRHAGE.item());
        cif.makeImageContentItem(g, "CONTAINS", REFERENCED_SEGMENT.item(), seg.dicom().sopClassUid(),
                seg.dicom().sopInstanceUid(), 0, seg.segmentNumber(), null, null, null, null);
        cif.makeUIDContentItem(g, "CONTAINS", SOURCE_SERIES.item(), sources.seriesInstanceUid());
        return g;
    }

    /** The call in words, with the study probability and the operating point it was judged against. */
    static String callText(Segmentation s) {
        String p = String.format(Locale.ROOT, "study probability %.1f %%", s.studyProbability() * 100);
        if (s.operatingPoint() <= 0) {
            return (s.hemorrhageFound() ? "Suspected hemorrhage" : "No hemorrhage detected") + ": " + p
                    + "; this algorithm has no operating point, every finding is reported";
        }
        String op = String.format(Locale.ROOT, "operating point %.1f %%", s.operatingPoint() * 100);
        if (s.belowOperatingPoint()) return "No hemorrhage detected: " + p + " below the " + op + "; nothing is segmented";
        if (!s.hemorrhageFound()) return "No hemorrhage segmented: " + p + " at or above the " + op + ", but no lesion was large enough to report";
        return "Suspected hemorrhage: " + p + " at or above the " + op;
    }

    /** The study-level probability of hemorrhage, 0..100 %. */
    private static void certainty(ContentItemFactory cif, ContentItem group, Segmentation segmentation) throws DicomException {
        cif.makeNumericContentItem(group, "CONTAINS", CERTAINTY.item(), number(segmentation.studyProbability() * 100, 1),
                PERCENT.item(), null);
    }

    private static AttributeList reference(String sopClass, String sopInstance) {
        AttributeList r = new AttributeList();
        Dcm.put(r, TagFromName.ReferencedSOPClassUID, sopClass);
        Dcm.put(r, TagFromName.ReferencedSOPInstanceUID, sopInstance);
        return r;
    }

    static Dcm.Code laterality(Finding.Laterality l) {
        return switch (l) {
            case LEFT -> LEFT;
            case RIGHT -> RIGHT;
            case BILATERAL -> BILATERAL;
            case MIDLINE, UNKNOWN -> null;
        };
    }

    /** A DS value (at most 16 characters) with up to {@code decimals} decimals. */
    static String number(double v, int decimals) {
        if (!Double.isFinite(v)) throw new ResultBuildException("not a finite number: " + v);
        String s = String.format(Locale.ROOT, "%." + decimals + "f", v);
        if (s.length() > 16) s = String.format(Locale.ROOT, "%.6g", v);
        return s;
    }

}
