package org.ichnode.dicom.write;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeFactory;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomDictionary;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;

/**
 * Writes a {@link Volume} as a CT Image Storage series: one Part-10 file per slice, Explicit VR Little Endian, 12 bits
 * stored unsigned with RescaleIntercept -1024 (HU outside -1024..3071 are clamped). Slice geometry, SOP Instance UIDs
 * and the frame of reference come from the volume; who and what the series is from {@link Series}. File names are a
 * hash of the SOP Instance UID, so their order says nothing about slice order. The output is a pure function of its
 * inputs (no clock). Used for phantoms and for real sets imported from NIfTI or image files.
 */
public final class CtSeriesWriter {
    public static final int RESCALE_INTERCEPT = -1024;
    private static final DicomDictionary DICT = DicomDictionary.StandardDictionary;

    /**
     * The identity and description of a series. {@code birthDate}, {@code sex} may be empty (Type 2).
     *
     * @param more further attributes as name/value pairs (e.g. KVP, PatientAge), written as given; KVP (Type 2) is
     *             written empty when it is not among them
     */
    public record Series(String patientName, String patientId, String birthDate, String sex, boolean identityRemoved,
                         String studyInstanceUid, String seriesInstanceUid, String studyId, String accessionNumber,
                         String date, String time, String studyDescription, String seriesDescription,
                         String manufacturer, String institution, String station, String modelName, String softwareVersion,
                         double sliceThicknessMm, double gantryTiltDegrees, List<String[]> more) {
        public Series {
            if (date == null || !date.matches("\\d{8}")) throw new IllegalArgumentException("date must be YYYYMMDD: " + date);
            if (time == null || !time.matches("\\d{6}(\\.\\d+)?")) throw new IllegalArgumentException("time must be HHMMSS: " + time);
            if (!(sliceThicknessMm > 0)) throw new IllegalArgumentException("slice thickness must be > 0");
            for (String[] a : more) if (a.length != 2) throw new IllegalArgumentException("further attributes are name/value pairs");
            more = List.copyOf(more);
        }
    }

    private CtSeriesWriter() {}

