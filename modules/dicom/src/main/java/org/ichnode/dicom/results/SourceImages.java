package org.ichnode.dicom.results;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.Volume;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The headers of the CT instances a {@link Volume} was built from, one per volume slice and in volume order, read
 * without their pixel data. The result writers take patient, study, geometry and reference attributes from here,
 * so the objects they write point at the exact source instances.
 *
 * <p>Only single-frame sources (one instance per slice) are supported: a volume whose slices came from frames of
 * one multi-frame instance is refused with a clear message.
 */
public final class SourceImages {

    /** Patient and study attributes copied into every result object (Type 2 ones are written empty when absent). */
    static final AttributeTag[] PATIENT_STUDY_TYPE2 = {
        TagFromName.PatientName, TagFromName.PatientID, TagFromName.PatientBirthDate, TagFromName.PatientSex,
        TagFromName.StudyDate, TagFromName.StudyTime, TagFromName.ReferringPhysicianName, TagFromName.StudyID,
        TagFromName.AccessionNumber,
    };
    /** Copied when the source has them. */
    static final AttributeTag[] PATIENT_STUDY_OPTIONAL = {
        TagFromName.IssuerOfPatientID, TagFromName.PatientAge, TagFromName.StudyDescription,
    };

    private final List<AttributeList> headers;
    private final String studyInstanceUid;
    private final String seriesInstanceUid;
    private final String frameOfReferenceUid;

    private SourceImages(List<AttributeList> headers, String study, String series, String frameOfReference) {
        this.headers = List.copyOf(headers);
        this.studyInstanceUid = study;
        this.seriesInstanceUid = series;
        this.frameOfReferenceUid = frameOfReference;
    }

    /**
     * Reads the headers of {@code files} (any order; stops before Pixel Data) and lines them up with the slices of
     * {@code volume} by SOP Instance UID. Files that are not slices of the volume are ignored.
     *
     * @throws ResultBuildException when a volume slice has no file, or the files disagree with the volume (study,
     *                              series, frame of reference, size, position)
     */
    public static SourceImages read(Volume volume, Collection<Path> files) throws IOException {
        Map<String, AttributeList> byUid = new HashMap<>();
        for (Path f : files) {
            AttributeList l = new AttributeList();
            try {
                l.read(f.toString(), TagFromName.PixelData);
            } catch (DicomException e) {
                throw new IOException("cannot read DICOM header of " + f + ": " + e.getMessage(), e);
            }
            String uid = Dcm.string(l, TagFromName.SOPInstanceUID);
            if (uid != null) byUid.put(uid, l);
        }
        List<AttributeList> ordered = new ArrayList<>(volume.slices());
        for (int i = 0; i < volume.slices(); i++) {
            String uid = volume.sourceInstanceUids().get(i);
            AttributeList l = byUid.get(uid);
            if (l == null) throw new ResultBuildException("no source file for slice " + i + " (SOP Instance UID " + uid + ")");
            ordered.add(l);
        }
        return of(volume, ordered);
    }

