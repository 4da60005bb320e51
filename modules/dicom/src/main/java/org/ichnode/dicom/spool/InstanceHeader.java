package org.ichnode.dicom.spool;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The identifying and selection-relevant attributes of one stored instance, read without its pixel data.
 * PatientId and AccessionNumber are kept for linking, never for logs.
 */
public record InstanceHeader(String sopClassUid, String sopInstanceUid, String studyInstanceUid,
                             String seriesInstanceUid, String patientId, String accessionNumber, String studyDate,
                             String modality, String bodyPartExamined, String seriesDescription, String imageType,
                             Double sliceThicknessMm, String imageOrientation, Integer imagesInAcquisition,
                             int numberOfFrames, String transferSyntaxUid) {

    private static final AttributeTag IMAGES_IN_ACQUISITION = new AttributeTag(0x0020, 0x1002);

    /** Reads the header of a Part 10 file, stopping before the pixel data. */
    public static InstanceHeader read(Path file) throws IOException {
        DataSetBounds.checkFile(file);
        return readChecked(file);
    }

    /** As {@link #read(Path)} for a file whose bounds the caller has just checked ({@link DataSetBounds#checkFile}). */
    static InstanceHeader readChecked(Path file) throws IOException {
        AttributeList list = new AttributeList();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
             DicomInputStream din = new DicomInputStream(in)) {
            list.read(din, TagFromName.PixelData);
        } catch (DicomException e) {
            throw new IOException("not a readable DICOM object: " + e.getMessage(), e);
        }
        return of(list);
    }

    /**
     * The header from the first bytes of a bare data set (no file meta information) in the given little endian
     * transfer syntax, scanned without PixelMed; null when the scanner is not sure (then use PixelMed).
     */
    public static InstanceHeader scan(byte[] dataSet, int length, String transferSyntaxUid) {
        boolean explicit = !"1.2.840.10008.1.2".equals(transferSyntaxUid);
        java.util.Map<Integer, String> v = HeaderScanner.scan(dataSet, length, explicit);
        if (v == null) return null;
        String sopClass = v.get(0x00080016), sop = v.get(0x00080018), study = v.get(0x0020000D), series = v.get(0x0020000E);
        if (sopClass == null || sop == null || study == null || series == null) return null;
        if (sopClass.equals("1.2.840.10008.5.1.4.1.1.2.1")) return null; // Enhanced CT: orientation is nested
        String frames = v.get(0x00280008);
        return new InstanceHeader(sopClass, sop, study, series, v.get(0x00100020), v.get(0x00080050), v.get(0x00080020),
                v.get(0x00080060), v.get(0x00180015), v.get(0x0008103E), v.get(0x00080008),
                parseDouble(v.get(0x00180050)), v.get(0x00200037), parseInt(v.get(0x00201002)),
                frames == null ? 1 : Math.max(1, parseIntOr(frames, 1)), transferSyntaxUid);
    }

    private static int parseIntOr(String s, int d) {
        Integer i = parseInt(s);
        return i == null ? d : i;
    }

    /** Reads the header of a bare data set (no file meta information) in the given transfer syntax. */
    public static InstanceHeader read(InputStream dataSet, String transferSyntaxUid) throws IOException {
        byte[] bytes = dataSet.readAllBytes();
        if (!"1.2.840.10008.1.2.2".equals(transferSyntaxUid) && !"1.2.840.10008.1.2.1.99".equals(transferSyntaxUid)) {
            // a prefix up to the Pixel Data or the whole data set: either way nothing claims more than is there
            DataSetBounds.check(java.nio.ByteBuffer.wrap(bytes), !"1.2.840.10008.1.2".equals(transferSyntaxUid), true);
        }
        dataSet = new java.io.ByteArrayInputStream(bytes);
        AttributeList list = new AttributeList();
        try (DicomInputStream din = new DicomInputStream(dataSet, transferSyntaxUid, false)) {
            list.read(din, TagFromName.PixelData);
        } catch (DicomException e) {
            throw new IOException("not a readable DICOM data set: " + e.getMessage(), e);
        }
        InstanceHeader h = of(list);
        return new InstanceHeader(h.sopClassUid, h.sopInstanceUid, h.studyInstanceUid, h.seriesInstanceUid, h.patientId,
                h.accessionNumber, h.studyDate, h.modality, h.bodyPartExamined, h.seriesDescription, h.imageType,
                h.sliceThicknessMm, h.imageOrientation, h.imagesInAcquisition, h.numberOfFrames, transferSyntaxUid);
    }

    static InstanceHeader of(AttributeList list) throws IOException {
        String sopInstance = required(list, TagFromName.SOPInstanceUID);
        String thickness = str(list, TagFromName.SliceThickness);
        String orientation = Attribute.getDelimitedStringValuesOrNull(list, TagFromName.ImageOrientationPatient);
        if (orientation == null) orientation = enhancedOrientation(list);
        String images = str(list, IMAGES_IN_ACQUISITION);
        return new InstanceHeader(
                required(list, TagFromName.SOPClassUID), sopInstance,
                required(list, TagFromName.StudyInstanceUID), required(list, TagFromName.SeriesInstanceUID),
                str(list, TagFromName.PatientID), str(list, TagFromName.AccessionNumber), str(list, TagFromName.StudyDate),
                str(list, TagFromName.Modality), str(list, TagFromName.BodyPartExamined),
                str(list, TagFromName.SeriesDescription),
                Attribute.getDelimitedStringValuesOrNull(list, TagFromName.ImageType),
                parseDouble(thickness), orientation, parseInt(images),
                Math.max(1, Attribute.getSingleIntegerValueOrDefault(list, TagFromName.NumberOfFrames, 1)),
                str(list, TagFromName.TransferSyntaxUID));
    }

    /** Enhanced CT keeps the orientation in the shared functional groups. */
    private static String enhancedOrientation(AttributeList list) {
        Attribute shared = list.get(TagFromName.SharedFunctionalGroupsSequence);
        if (!(shared instanceof SequenceAttribute seq) || seq.getNumberOfItems() == 0) return null;
        Attribute plane = seq.getItem(0).getAttributeList().get(TagFromName.PlaneOrientationSequence);
        if (!(plane instanceof SequenceAttribute p) || p.getNumberOfItems() == 0) return null;
        return Attribute.getDelimitedStringValuesOrNull(p.getItem(0).getAttributeList(), TagFromName.ImageOrientationPatient);
    }

    private static String required(AttributeList list, AttributeTag tag) throws IOException {
        String v = str(list, tag);
        if (v == null) throw new IOException("missing required attribute " + list.getDictionary().getNameFromTag(tag));
        return v;
    }

    private static String str(AttributeList list, AttributeTag tag) {
        String v = Attribute.getSingleStringValueOrNull(list, tag);
        if (v == null) return null;
        v = v.trim();
        return v.isEmpty() ? null : v;
    }

    private static Double parseDouble(String s) {
        try { return s == null ? null : Double.valueOf(s); } catch (NumberFormatException e) { return null; }
    }

    private static Integer parseInt(String s) {
        try { return s == null ? null : Integer.valueOf(s.trim()); } catch (NumberFormatException e) { return null; }
    }
}
