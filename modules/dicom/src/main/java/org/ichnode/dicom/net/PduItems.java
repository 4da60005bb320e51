package org.ichnode.dicom.net;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Reading of the variable items that A-ASSOCIATE-RQ and -AC share (PS3.8 9.3.2.3, 9.3.3.3). */
final class PduItems {
    private PduItems() {}

    /** The user information sub-items we use: maximum length (0x51) and implementation class UID (0x52). */
    record UserInformation(long maxPduLength, String implementationClassUid) {}

    /** What to do with one item: {@code b} is at its value, which is {@code length} bytes long. */
    interface ItemHandler {
        void item(int type, int length, int end);
    }

    /**
     * Walks the items (type, reserved byte, 2-byte length, value) from {@code b}'s position to {@code end}; after each
     * the position is at the item's end, whatever the handler read. An item longer than what is left is a protocol
     * error named after {@code where}.
     */
    static void forEachItem(ByteBuffer b, int end, String where, ItemHandler handler) {
        while (b.position() + 4 <= end) {
            int type = b.get() & 0xFF;
            b.get();
            int length = b.getShort() & 0xFFFF;
            int itemEnd = b.position() + length;
            if (itemEnd > end) throw new ProtocolException("item 0x" + Integer.toHexString(type) + " overruns " + where);
            handler.item(type, length, itemEnd);
            b.position(itemEnd);
        }
    }

    /** Reads the sub-items of a user information item whose value ends at {@code end}. */
    static UserInformation userInformation(ByteBuffer b, int end) {
        long[] maxPdu = {0};
        String[] implClass = {null};
        forEachItem(b, end, "user information item", (sub, length, subEnd) -> {
            if (sub == 0x51 && length == 4) maxPdu[0] = b.getInt() & 0xFFFFFFFFL;
            else if (sub == 0x52) implClass[0] = ascii(b, length);
        });
        return new UserInformation(maxPdu[0], implClass[0]);
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
