package org.ichnode.dicom.read;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.OtherWordAttributeMultipleFrameArrays;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.CtSlice;
import org.ichnode.core.volume.SliceGeometry;

/**
 * Reads CT planes from one DICOM file with PixelMed.
 *
 * <ul>
 *   <li>CT Image Storage (single frame): one {@link CtSlice}.</li>
 *   <li>Enhanced CT and Legacy Converted Enhanced CT (multi-frame): one {@link CtSlice} per frame, geometry,
 *       pixel spacing, slice thickness and rescale from the per-frame functional groups, falling back to the
 *       shared functional groups and then to the top level.</li>
 *   <li>Compressed transfer syntaxes (RLE, JPEG Lossless through pixelmed-imageio) are decompressed by PixelMed
 *       while the attribute list is read.</li>
 *   <li>PixelRepresentation 0/1 honoured; values are masked to BitsStored (unsigned) or sign-extended from
 *       BitsStored (signed).</li>
 *   <li>No RescaleSlope/RescaleIntercept: slope 1, intercept 0.</li>
 * </ul>
 * A file that is not DICOM, not CT, or lacks geometry gives a {@link CtReadException} that says why.
 */
public final class CtSliceReader {

    private CtSliceReader() { }

    public static List<CtSlice> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new CtReadException(file, "not a readable file");
        AttributeList list = new AttributeList();
        try {
            list.setDecompressPixelData(true);
            list.read(file.toFile());
        } catch (DicomException | IOException | RuntimeException e) {
            throw new CtReadException(file, "cannot be read as DICOM: " + e.getMessage(), e);
        }
        try {
            return fromAttributeList(file, list);
        } catch (DicomException e) {
            throw new CtReadException(file, "bad attribute value: " + e.getMessage(), e);
        }
    }

    /** A single-frame grayscale image without geometry: stored values, with the rescale applied when present. */
    public record Plane(int columns, int rows, short[] values) {}

    /**
     * The pixels of a single-frame grayscale image of any SOP class (e.g. Secondary Capture slices in HU, or mask
     * images): no geometry is read or required.
     */
    public static Plane readPlane(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new CtReadException(file, "not a readable file");
        AttributeList list = new AttributeList();
        try {
            list.setDecompressPixelData(true);
            list.read(file.toFile());
            int rows = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Rows, 0);
            int columns = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Columns, 0);
            if (rows <= 0 || columns <= 0) throw new CtReadException(file, "no Rows/Columns");
            if (Attribute.getSingleIntegerValueOrDefault(list, TagFromName.SamplesPerPixel, 1) != 1) {
                throw new CtReadException(file, "not a grayscale image");
            }
            int bitsAllocated = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsAllocated, 16);
            if (bitsAllocated != 16 && bitsAllocated != 8) throw new CtReadException(file, "BitsAllocated " + bitsAllocated + " not supported");
            int bitsStored = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsStored, bitsAllocated);
            boolean signed = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.PixelRepresentation, 0) == 1;
            short[] v = normalize(framesOf(file, list, 1, rows * columns, bitsAllocated)[0], bitsStored, signed);
            double slope = doubleOr(list, TagFromName.RescaleSlope, 1), intercept = doubleOr(list, TagFromName.RescaleIntercept, 0);
            if (slope != 1 || intercept != 0) {
                for (int i = 0; i < v.length; i++) {
                    double raw = signed ? v[i] : (v[i] & 0xffff);
                    v[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(raw * slope + intercept)));
                }
            }
            return new Plane(columns, rows, v);
        } catch (DicomException | RuntimeException e) {
            throw new CtReadException(file, "cannot be read as a grayscale image: " + e.getMessage(), e);
        }
    }

    static List<CtSlice> fromAttributeList(Path file, AttributeList list) throws IOException, DicomException {
        String sopClass = str(list, TagFromName.SOPClassUID);
        String modality = str(list, TagFromName.Modality);
        boolean single = SOPClass.CTImageStorage.equals(sopClass);
        boolean enhanced = SOPClass.EnhancedCTImageStorage.equals(sopClass)
                || SOPClass.LegacyConvertedEnhancedCTImageStorage.equals(sopClass);
        if (!single && !enhanced) {
            throw new CtReadException(file, "not a CT image: SOP Class UID " + (sopClass == null ? "(absent)" : sopClass)
                    + ", Modality " + (modality == null ? "(absent)" : modality)
                    + " (need CT Image Storage, Enhanced CT or Legacy Converted Enhanced CT)");
        }
        if (modality != null && !modality.equals("CT")) {
            throw new CtReadException(file, "Modality " + modality + " is not CT");
        }
        String sop = str(list, TagFromName.SOPInstanceUID);
        if (sop == null) throw new CtReadException(file, "no SOP Instance UID");
        String series = str(list, TagFromName.SeriesInstanceUID);
        if (series == null) throw new CtReadException(file, "no Series Instance UID");
        String frameOfReference = str(list, TagFromName.FrameOfReferenceUID);
        int rows = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Rows, 0);
        int columns = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Columns, 0);
        if (rows <= 0 || columns <= 0) throw new CtReadException(file, "no Rows/Columns");
        int samples = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.SamplesPerPixel, 1);
        if (samples != 1) throw new CtReadException(file, "SamplesPerPixel " + samples + ": not a grayscale CT image");
        int bitsAllocated = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsAllocated, 16);
        int bitsStored = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsStored, bitsAllocated);
        if (bitsAllocated != 16 && bitsAllocated != 8) {
            throw new CtReadException(file, "BitsAllocated " + bitsAllocated + " not supported (need 8 or 16)");
        }
        if (bitsStored < 1 || bitsStored > bitsAllocated) {
            throw new CtReadException(file, "BitsStored " + bitsStored + " does not fit BitsAllocated " + bitsAllocated);
        }
        boolean signed = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.PixelRepresentation, 0) == 1;
        Integer instanceNumber = intOrNull(list, TagFromName.InstanceNumber);
        int frames = Math.max(1, Attribute.getSingleIntegerValueOrDefault(list, TagFromName.NumberOfFrames, 1));
        if (single && frames != 1) throw new CtReadException(file, "CT Image Storage with NumberOfFrames " + frames);

        short[][] pixels = framesOf(file, list, frames, rows * columns, bitsAllocated);
        List<CtSlice> out = new ArrayList<>(frames);
        if (single) {
            SliceGeometry g = geometry(file, list, list, list, "");
            out.add(new CtSlice(sop, 1, series, frameOfReference, g, rows, columns,
                    positiveOrNull(doubleOrNull(list, TagFromName.SliceThickness)),
                    doubleOr(list, TagFromName.RescaleSlope, 1), doubleOr(list, TagFromName.RescaleIntercept, 0),
                    normalize(pixels[0], bitsStored, signed), signed, instanceNumber));
            return out;
        }
        AttributeList shared = firstItem(list, TagFromName.SharedFunctionalGroupsSequence);
        SequenceAttribute perFrame = (SequenceAttribute) list.get(TagFromName.PerFrameFunctionalGroupsSequence);
        for (int f = 0; f < frames; f++) {
            AttributeList pf = perFrame != null && perFrame.getNumberOfItems() > f ? perFrame.getItem(f).getAttributeList() : null;
            AttributeList pos = macro(pf, shared, list, TagFromName.PlanePositionSequence);
            AttributeList ori = macro(pf, shared, list, TagFromName.PlaneOrientationSequence);
            AttributeList meas = macro(pf, shared, list, TagFromName.PixelMeasuresSequence);
            AttributeList pvt = macro(pf, shared, list, TagFromName.PixelValueTransformationSequence);
            SliceGeometry g = geometry(file, pos, ori, meas, " of frame " + (f + 1));
            Double thickness = positiveOrNull(doubleOrNull(meas, TagFromName.SliceThickness));
            if (thickness == null) thickness = positiveOrNull(doubleOrNull(list, TagFromName.SliceThickness));
            out.add(new CtSlice(sop, f + 1, series, frameOfReference, g, rows, columns, thickness,
                    doubleOr(pvt, TagFromName.RescaleSlope, doubleOr(list, TagFromName.RescaleSlope, 1)),
                    doubleOr(pvt, TagFromName.RescaleIntercept, doubleOr(list, TagFromName.RescaleIntercept, 0)),
                    normalize(pixels[f], bitsStored, signed), signed, instanceNumber));
        }
        return out;
    }

    /** The functional group macro item: per-frame first, then shared, then the top level. */
    private static AttributeList macro(AttributeList perFrame, AttributeList shared, AttributeList top, AttributeTag seq) {
        AttributeList item = firstItem(perFrame, seq);
        if (item == null) item = firstItem(shared, seq);
        return item != null ? item : top;
    }

    private static AttributeList firstItem(AttributeList list, AttributeTag tag) {
        if (list == null) return null;
        Attribute a = list.get(tag);
        if (!(a instanceof SequenceAttribute s) || s.getNumberOfItems() == 0) return null;
        return s.getItem(0).getAttributeList();
    }

    private static SliceGeometry geometry(Path file, AttributeList pos, AttributeList ori, AttributeList meas, String where)
            throws IOException, DicomException {
        double[] ipp = doubles(pos, TagFromName.ImagePositionPatient);
        double[] iop = doubles(ori, TagFromName.ImageOrientationPatient);
        double[] ps = doubles(meas, TagFromName.PixelSpacing);
        if (ipp == null || ipp.length != 3) throw new CtReadException(file, "lacks geometry: no ImagePositionPatient" + where);
        if (iop == null || iop.length != 6) throw new CtReadException(file, "lacks geometry: no ImageOrientationPatient" + where);
        if (ps == null || ps.length != 2 || !(ps[0] > 0) || !(ps[1] > 0)) {
            throw new CtReadException(file, "lacks geometry: no usable PixelSpacing" + where);
        }
        Vec3 row = new Vec3(iop[0], iop[1], iop[2]);
        Vec3 col = new Vec3(iop[3], iop[4], iop[5]);
        if (row.norm() < 1e-6 || col.norm() < 1e-6 || row.cross(col).norm() < 1e-6) {
            throw new CtReadException(file, "lacks geometry: degenerate ImageOrientationPatient" + where);
        }
        return new SliceGeometry(new Vec3(ipp[0], ipp[1], ipp[2]), row.normalized(), col.normalized(), ps[0], ps[1]);
    }

    private static short[][] framesOf(Path file, AttributeList list, int frames, int plane, int bitsAllocated)
            throws IOException, DicomException {
        Attribute px = list.getPixelData();
        if (px == null) throw new CtReadException(file, "no Pixel Data");
        short[][] out = new short[frames][];
        if (px instanceof OtherWordAttributeMultipleFrameArrays m) {
            short[][] per = m.getShortValuesPerFrame();
            if (per.length < frames) throw new CtReadException(file, per.length + " frames of pixel data for " + frames);
            for (int f = 0; f < frames; f++) {
                if (per[f].length < plane) throw new CtReadException(file, "frame " + (f + 1) + " has too few pixels");
                out[f] = java.util.Arrays.copyOf(per[f], plane);
            }
            return out;
        }
        if (bitsAllocated == 8) {
            byte[] b = px.getByteValues();
            if (b == null || b.length < (long) plane * frames) throw new CtReadException(file, "Pixel Data too short");
            for (int f = 0; f < frames; f++) {
                short[] s = new short[plane];
                for (int i = 0; i < plane; i++) s[i] = (short) (b[f * plane + i] & 0xFF);
                out[f] = s;
            }
            return out;
        }
        short[] all = px.getShortValues();
        if (all == null || all.length < (long) plane * frames) {
            throw new CtReadException(file, "Pixel Data holds " + (all == null ? 0 : all.length) + " values, need "
                    + ((long) plane * frames) + " (compressed pixel data that could not be decompressed?)");
        }
        for (int f = 0; f < frames; f++) out[f] = java.util.Arrays.copyOfRange(all, f * plane, (f + 1) * plane);
        return out;
    }

    /** Masks to BitsStored (unsigned) or sign-extends from BitsStored (signed). For 8-bit data the values
     *  were read unsigned; they are sign-extended here when signed. */
    static short[] normalize(short[] v, int bitsStored, boolean signed) {
        if (bitsStored >= 16) return v;
        int mask = (1 << bitsStored) - 1;
        int shift = 32 - bitsStored;
        for (int i = 0; i < v.length; i++) {
            int x = v[i] & mask;
            v[i] = (short) (signed ? (x << shift) >> shift : x);
        }
        return v;
    }

    private static String str(AttributeList list, AttributeTag tag) {
        String s = Attribute.getSingleStringValueOrNull(list, tag);
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static double[] doubles(AttributeList list, AttributeTag tag) throws DicomException {
        if (list == null) return null;
        Attribute a = list.get(tag);
        if (a == null || a.getVM() == 0) return null;
        return a.getDoubleValues();
    }

    private static Double doubleOrNull(AttributeList list, AttributeTag tag) throws DicomException {
        double[] v = doubles(list, tag);
        return v == null || v.length == 0 ? null : v[0];
    }

    private static double doubleOr(AttributeList list, AttributeTag tag, double dflt) throws DicomException {
        Double v = doubleOrNull(list, tag);
        return v == null || !Double.isFinite(v) ? dflt : v;
    }

    private static Double positiveOrNull(Double v) { return v != null && v > 0 ? v : null; }

    private static Integer intOrNull(AttributeList list, AttributeTag tag) {
        String s = str(list, tag);
        if (s == null) return null;
        try {
            return Integer.valueOf(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
