package org.ichnode.dicom.results;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeFactory;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.CodedSequenceItem;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SequenceAttribute;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** Small helpers to build attribute lists with PixelMed; every DicomException becomes a {@link ResultBuildException}. */
final class Dcm {
    private Dcm() { }

    static final DateTimeFormatter DA = DateTimeFormatter.ofPattern("yyyyMMdd");
    /** SegmentAlgorithmName (0062,0009): not in PixelMed 20220618's TagFromName. */
    static final AttributeTag SEGMENT_ALGORITHM_NAME = new AttributeTag(0x0062, 0x0009);

    static final DateTimeFormatter TM = DateTimeFormatter.ofPattern("HHmmss.SSS");

    /**
     * Puts an attribute of the dictionary VR with the given values (none: an empty, Type 2 attribute). Text longer
     * than its VR allows (a long model name in LO, say) is cut to the limit, so what we write always validates; a UID
     * that does not fit is an error, not something to cut.
     */
    static void put(AttributeList list, AttributeTag tag, String... values) {
        try {
            Attribute a = AttributeFactory.newAttribute(tag);
            String vr = new String(a.getVR(), java.nio.charset.StandardCharsets.US_ASCII);
            int max = maxLength(vr);
            for (String v : values) {
                if (v != null && v.length() > max) {
                    if (vr.equals("UI")) throw new ResultBuildException("UID of " + v.length() + " characters for " + tag);
                    v = v.substring(0, max).stripTrailing();
                }
                a.addValue(v);
            }
            list.put(a);
        } catch (DicomException e) {
            throw new ResultBuildException("cannot set " + tag + ": " + e.getMessage(), e);
        }
    }

    /** The longest value (in characters) of a text VR; unlimited for the others. */
    static int maxLength(String vr) {
        return switch (vr) {
            case "AE", "CS", "SH", "DS" -> 16;
            case "IS" -> 12;
            case "LO", "UI", "PN" -> 64;
            case "ST" -> 1024;
            case "LT" -> 10240;
            case "DA" -> 8;
            case "TM" -> 16;
            case "DT" -> 26;
            default -> Integer.MAX_VALUE;
        };
    }

    static void put(AttributeList list, AttributeTag tag, int... values) {
        try {
            Attribute a = AttributeFactory.newAttribute(tag);
            for (int v : values) a.addValue(v);
            list.put(a);
        } catch (DicomException e) {
            throw new ResultBuildException("cannot set " + tag + ": " + e.getMessage(), e);
        }
    }

    /** Copies {@code tag} from {@code from}; when absent there, an empty attribute (Type 2) if {@code emptyIfAbsent}. */
    static void copy(AttributeList from, AttributeList to, AttributeTag tag, boolean emptyIfAbsent) {
        Attribute a = from.get(tag);
        if (a != null) to.put(a);
        else if (emptyIfAbsent) put(to, tag, new String[0]);
    }

    static SequenceAttribute sequence(AttributeList list, AttributeTag tag) {
        SequenceAttribute s = new SequenceAttribute(tag);
        list.put(s);
        return s;
    }

    /** A sequence with one item, returned for filling. */
    static AttributeList item(AttributeList list, AttributeTag tag) {
        AttributeList item = new AttributeList();
        sequence(list, tag).addItem(item);
        return item;
    }

    static void code(AttributeList list, AttributeTag tag, Code code) {
        sequence(list, tag).addItem(code.item().getAttributeList());
    }

    static String string(AttributeList list, AttributeTag tag) {
        String s = Attribute.getSingleStringValueOrNull(list, tag);
        return s == null || s.isBlank() ? null : s.trim();
    }

    static String date(LocalDateTime t) { return DA.format(t); }

    static String time(LocalDateTime t) { return TM.format(t); }

    /** A coded concept (code value, coding scheme designator, code meaning). */
    record Code(String value, String scheme, String meaning) {
        CodedSequenceItem item() {
            try {
                return new CodedSequenceItem(value, scheme, meaning);
            } catch (DicomException e) {
                throw new ResultBuildException("bad code " + this + ": " + e.getMessage(), e);
            }
        }
    }
}
