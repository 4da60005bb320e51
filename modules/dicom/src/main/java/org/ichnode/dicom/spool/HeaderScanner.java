package org.ichnode.dicom.spool;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the few top-level attributes the node records from the first bytes of a little endian data set,
 * without building a full attribute list (the C-STORE hot path). Sequences are skipped, nested or not.
 * Returns null whenever it is not sure (an unknown character set, a truncated buffer, an odd structure):
 * the caller then parses with PixelMed.
 */
final class HeaderScanner {
    private HeaderScanner() {}

    private static final int PIXEL_DATA = 0x7FE00010;
    private static final int[] WANTED = {
            0x00080005, 0x00080008, 0x00080016, 0x00080018, 0x00080020, 0x00080050, 0x00080060, 0x0008103E,
            0x00100020, 0x00180015, 0x00180050, 0x0020000D, 0x0020000E, 0x00200037, 0x00201002, 0x00280008};

    private static final class Truncated extends RuntimeException {
        Truncated() { super(null, null, false, false); }
    }

    static Map<Integer, String> scan(byte[] b, int length, boolean explicitVr) {
        Map<Integer, String> values = new HashMap<>();
        try {
            int pos = 0;
            while (pos + 8 <= length) {
                int tag = tag(b, pos);
                if (tag == PIXEL_DATA) return decode(values);
                int[] header = header(b, pos, length, explicitVr);
                int valueOffset = header[0];
                long valueLength = header[1] & 0xFFFFFFFFL;
                if (valueLength == 0xFFFFFFFFL) {
                    pos = skipUndefined(b, valueOffset, length, explicitVr);
                    continue;
                }
                if (valueOffset + valueLength > length) throw new Truncated();
                if (isWanted(tag)) values.put(tag, new String(b, valueOffset, (int) valueLength, StandardCharsets.ISO_8859_1));
                pos = (int) (valueOffset + valueLength);
            }
            return null; // never reached Pixel Data: not sure we saw every attribute
        } catch (Truncated | ArrayIndexOutOfBoundsException e) {
            return null;
        }
    }

    /** Values decoded with the data set's character set; null for character sets we do not decode here. */
    private static Map<Integer, String> decode(Map<Integer, String> raw) {
        String charset = raw.getOrDefault(0x00080005, "").trim();
        Charset cs;
        if (charset.isEmpty()) cs = StandardCharsets.US_ASCII;
        else if (charset.equals("ISO_IR 100")) cs = StandardCharsets.ISO_8859_1;
        else if (charset.equals("ISO_IR 192")) cs = StandardCharsets.UTF_8;
        else return null;
        Map<Integer, String> out = new HashMap<>();
        raw.forEach((tag, latin1) -> {
            String v = new String(latin1.getBytes(StandardCharsets.ISO_8859_1), cs);
            int end = v.length();
            while (end > 0 && (v.charAt(end - 1) == ' ' || v.charAt(end - 1) == 0)) end--;
            int start = 0;
            while (start < end && v.charAt(start) == ' ') start++;
            if (end > start) out.put(tag, v.substring(start, end));
        });
        return out;
    }

    /** {value offset, value length} of the element at pos. */
    private static int[] header(byte[] b, int pos, int length, boolean explicitVr) {
        if (!explicitVr || (tag(b, pos) >>> 16) == 0xFFFE) return new int[] {pos + 8, int32(b, pos + 4)};
        char v1 = (char) b[pos + 4], v2 = (char) b[pos + 5];
        if (v1 < 'A' || v1 > 'Z' || v2 < 'A' || v2 > 'Z') throw new Truncated(); // not explicit VR after all
        String vr = "" + v1 + v2;
        switch (vr) {
            case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV" -> {
                if (pos + 12 > length) throw new Truncated();
                return new int[] {pos + 12, int32(b, pos + 8)};
            }
            default -> {
                return new int[] {pos + 8, (b[pos + 6] & 0xFF) | ((b[pos + 7] & 0xFF) << 8)};
            }
        }
    }

    /** Skips a sequence (or item) of undefined length starting at its first nested element; returns the position after its delimiter. */
    private static int skipUndefined(byte[] b, int pos, int length, boolean explicitVr) {
        while (pos + 8 <= length) {
            int tag = tag(b, pos);
            if (tag == 0xFFFEE0DD || tag == 0xFFFEE00D) return pos + 8; // sequence / item delimitation
            int[] header = header(b, pos, length, explicitVr);
            long len = header[1] & 0xFFFFFFFFL;
            if (len == 0xFFFFFFFFL) pos = skipUndefined(b, header[0], length, explicitVr);
            else if (tag == 0xFFFEE000) pos = header[0] + (int) len; // item of defined length
            else pos = header[0] + (int) len;
            if (pos > length || pos < 0) throw new Truncated();
        }
        throw new Truncated();
    }

    private static boolean isWanted(int tag) {
        for (int w : WANTED) if (w == tag) return true;
        return false;
    }

    private static int tag(byte[] b, int pos) {
        int group = (b[pos] & 0xFF) | ((b[pos + 1] & 0xFF) << 8);
        int element = (b[pos + 2] & 0xFF) | ((b[pos + 3] & 0xFF) << 8);
        return (group << 16) | element;
    }

    private static int int32(byte[] b, int pos) {
        return (b[pos] & 0xFF) | ((b[pos + 1] & 0xFF) << 8) | ((b[pos + 2] & 0xFF) << 16) | ((b[pos + 3] & 0xFF) << 24);
    }
}
