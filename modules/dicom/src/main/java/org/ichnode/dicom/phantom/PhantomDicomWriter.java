package org.ichnode.dicom.phantom;

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
import org.ichnode.core.phantom.PhantomStudy;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;

/**
 * Writes a {@link PhantomStudy} as a CT Image Storage series: one Part-10 file per slice, Explicit VR Little Endian,
 * 12 bits stored unsigned with RescaleIntercept -1024. File names are a hash of the SOP Instance UID, so their order
 * says nothing about slice order. Output is a pure function of the study (no clock), so the same study gives the
 * same bytes.
 */
public final class PhantomDicomWriter {
    public static final String MANUFACTURER = "ich-node phantom";
    public static final int RESCALE_INTERCEPT = -1024;
    private static final DicomDictionary DICT = DicomDictionary.StandardDictionary;

    private PhantomDicomWriter() {}

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
     * @return the written files in slice order (the order of the study's Volume)
     */
    public static List<Path> writeSeries(PhantomStudy study, Path dir) throws IOException {
        Files.createDirectories(dir);
        Volume v = study.volume();
        List<Path> files = new ArrayList<>(v.slices());
        for (int k = 0; k < v.slices(); k++) {
            Path f = dir.resolve(fileName(v.sourceInstanceUids().get(k)));
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f), 1 << 16)) {
                AttributeList list = buildSlice(study, k);
                list.write(out, TransferSyntax.ExplicitVRLittleEndian, true, true);
            } catch (DicomException e) {
                throw new IOException("cannot write slice " + k + " of " + study.studyId() + ": " + e.getMessage(), e);
            }
            files.add(f);
        }
        return files;
    }

    /** The complete dataset (with file meta information) of slice {@code k}. */
    public static AttributeList buildSlice(PhantomStudy study, int k) throws DicomException {
        Volume v = study.volume();
        SliceGeometry g = v.slice(k);
        Vec3 r = g.rowDirection(), c = g.columnDirection();
        AttributeList l = new AttributeList();
        String date = study.studyDate(), time = study.studyTime();
        String sop = v.sourceInstanceUids().get(k);
        // SOP Common
        put(l, TagFromName.SOPClassUID, SOPClass.CTImageStorage);
        put(l, TagFromName.SOPInstanceUID, sop);
        put(l, TagFromName.SpecificCharacterSet, "ISO_IR 100");
        put(l, TagFromName.InstanceCreationDate, date);
        put(l, TagFromName.InstanceCreationTime, time);
        // Patient
        put(l, TagFromName.PatientName, study.patientName());
        put(l, TagFromName.PatientID, study.patientId());
        put(l, TagFromName.PatientBirthDate, study.patientBirthDate());
        put(l, TagFromName.PatientSex, study.patientSex());
        put(l, "PatientIdentityRemoved", "NO");
        // General Study
        put(l, TagFromName.StudyInstanceUID, study.studyInstanceUid());
        put(l, TagFromName.StudyDate, date);
        put(l, TagFromName.StudyTime, time);
        put(l, TagFromName.ReferringPhysicianName);
        put(l, TagFromName.StudyID, study.studyId());
        put(l, TagFromName.AccessionNumber, study.accessionNumber());
        put(l, TagFromName.StudyDescription, "CT HEAD WITHOUT CONTRAST (SYNTHETIC)");
        // Patient Study
        int age = Integer.parseInt(date.substring(0, 4)) - Integer.parseInt(study.patientBirthDate().substring(0, 4));
        put(l, TagFromName.PatientAge, String.format(Locale.ROOT, "%03dY", age));
        // General Series
        put(l, TagFromName.Modality, "CT");
        put(l, TagFromName.SeriesInstanceUID, study.seriesInstanceUid());
        put(l, TagFromName.SeriesNumber, "2");
        put(l, TagFromName.SeriesDate, date);
        put(l, TagFromName.SeriesTime, time);
        put(l, TagFromName.SeriesDescription, study.seriesDescription());
        put(l, TagFromName.ProtocolName, "HEAD ROUTINE");
        put(l, TagFromName.BodyPartExamined, "HEAD");
        put(l, TagFromName.PatientPosition, "HFS");
        // Frame of Reference
        put(l, TagFromName.FrameOfReferenceUID, v.frameOfReferenceUid());
        put(l, TagFromName.PositionReferenceIndicator);
        // General Equipment
        put(l, TagFromName.Manufacturer, MANUFACTURER);
        put(l, TagFromName.InstitutionName, "ich-node synthetic data");
        put(l, TagFromName.StationName, "PHANTOM");
        put(l, TagFromName.ManufacturerModelName, "Synthetic Head CT");
        put(l, TagFromName.DeviceSerialNumber, "0001");
        put(l, TagFromName.SoftwareVersions, "ich-node-phantom-1");
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
        put(l, TagFromName.SliceThickness, ds(study.sliceThicknessMm()));
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
        put(l, "KVP", "120");
        put(l, "ScanOptions", "AXIAL MODE");
        put(l, "DataCollectionDiameter", "500");
        put(l, TagFromName.ReconstructionDiameter, ds(Math.rint(v.columns() * g.columnSpacingMm() * 100) / 100));
        put(l, "DistanceSourceToDetector", "1085.6");
        put(l, "DistanceSourceToPatient", "595");
        put(l, "GantryDetectorTilt", ds(study.gantryTiltDegrees()));
        put(l, TagFromName.TableHeight, "160");
        put(l, "RotationDirection", "CW");
        put(l, "ExposureTime", "1000");
        put(l, "XRayTubeCurrent", "300");
        put(l, "Exposure", "300");
        put(l, "FilterType", "HEAD");
        put(l, "FocalSpots", "0.7");
        put(l, TagFromName.ConvolutionKernel, "STANDARD");
        put(l, "RevolutionTime", "1");
        put(l, "SingleCollimationWidth", "0.625");
        put(l, "TotalCollimationWidth", "20");
        // VOI LUT
        put(l, TagFromName.WindowCenter, "40", "80");
        put(l, TagFromName.WindowWidth, "80", "200");
        put(l, TagFromName.WindowCenterWidthExplanation, "BRAIN", "SUBDURAL");
        // Pixel data: stored value = HU - intercept
        short[] hu = v.hu();
        int per = v.voxelsPerSlice();
        short[] stored = new short[per];
        for (int i = 0, o = k * per; i < per; i++) {
            int s = hu[o + i] - RESCALE_INTERCEPT;
            stored[i] = (short) Math.max(0, Math.min(4095, s));
        }
        OtherWordAttribute px = new OtherWordAttribute(TagFromName.PixelData);
        px.setValues(stored);
        l.put(px);
        FileMetaInformation.addFileMetaInformation(l, TransferSyntax.ExplicitVRLittleEndian, "ICHNODE");
        return l;
    }

    /** A DICOM Decimal String (at most 16 characters) for a value, deterministic and as short as possible. */
    static String ds(double value) {
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
            for (String v : values) if (v != null) a.addValue(v);
        }
        l.put(a);
    }
}
