package org.ichnode.dicom.net;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Reading of the variable items that A-ASSOCIATE-RQ and -AC share (PS3.8 9.3.2.3, 9.3.3.3). */
final class PduItems {
    private PduItems() {}

    /** The user information sub-items we use: maximum length (0x51) and implementation class UID (0x52). */
    record UserInformation(long maxPduLength, String implementationClassUid) {}

    /** Reads the sub-items of a user information item whose value ends at {@code end}. */
    static UserInformation userInformation(ByteBuffer b, int end) {
        long maxPdu = 0;
        String implClass = null;
        while (b.position() + 4 <= end) {
            int sub = b.get() & 0xFF;
            b.get();
            int subLen = b.getShort() & 0xFFFF;
            int subEnd = b.position() + subLen;
            if (subEnd > end) throw new ProtocolException("user information sub-item overruns item");
            if (sub == 0x51 && subLen == 4) maxPdu = b.getInt() & 0xFFFFFFFFL;
            else if (sub == 0x52) implClass = ascii(b, subLen);
            b.position(subEnd);
        }
        return new UserInformation(maxPdu, implClass);
    }

    /** An ASCII value without its trailing NUL or space padding. */
    static String ascii(ByteBuffer b, int len) {
        byte[] v = new byte[len];
        b.get(v);
        int end = len;
        while (end > 0 && (v[end - 1] == 0 || v[end - 1] == ' ')) end--;
        return new String(v, 0, end, StandardCharsets.US_ASCII);
    }
}
