package org.ichnode.dicom.results;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.AttributeTagAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.OtherByteAttribute;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.volume.Volume;
import org.ichnode.dicom.UidGenerator;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Builds a DICOM Segmentation (BINARY) with one segment "Hemorrhage" from a {@link Segmentation} mask, pixel-aligned
 * with the source CT: one frame per source slice that holds hemorrhage (or per slice, {@link Options#allFrames()}),
 * each frame with the plane position and orientation of its source slice and a DerivationImageSequence /
 * SourceImageSequence that names that exact CT instance. Bits are packed least significant first, continuously
 * across frames (no padding between frames when Rows x Columns is not a multiple of 8).
 *
 * <p>An empty mask is refused: a SEG without segmented pixels is not a useful object (with {@code allFrames} it
 * would carry only empty frames); write no SEG then.
 */
public final class SegmentationObjectWriter {

    public static final String SEGMENTATION_STORAGE = SOPClass.SegmentationStorage;
    public static final int SEGMENT_NUMBER = 1;
    public static final String SEGMENT_LABEL = "Hemorrhage";

    static final Dcm.Code CATEGORY = new Dcm.Code("49755003", "SCT", "Morphologically Altered Structure");
    static final Dcm.Code HEMORRHAGE = new Dcm.Code("50960005", "SCT", "Hemorrhage");
    static final Dcm.Code BRAIN = new Dcm.Code("12738006", "SCT", "Brain");
    static final Dcm.Code SEGMENTATION_DERIVATION = new Dcm.Code("113076", "DCM", "Segmentation");
    static final Dcm.Code SOURCE_FOR_PROCESSING = new Dcm.Code("121322", "DCM", "Source image for image processing operation");
    /** Red, as CIELab scaled to 0..65535 (L 53.2, a 80.1, b 67.2). */
    static final int[] RED_CIELAB = {34893, 53486, 50167};

    /**
     * @param seriesNumber       SeriesNumber of the new SEG series
     * @param seriesDescription  SeriesDescription
     * @param allFrames          true: one frame per source slice, also empty ones; false: only slices with hemorrhage
     * @param contentCreatorName ContentCreatorName (PN)
     */
    public record Options(int seriesNumber, String seriesDescription, boolean allFrames, String contentCreatorName) {
        public Options {
            if (seriesNumber < 0) throw new ResultBuildException("seriesNumber must be >= 0");
            if (seriesDescription == null || seriesDescription.isBlank() || seriesDescription.length() > 64) throw new ResultBuildException("seriesDescription must be 1..64 characters");
            if (seriesDescription.length() > 64) throw new ResultBuildException("seriesDescription longer than 64 characters");
            if (contentCreatorName == null || contentCreatorName.isBlank()) throw new ResultBuildException("contentCreatorName is missing");
        }

        public static Options defaults() {
            return new Options(901, "AI hemorrhage segmentation", false, "ICHNODE^AI");
        }

        public Options withAllFrames(boolean all) { return new Options(seriesNumber, seriesDescription, all, contentCreatorName); }

        public Options withSeriesNumber(int n) { return new Options(n, seriesDescription, allFrames, contentCreatorName); }

        public Options withSeriesDescription(String d) { return new Options(seriesNumber, d, allFrames, contentCreatorName); }
    }

    /**
     * The built SEG.
     *
     * @param dicom         the instance
     * @param segmentNumber the hemorrhage segment's number (1)
     * @param frameSlices   for each frame (in frame order), the volume slice index it is aligned with
     */
    public record SegmentationObject(DicomObject dicom, int segmentNumber, List<Integer> frameSlices) {
        public SegmentationObject { frameSlices = List.copyOf(frameSlices); }
    }

    private SegmentationObjectWriter() { }

    /**
     * Builds the SEG.
     *
     * @throws ResultBuildException when the mask is empty, has values other than 0/1, or does not fit the volume or the
     *                              sources
     */
    public static SegmentationObject build(Volume volume, Segmentation segmentation, SourceImages sources,
                                           ResultDevice device, Options options) {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(segmentation, "segmentation");
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(options, "options");
        byte[] mask = segmentation.mask();
        int plane = volume.voxelsPerSlice();
        if (mask.length != (long) plane * volume.slices()) {
            throw new ResultBuildException("mask has " + mask.length + " voxels, the volume " + (long) plane * volume.slices());
        }
        if (sources.size() != volume.slices()) {
            throw new ResultBuildException(sources.size() + " source headers for " + volume.slices() + " slices");
        }
        boolean[] sliceHasMask = new boolean[volume.slices()];
        long set = 0;
        for (int i = 0; i < mask.length; i++) {
            byte b = mask[i];
            if (b == 0) continue;
            if (b != 1) throw new ResultBuildException("mask value " + b + " at voxel " + i + ": a binary mask holds only 0 and 1");
            sliceHasMask[i / plane] = true;
            set++;
        }
        if (set == 0) throw new ResultBuildException("the mask is empty: an empty SEG is not valid, write no SEG");

        List<Integer> frames = new ArrayList<>();
        for (int s = 0; s < volume.slices(); s++) if (options.allFrames() || sliceHasMask[s]) frames.add(s);

        LocalDateTime now = LocalDateTime.now();
        String sopInstanceUid = UidGenerator.newUid();
        String seriesUid = UidGenerator.newUid();
        AttributeList list = new AttributeList();
        // patient, study, SOP Common, General Series, equipment; then Segmentation Series, Frame of Reference
        new ResultHeader(SEGMENTATION_STORAGE, sopInstanceUid, "SEG", seriesUid, options.seriesNumber(), options.seriesDescription(), 1, now)
                .writeTo(list, sources, device);
        Dcm.put(list, TagFromName.FrameOfReferenceUID, sources.frameOfReferenceUid());
        Dcm.copy(sources.header(0), list, TagFromName.PositionReferenceIndicator, true);

        // Segmentation Image, Image Pixel, Multi-frame Functional Groups
        Dcm.put(list, TagFromName.ImageType, "DERIVED", "PRIMARY");
        Dcm.put(list, TagFromName.ContentLabel, "HEMORRHAGE");
        Dcm.put(list, TagFromName.ContentDescription, contentDescription(device.algorithmName(), device.algorithmVersion()));
        Dcm.put(list, TagFromName.ContentCreatorName, options.contentCreatorName());
        Dcm.put(list, TagFromName.SegmentationType, "BINARY");
        Dcm.put(list, TagFromName.LossyImageCompression, "00");
        Dcm.put(list, TagFromName.SamplesPerPixel, 1);
        Dcm.put(list, TagFromName.PhotometricInterpretation, "MONOCHROME2");
        Dcm.put(list, TagFromName.Rows, volume.rows());
        Dcm.put(list, TagFromName.Columns, volume.columns());
        Dcm.put(list, TagFromName.BitsAllocated, 1);
        Dcm.put(list, TagFromName.BitsStored, 1);
        Dcm.put(list, TagFromName.HighBit, 0);
        Dcm.put(list, TagFromName.PixelRepresentation, 0);
        Dcm.put(list, TagFromName.NumberOfFrames, Integer.toString(frames.size()));

        AttributeList segment = new AttributeList();
        Dcm.put(segment, TagFromName.SegmentNumber, SEGMENT_NUMBER);
        Dcm.put(segment, TagFromName.SegmentLabel, SEGMENT_LABEL);
        Dcm.code(segment, TagFromName.SegmentedPropertyCategoryCodeSequence, CATEGORY);
        Dcm.code(segment, TagFromName.SegmentedPropertyTypeCodeSequence, HEMORRHAGE);
        Dcm.code(segment, TagFromName.AnatomicRegionSequence, BRAIN);
        Dcm.put(segment, TagFromName.SegmentAlgorithmType, "AUTOMATIC");
        Dcm.put(segment, Dcm.SEGMENT_ALGORITHM_NAME, device.algorithmName() + " " + device.algorithmVersion());
        Dcm.put(segment, TagFromName.RecommendedDisplayCIELabValue, RED_CIELAB);
        Dcm.sequence(list, TagFromName.SegmentSequence).addItem(segment);

        // Multi-frame Dimension: segment number, then position
        String dimensionOrganization = UidGenerator.newUid();
        Dcm.put(Dcm.item(list, TagFromName.DimensionOrganizationSequence), TagFromName.DimensionOrganizationUID, dimensionOrganization);
        Dcm.put(list, TagFromName.DimensionOrganizationType, "3D");
        SequenceAttribute dims = Dcm.sequence(list, TagFromName.DimensionIndexSequence);
        dims.addItem(dimension(dimensionOrganization, TagFromName.ReferencedSegmentNumber,
                TagFromName.SegmentIdentificationSequence, "ReferencedSegmentNumber"));
        dims.addItem(dimension(dimensionOrganization, TagFromName.ImagePositionPatient,
                TagFromName.PlanePositionSequence, "ImagePositionPatient"));

        // Functional groups: orientation and pixel measures shared when equal for all frames, else per frame
        List<AttributeList> orientation = new ArrayList<>();
        List<AttributeList> measures = new ArrayList<>();
        for (int s : frames) {
            AttributeList h = sources.header(s);
            AttributeList o = new AttributeList();
            Dcm.copy(h, o, TagFromName.ImageOrientationPatient, false);
            orientation.add(o);
            AttributeList m = new AttributeList();
            Dcm.copy(h, m, TagFromName.PixelSpacing, false);
            if (positive(h, TagFromName.SliceThickness)) Dcm.copy(h, m, TagFromName.SliceThickness, false);
            else Dcm.put(m, TagFromName.SliceThickness, format(spacingAround(volume, s)));
            measures.add(m);
        }
        boolean sharedOrientation = allEqual(orientation, TagFromName.ImageOrientationPatient);
        boolean sharedMeasures = allEqual(measures, TagFromName.PixelSpacing) && allEqual(measures, TagFromName.SliceThickness);
        AttributeList shared = new AttributeList();
        if (sharedOrientation) Dcm.sequence(shared, TagFromName.PlaneOrientationSequence).addItem(orientation.get(0));
        if (sharedMeasures) Dcm.sequence(shared, TagFromName.PixelMeasuresSequence).addItem(measures.get(0));
        Dcm.sequence(list, TagFromName.SharedFunctionalGroupsSequence).addItem(shared);

        int[] positionIndex = positionIndices(volume, frames);
        SequenceAttribute perFrame = Dcm.sequence(list, TagFromName.PerFrameFunctionalGroupsSequence);
        for (int f = 0; f < frames.size(); f++) {
            int s = frames.get(f);
            AttributeList h = sources.header(s);
            AttributeList fg = new AttributeList();
            AttributeList derivation = Dcm.item(fg, TagFromName.DerivationImageSequence);
            Dcm.code(derivation, TagFromName.DerivationCodeSequence, SEGMENTATION_DERIVATION);
            AttributeList source = Dcm.item(derivation, TagFromName.SourceImageSequence);
            Dcm.put(source, TagFromName.ReferencedSOPClassUID, sources.sopClassUid(s));
            Dcm.put(source, TagFromName.ReferencedSOPInstanceUID, sources.sopInstanceUid(s));
            Dcm.code(source, TagFromName.PurposeOfReferenceCodeSequence, SOURCE_FOR_PROCESSING);
            AttributeList content = Dcm.item(fg, TagFromName.FrameContentSequence);
            Dcm.put(content, TagFromName.DimensionIndexValues, SEGMENT_NUMBER, positionIndex[f]);
            AttributeList position = Dcm.item(fg, TagFromName.PlanePositionSequence);
            Dcm.copy(h, position, TagFromName.ImagePositionPatient, false);
            if (!sharedOrientation) Dcm.sequence(fg, TagFromName.PlaneOrientationSequence).addItem(orientation.get(f));
            if (!sharedMeasures) Dcm.sequence(fg, TagFromName.PixelMeasuresSequence).addItem(measures.get(f));
            Dcm.put(Dcm.item(fg, TagFromName.SegmentIdentificationSequence), TagFromName.ReferencedSegmentNumber, SEGMENT_NUMBER);
            perFrame.addItem(fg);
        }

        // Common Instance Reference: every source instance
        AttributeList refSeries = Dcm.item(list, TagFromName.ReferencedSeriesSequence);
        Dcm.put(refSeries, TagFromName.SeriesInstanceUID, sources.seriesInstanceUid());
        SequenceAttribute refInstances = Dcm.sequence(refSeries, TagFromName.ReferencedInstanceSequence);
        for (int s = 0; s < sources.size(); s++) {
            AttributeList ri = new AttributeList();
            Dcm.put(ri, TagFromName.ReferencedSOPClassUID, sources.sopClassUid(s));
            Dcm.put(ri, TagFromName.ReferencedSOPInstanceUID, sources.sopInstanceUid(s));
            refInstances.addItem(ri);
        }

        OtherByteAttribute pixels = new OtherByteAttribute(TagFromName.PixelData);
        try {
            pixels.setValues(pack(mask, plane, frames));
        } catch (DicomException e) {
            throw new ResultBuildException("cannot set PixelData: " + e.getMessage(), e);
        }
        list.put(pixels);

        DicomObject dicom = new DicomObject(list, SEGMENTATION_STORAGE, sopInstanceUid, seriesUid, sources.studyInstanceUid());
        return new SegmentationObject(dicom, SEGMENT_NUMBER, frames);
    }

    /** Packs the mask planes of {@code frames}: bit k of the stream is pixel k mod plane of frame k / plane, least
     *  significant bit first; padded to an even length. */
    static byte[] pack(byte[] mask, int plane, List<Integer> frames) {
        long bits = (long) plane * frames.size();
        long bytes = (bits + 7) / 8;
        if (bytes % 2 == 1) bytes++;
        if (bytes > Integer.MAX_VALUE - 8) throw new ResultBuildException("SEG pixel data too large: " + bytes + " bytes");
        byte[] out = new byte[(int) bytes];
        long k = 0;
        for (int s : frames) {
            int base = s * plane;
            for (int p = 0; p < plane; p++, k++) {
                if (mask[base + p] != 0) out[(int) (k >>> 3)] |= (byte) (1 << (k & 7));
            }
        }
        return out;
    }

    /** Unpacks {@code frameCount} planes of {@code plane} pixels packed as by {@link #pack}. */
    public static byte[][] unpack(byte[] packed, int plane, int frameCount) {
        byte[][] out = new byte[frameCount][plane];
        long k = 0;
        for (int f = 0; f < frameCount; f++) {
            for (int p = 0; p < plane; p++, k++) out[f][p] = (byte) ((packed[(int) (k >>> 3)] >> (k & 7)) & 1);
        }
        return out;
    }

    private static AttributeList dimension(String organization, AttributeTag pointer, AttributeTag group, String label) {
        AttributeList d = new AttributeList();
        try {
            AttributeTagAttribute p = new AttributeTagAttribute(TagFromName.DimensionIndexPointer);
            p.addValue(pointer);
            d.put(p);
            AttributeTagAttribute g = new AttributeTagAttribute(TagFromName.FunctionalGroupPointer);
            g.addValue(group);
            d.put(g);
        } catch (DicomException e) {
            throw new ResultBuildException("cannot build DimensionIndexSequence: " + e.getMessage(), e);
        }
        Dcm.put(d, TagFromName.DimensionOrganizationUID, organization);
        Dcm.put(d, TagFromName.DimensionDescriptionLabel, label);
        return d;
    }

    /** 1-based rank of each frame's position along the normal of slice 0 (frames are in volume order already). */
    private static int[] positionIndices(Volume volume, List<Integer> frames) {
        Integer[] order = new Integer[frames.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(volume.positionAlongNormal(frames.get(a)), volume.positionAlongNormal(frames.get(b))));
        int[] rank = new int[frames.size()];
        for (int r = 0; r < order.length; r++) rank[order[r]] = r + 1;
        return rank;
    }

    private static boolean allEqual(List<AttributeList> items, AttributeTag tag) {
        String first = Attribute.getDelimitedStringValuesOrEmptyString(items.get(0), tag);
        for (AttributeList i : items) if (!first.equals(Attribute.getDelimitedStringValuesOrEmptyString(i, tag))) return false;
        return true;
    }

    private static boolean positive(AttributeList l, AttributeTag tag) {
        return Attribute.getSingleDoubleValueOrDefault(l, tag, 0) > 0;
    }

    /** Distance to the nearest neighbouring slice along the normal (used as thickness when the source has none). */
    private static double spacingAround(Volume v, int s) {
        if (v.slices() == 1) return 1.0;
        double best = Double.MAX_VALUE;
        if (s > 0) best = Math.abs(v.positionAlongNormal(s) - v.positionAlongNormal(s - 1));
        if (s + 1 < v.slices()) best = Math.min(best, Math.abs(v.positionAlongNormal(s + 1) - v.positionAlongNormal(s)));
        return best > 0 ? best : 1.0;
    }

    private static String format(double d) {
        String s = String.format(java.util.Locale.ROOT, "%.6f", d);
        return s.length() > 16 ? s.substring(0, 16) : s;
    }

    /** Content Description (LO: at most 64 characters): the algorithm and version, with a prefix where it fits. */
    static String contentDescription(String algorithm, String version) {
        String full = "AI hemorrhage segmentation (" + algorithm + " " + version + ")";
        if (full.length() <= 64) return full;
        String bare = algorithm + " " + version;
        return bare.length() <= 64 ? bare : bare.substring(0, 64);
    }
}