    /** File name of a slice: 24 hex digits of SHA-256 of the SOP Instance UID, plus ".dcm". */
    public static String fileName(String sopInstanceUid) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(sopInstanceUid.getBytes(StandardCharsets.US_ASCII));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 12; i++) sb.append(String.format(Locale.ROOT, "%02x", h[i] & 0xff));
            return sb.append(".dcm").toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes every slice into {@code dir} (created if needed).
     *
     * @return the written files in slice order (the order of the volume)
     */
    public static List<Path> write(Series series, Volume v, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>(v.slices());
        for (int k = 0; k < v.slices(); k++) {
            Path f = dir.resolve(fileName(v.sourceInstanceUids().get(k)));
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f), 1 << 16)) {
                buildSlice(series, v, k).write(out, TransferSyntax.ExplicitVRLittleEndian, true, true);
            } catch (DicomException e) {
                throw new IOException("cannot write slice " + k + " of study " + series.studyId() + ": " + e.getMessage(), e);
            }
            files.add(f);
        }
        return files;
    }

    /** The complete dataset (with file meta information) of slice {@code k}. */
    public static AttributeList buildSlice(Series s, Volume v, int k) throws DicomException {
        SliceGeometry g = v.slice(k);
        Vec3 r = g.rowDirection(), c = g.columnDirection();
        AttributeList l = new AttributeList();
        String date = s.date(), time = s.time();
        // SOP Common
        put(l, TagFromName.SOPClassUID, SOPClass.CTImageStorage);
        put(l, TagFromName.SOPInstanceUID, v.sourceInstanceUids().get(k));
        put(l, TagFromName.SpecificCharacterSet, "ISO_IR 100");
        put(l, TagFromName.InstanceCreationDate, date);
        put(l, TagFromName.InstanceCreationTime, time);
        // Patient
        put(l, TagFromName.PatientName, s.patientName());
        put(l, TagFromName.PatientID, s.patientId());
        put(l, TagFromName.PatientBirthDate, s.birthDate());
        put(l, TagFromName.PatientSex, s.sex());
        put(l, "PatientIdentityRemoved", s.identityRemoved() ? "YES" : "NO");
        // General Study
        put(l, TagFromName.StudyInstanceUID, s.studyInstanceUid());
        put(l, TagFromName.StudyDate, date);
        put(l, TagFromName.StudyTime, time);
        put(l, TagFromName.ReferringPhysicianName);
        put(l, TagFromName.StudyID, s.studyId());
        put(l, TagFromName.AccessionNumber, s.accessionNumber());
        put(l, TagFromName.StudyDescription, s.studyDescription());
        // General Series
        put(l, TagFromName.Modality, "CT");
        put(l, TagFromName.SeriesInstanceUID, s.seriesInstanceUid());
        put(l, TagFromName.SeriesNumber, "2");
        put(l, TagFromName.SeriesDate, date);
        put(l, TagFromName.SeriesTime, time);
        put(l, TagFromName.SeriesDescription, s.seriesDescription());
        put(l, TagFromName.ProtocolName, "HEAD ROUTINE");
        put(l, TagFromName.BodyPartExamined, "HEAD");
        put(l, TagFromName.PatientPosition, "HFS");
        // Frame of Reference
        put(l, TagFromName.FrameOfReferenceUID, v.frameOfReferenceUid());
        put(l, TagFromName.PositionReferenceIndicator);
        // General Equipment
        put(l, TagFromName.Manufacturer, s.manufacturer());
        put(l, TagFromName.InstitutionName, s.institution());
        put(l, TagFromName.StationName, s.station());
        put(l, TagFromName.ManufacturerModelName, s.modelName());
        put(l, TagFromName.DeviceSerialNumber, "0001");
        put(l, TagFromName.SoftwareVersions, s.softwareVersion());
        // General Acquisition / General Image
        put(l, TagFromName.AcquisitionNumber, "1");
        put(l, TagFromName.AcquisitionDate, date);
        put(l, TagFromName.AcquisitionTime, time);
        put(l, TagFromName.ContentDate, date);
        put(l, TagFromName.ContentTime, time);
        put(l, TagFromName.InstanceNumber, Integer.toString(k + 1));
        put(l, TagFromName.ImageType, "ORIGINAL", "PRIMARY", "AXIAL");
        put(l, "ImagesInAcquisition", Integer.toString(v.slices()));
        put(l, TagFromName.BurnedInAnnotation, "NO");
        put(l, TagFromName.LossyImageCompression, "00");
        // Image Plane
        put(l, TagFromName.PixelSpacing, ds(g.rowSpacingMm()), ds(g.columnSpacingMm()));
        put(l, TagFromName.ImageOrientationPatient, ds(r.x()), ds(r.y()), ds(r.z()), ds(c.x()), ds(c.y()), ds(c.z()));
        put(l, TagFromName.ImagePositionPatient, ds(g.position().x()), ds(g.position().y()), ds(g.position().z()));
        put(l, TagFromName.SliceThickness, ds(s.sliceThicknessMm()));
        put(l, TagFromName.SliceLocation, ds(Math.rint(v.positionAlongNormal(k) * 1000) / 1000));
        // Image Pixel
        put(l, TagFromName.SamplesPerPixel, "1");
        put(l, TagFromName.PhotometricInterpretation, "MONOCHROME2");
        put(l, TagFromName.Rows, Integer.toString(v.rows()));
        put(l, TagFromName.Columns, Integer.toString(v.columns()));
        put(l, TagFromName.BitsAllocated, "16");
        put(l, TagFromName.BitsStored, "12");
        put(l, TagFromName.HighBit, "11");
        put(l, TagFromName.PixelRepresentation, "0");
        // CT Image
        put(l, TagFromName.RescaleIntercept, Integer.toString(RESCALE_INTERCEPT));
        put(l, TagFromName.RescaleSlope, "1");
        put(l, TagFromName.RescaleType, "HU");
        boolean kvp = false;
        for (String[] a : s.more()) {
            put(l, a[0], a[1]);
            kvp |= a[0].equals("KVP");
        }
        if (!kvp) put(l, "KVP");
        put(l, TagFromName.ReconstructionDiameter, ds(Math.rint(v.columns() * g.columnSpacingMm() * 100) / 100));
        put(l, "GantryDetectorTilt", ds(s.gantryTiltDegrees()));
        // VOI LUT
        put(l, TagFromName.WindowCenter, "40", "80");
        put(l, TagFromName.WindowWidth, "80", "200");
        put(l, TagFromName.WindowCenterWidthExplanation, "BRAIN", "SUBDURAL");
        // Pixel data: stored value = HU - intercept
        short[] hu = v.hu();
        int per = v.voxelsPerSlice();
        short[] stored = new short[per];
        for (int i = 0, o = k * per; i < per; i++) {
            int sv = hu[o + i] - RESCALE_INTERCEPT;
            stored[i] = (short) Math.max(0, Math.min(4095, sv));
        }
        OtherWordAttribute px = new OtherWordAttribute(TagFromName.PixelData);
        px.setValues(stored);
        l.put(px);
        FileMetaInformation.addFileMetaInformation(l, TransferSyntax.ExplicitVRLittleEndian, "ICHNODE");
        return l;
    }

    /** A DICOM Decimal String (at most 16 characters) for a value, deterministic and as short as possible. */
    public static String ds(double value) {
        if (value == 0) return "0";
        BigDecimal b = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        String s = b.scale() <= 0 ? b.toBigInteger().toString() : b.toPlainString();
        int prec = 15;
        while (s.length() > 16 && prec > 1) {
            b = b.round(new java.math.MathContext(prec--)).stripTrailingZeros();
            s = b.scale() <= 0 ? b.toBigInteger().toString() : b.toPlainString();
        }
        return s;
    }

    private static void put(AttributeList l, String name, String... values) throws DicomException {
        AttributeTag tag = DICT.getTagFromName(name);
        if (tag == null) throw new IllegalStateException("no such DICOM attribute name: " + name);
        put(l, tag, values);
    }

    private static void put(AttributeList l, AttributeTag tag, String... values) throws DicomException {
        Attribute a = AttributeFactory.newAttribute(tag);
        if (values != null) {
            for (String v : values) if (v != null && !v.isEmpty()) a.addValue(v);
        }
        l.put(a);
    }
}
