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
        long maxPdu = 0;
        String implClass = null;
        while (b.remaining() >= 4) {
            int type = b.get() & 0xFF;
            b.get();
            int len = b.getShort() & 0xFFFF;
            if (len > b.remaining()) throw new ProtocolException("item 0x" + Integer.toHexString(type) + " overruns A-ASSOCIATE-AC");
            int end = b.position() + len;
            switch (type) {
                case 0x21 -> {
                    if (len < 4) throw new ProtocolException("presentation context item too short");
                    int id = b.get() & 0xFF;
                    b.get();
                    int result = b.get() & 0xFF;
                    b.get();
                    String ts = null;
                    while (b.position() + 4 <= end) {
                        int sub = b.get() & 0xFF;
                        b.get();
                        int subLen = b.getShort() & 0xFFFF;
                        if (b.position() + subLen > end) throw new ProtocolException("transfer syntax sub-item overruns item");
                        String v = PduItems.ascii(b, subLen);
                        if (sub == 0x40) ts = v;
                    }
                    contexts.put(id, new Pdus.ContextResult(id, result, ts));
                }
                case 0x50 -> {
                    PduItems.UserInformation user = PduItems.userInformation(b, end);
                    maxPdu = user.maxPduLength();
                    implClass = user.implementationClassUid();
                }
                default -> { /* application context (0x10) and anything else: not needed */ }
            }
            b.position(end);
        }
        return new AssociateAccept(contexts, maxPdu, implClass);
    }

}
