package org.ichnode.dicom.net;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A DICOM Part 10 file as the SCU sends it: the meta header's SOP Class/Instance UID and transfer syntax, and
 * where the data set starts (after the 128-byte preamble, "DICM" and the group 0002 elements, which are always
 * Explicit VR Little Endian, PS3.10 7.1).
 */
record Part10File(Path path, String sopClassUid, String sopInstanceUid, String transferSyntaxUid,
                  long dataSetOffset, long size) {

    private static final int MAX_META_LENGTH = 1 << 16;

    static Part10File read(Path path) throws IOException {
        long size = Files.size(path);
        try (InputStream raw = Files.newInputStream(path);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 8192))) {
            byte[] preamble = in.readNBytes(132);
            if (preamble.length < 132 || preamble[128] != 'D' || preamble[129] != 'I' || preamble[130] != 'C' || preamble[131] != 'M') {
                throw new IOException("not a DICOM Part 10 file (no DICM prefix)");
            }
            long pos = 132;
            String sopClass = null, sopInstance = null, ts = null;
            while (true) {
                in.mark(8);
                byte[] tag = in.readNBytes(4);
                if (tag.length < 4) break; // meta header only, no data set
                int group = (tag[0] & 0xFF) | ((tag[1] & 0xFF) << 8);
                int element = (tag[2] & 0xFF) | ((tag[3] & 0xFF) << 8);
                if (group != 0x0002) {
                    in.reset();
                    break;
                }
                int vr0 = in.readUnsignedByte(), vr1 = in.readUnsignedByte();
                if (vr0 < 'A' || vr0 > 'Z' || vr1 < 'A' || vr1 > 'Z') throw new IOException("meta header is not Explicit VR");
                String vr = "" + (char) vr0 + (char) vr1;
                long length;
                int headerLength;
                if (longLength(vr)) {
                    in.readUnsignedShort();
                    length = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
                    headerLength = 12;
                } else {
                    length = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
                    headerLength = 8;
                }
                if (pos + headerLength + length > MAX_META_LENGTH) throw new IOException("meta header longer than " + MAX_META_LENGTH + " bytes");
                byte[] value = in.readNBytes((int) length);
                if (value.length < length) throw new EOFException("file ends inside the meta header");
                pos += headerLength + length;
                switch (element) {
                    case 0x0002 -> sopClass = uid(value);
                    case 0x0003 -> sopInstance = uid(value);
                    case 0x0010 -> ts = uid(value);
                    default -> { }
                }
            }
            if (sopClass == null || sopClass.isEmpty()) throw new IOException("meta header has no Media Storage SOP Class UID");
            if (sopInstance == null || sopInstance.isEmpty()) throw new IOException("meta header has no Media Storage SOP Instance UID");
            if (ts == null || ts.isEmpty()) throw new IOException("meta header has no Transfer Syntax UID");
            if (pos >= size) throw new IOException("no data set after the meta header");
            return new Part10File(path, sopClass, sopInstance, ts, pos, size);
        }
    }

    long dataSetLength() { return size - dataSetOffset; }

    private static boolean longLength(String vr) {
        return switch (vr) {
            case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV" -> true;
            default -> false;
        };
    }

    private static String uid(byte[] v) {
        int end = v.length;
        while (end > 0 && (v[end - 1] == 0 || v[end - 1] == ' ')) end--;
        return new String(v, 0, end, StandardCharsets.US_ASCII);
    }
}
