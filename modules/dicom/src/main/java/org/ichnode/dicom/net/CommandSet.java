package org.ichnode.dicom.net;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;

/**
 * A DIMSE command set: group 0000 elements, always Implicit VR Little Endian (PS3.7 6.3.1). Holds raw values
 * by tag; only the few elements C-ECHO and C-STORE use are interpreted.
 */
final class CommandSet {
    static final int AFFECTED_SOP_CLASS_UID = 0x00000002;
    static final int COMMAND_FIELD = 0x00000100;
    static final int MESSAGE_ID = 0x00000110;
    static final int MESSAGE_ID_BEING_RESPONDED_TO = 0x00000120;
    static final int PRIORITY = 0x00000700;
    static final int COMMAND_DATA_SET_TYPE = 0x00000800;
    static final int STATUS = 0x00000900;
    static final int ERROR_COMMENT = 0x00000902;
    static final int AFFECTED_SOP_INSTANCE_UID = 0x00001000;

    static final int C_STORE_RQ = 0x0001;
    static final int C_STORE_RSP = 0x8001;
    static final int C_ECHO_RQ = 0x0030;
    static final int C_ECHO_RSP = 0x8030;
    static final int C_FIND_RQ = 0x0020;
    static final int C_FIND_RSP = 0x8020;
    static final int NO_DATA_SET = 0x0101;

    private final TreeMap<Integer, byte[]> values = new TreeMap<>();

    static CommandSet parse(byte[] bytes, int length) {
        CommandSet cs = new CommandSet();
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.remaining() >= 8) {
            int group = b.getShort() & 0xFFFF;
            int element = b.getShort() & 0xFFFF;
            long len = b.getInt() & 0xFFFFFFFFL;
            if (len > b.remaining()) throw new IllegalArgumentException("command element length beyond command set");
            byte[] v = new byte[(int) len];
            b.get(v);
            cs.values.put((group << 16) | element, v);
        }
        if (b.hasRemaining()) throw new IllegalArgumentException("trailing bytes in command set");
        return cs;
    }

    int getUnsignedShort(int tag, int defaultValue) {
        byte[] v = values.get(tag);
        if (v == null || v.length < 2) return defaultValue;
        return (v[0] & 0xFF) | ((v[1] & 0xFF) << 8);
    }

    String getString(int tag) {
        byte[] v = values.get(tag);
        if (v == null) return null;
        int end = v.length;
        while (end > 0 && (v[end - 1] == 0 || v[end - 1] == ' ')) end--;
        return new String(v, 0, end, StandardCharsets.US_ASCII);
    }

    boolean hasDataSet() { return getUnsignedShort(COMMAND_DATA_SET_TYPE, NO_DATA_SET) != NO_DATA_SET; }

    CommandSet putUnsignedShort(int tag, int value) {
        values.put(tag, new byte[] {(byte) value, (byte) (value >>> 8)});
        return this;
    }

    CommandSet putString(int tag, String value, boolean uid) {
        byte[] s = value.getBytes(StandardCharsets.US_ASCII);
        byte[] v = new byte[s.length + (s.length & 1)];
        System.arraycopy(s, 0, v, 0, s.length);
        if ((s.length & 1) == 1) v[s.length] = uid ? 0 : (byte) ' ';
        values.put(tag, v);
        return this;
    }

    /** Encodes with a leading CommandGroupLength (0000,0000). */
    byte[] encode() {
        byte[] body = encodeElements();
        ByteArrayOutputStream all = new ByteArrayOutputStream(body.length + 12);
        byte[] len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(body.length).array();
        writeElement(all, 0, len);
        all.writeBytes(body);
        return all.toByteArray();
    }

    /** The elements alone, in tag order: also a flat data set in Implicit VR Little Endian (a C-FIND identifier). */
    byte[] encodeElements() {
        ByteArrayOutputStream body = new ByteArrayOutputStream(128);
        values.forEach((tag, v) -> {
            if (tag == 0) return;
            writeElement(body, tag, v);
        });
        return body.toByteArray();
    }

    private static void writeElement(ByteArrayOutputStream out, int tag, byte[] v) {
        ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        h.putShort((short) (tag >>> 16)).putShort((short) tag).putInt(v.length);
        out.writeBytes(h.array());
        out.writeBytes(v);
    }
}