    /**
     * Uses headers already read, one per volume slice in volume order.
     *
     * @throws ResultBuildException when they do not match the volume
     */
    public static SourceImages of(Volume volume, List<AttributeList> headersInVolumeOrder) {
        int n = volume.slices();
        if (headersInVolumeOrder.size() != n) {
            throw new ResultBuildException(headersInVolumeOrder.size() + " source headers for a volume of " + n + " slices");
        }
        if (volume.sourceInstanceUids().stream().distinct().count() != n) {
            throw new ResultBuildException("the volume has several slices from one instance (multi-frame source): "
                    + "not supported by the result writers");
        }
        AttributeList first = headersInVolumeOrder.get(0);
        String study = require(first, TagFromName.StudyInstanceUID, 0);
        String series = require(first, TagFromName.SeriesInstanceUID, 0);
        String frameOfReference = Dcm.string(first, TagFromName.FrameOfReferenceUID);
        if (frameOfReference == null) throw new ResultBuildException("source slice 0 has no FrameOfReferenceUID");
        if (volume.frameOfReferenceUid() != null && !volume.frameOfReferenceUid().equals(frameOfReference)) {
            throw new ResultBuildException("FrameOfReferenceUID " + frameOfReference + " of the sources differs from the volume's "
                    + volume.frameOfReferenceUid());
        }
        for (int i = 0; i < n; i++) {
            AttributeList h = headersInVolumeOrder.get(i);
            String uid = require(h, TagFromName.SOPInstanceUID, i);
            require(h, TagFromName.SOPClassUID, i);
            if (!uid.equals(volume.sourceInstanceUids().get(i))) {
                throw new ResultBuildException("source header " + i + " is SOP Instance " + uid + " but volume slice " + i
                        + " came from " + volume.sourceInstanceUids().get(i));
            }
            if (!study.equals(Dcm.string(h, TagFromName.StudyInstanceUID))) {
                throw new ResultBuildException("source slice " + i + " belongs to another study");
            }
            if (!series.equals(Dcm.string(h, TagFromName.SeriesInstanceUID))) {
                throw new ResultBuildException("source slice " + i + " belongs to another series");
            }
            if (!frameOfReference.equals(Dcm.string(h, TagFromName.FrameOfReferenceUID))) {
                throw new ResultBuildException("source slice " + i + " has another FrameOfReferenceUID");
            }
            int rows = Attribute.getSingleIntegerValueOrDefault(h, TagFromName.Rows, -1);
            int cols = Attribute.getSingleIntegerValueOrDefault(h, TagFromName.Columns, -1);
            if (rows != volume.rows() || cols != volume.columns()) {
                throw new ResultBuildException("source slice " + i + " is " + cols + "x" + rows + ", the volume " + volume.columns()
                        + "x" + volume.rows());
            }
            double[] ipp = doubles(h, TagFromName.ImagePositionPatient, 3, i);
            doubles(h, TagFromName.ImageOrientationPatient, 6, i);
            doubles(h, TagFromName.PixelSpacing, 2, i);
            Vec3 p = Vec3.of(ipp);
            if (p.minus(volume.slice(i).position()).norm() > 1e-3) {
                throw new ResultBuildException("ImagePositionPatient of source slice " + i + " " + p
                        + " differs from the volume's " + volume.slice(i).position());
            }
        }
        return new SourceImages(headersInVolumeOrder, study, series, frameOfReference);
    }

    public int size() { return headers.size(); }

    /** The header of volume slice {@code index} (do not modify). */
    public AttributeList header(int index) { return headers.get(index); }

    public String studyInstanceUid() { return studyInstanceUid; }
    public String seriesInstanceUid() { return seriesInstanceUid; }
    public String frameOfReferenceUid() { return frameOfReferenceUid; }

    public String sopInstanceUid(int index) { return Dcm.string(headers.get(index), TagFromName.SOPInstanceUID); }
    public String sopClassUid(int index) { return Dcm.string(headers.get(index), TagFromName.SOPClassUID); }

    /** Copies patient and study attributes (and SpecificCharacterSet) from the first source into {@code to}. */
    void copyPatientAndStudy(AttributeList to) {
        AttributeList first = headers.get(0);
        Dcm.copy(first, to, TagFromName.SpecificCharacterSet, false);
        for (AttributeTag t : PATIENT_STUDY_TYPE2) Dcm.copy(first, to, t, true);
        for (AttributeTag t : PATIENT_STUDY_OPTIONAL) {
            Attribute a = first.get(t);
            if (a != null && a.getVM() > 0) to.put(a); // an empty optional (or 1C) attribute is not copied
        }
        // PatientIdentityRemoved YES needs DeidentificationMethod (or its code sequence): copy the three together or none
        Attribute method = first.get(TagFromName.DeidentificationMethod);
        Attribute methodCodes = first.get(TagFromName.DeidentificationMethodCodeSequence);
        boolean hasMethod = method != null && method.getVM() > 0;
        boolean hasCodes = methodCodes instanceof SequenceAttribute sq && sq.getNumberOfItems() > 0;
        if (first.get(TagFromName.PatientIdentityRemoved) != null && (hasMethod || hasCodes)) {
            to.put(first.get(TagFromName.PatientIdentityRemoved));
            if (hasMethod) to.put(method);
            if (hasCodes) to.put(methodCodes);
        }
        Dcm.put(to, TagFromName.StudyInstanceUID, studyInstanceUid);
    }

    private static String require(AttributeList l, AttributeTag tag, int index) {
        String s = Dcm.string(l, tag);
        if (s == null) throw new ResultBuildException("source slice " + index + " has no " + tagName(tag));
        return s;
    }

    private static double[] doubles(AttributeList l, AttributeTag tag, int count, int index) {
        try {
            double[] v = Attribute.getDoubleValues(l, tag);
            if (v == null || v.length != count) throw new ResultBuildException("source slice " + index + " has no usable " + tagName(tag));
            return v;
        } catch (RuntimeException e) {
            if (e instanceof ResultBuildException r) throw r;
            throw new ResultBuildException("source slice " + index + " has a bad " + tagName(tag) + ": " + e.getMessage(), e);
        }
    }

    static String tagName(AttributeTag tag) {
        String n = AttributeList.getDictionary().getNameFromTag(tag);
        return n == null ? tag.toString() : n;
    }
}
