package org.ichnode.dicom.net;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/** The parts of an A-ASSOCIATE-AC PDU (PS3.8 9.3.3) the requestor needs: context results and the peer's max PDU. */
record AssociateAccept(Map<Integer, Pdus.ContextResult> contexts, long maxPduLength, String implementationClassUid) {

    static AssociateAccept parse(byte[] pdu, int length) {
        if (length < 68) throw new ProtocolException("A-ASSOCIATE-AC too short: " + length + " bytes");
        ByteBuffer b = ByteBuffer.wrap(pdu, 0, length);
        b.position(68); // version, reserved, called/calling AE echoed, reserved
        Map<Integer, Pdus.ContextResult> contexts = new HashMap<>();
        PduItems.UserInformation[] user = {new PduItems.UserInformation(0, null)};
        PduItems.forEachItem(b, length, "A-ASSOCIATE-AC", (type, len, end) -> {
            switch (type) {
                case 0x21 -> {
                    if (len < 4) throw new ProtocolException("presentation context item too short");
                    int id = b.get() & 0xFF;
                    b.get();
                    int result = b.get() & 0xFF;
                    b.get();
                    String[] ts = {null};
                    PduItems.forEachItem(b, end, "presentation context item", (sub, subLen, subEnd) -> {
                        if (sub == 0x40) ts[0] = PduItems.ascii(b, subLen);
                    });
                    contexts.put(id, new Pdus.ContextResult(id, result, ts[0]));
                }
                case 0x50 -> user[0] = PduItems.userInformation(b, end);
                default -> { /* application context (0x10) and anything else: not needed */ }
            }
        });
        return new AssociateAccept(contexts, user[0].maxPduLength(), user[0].implementationClassUid());
    }

}
