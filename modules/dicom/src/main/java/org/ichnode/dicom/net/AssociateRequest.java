package org.ichnode.dicom.net;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The parts of an A-ASSOCIATE-RQ PDU (PS3.8 9.3.2) the acceptor decides on. */
record AssociateRequest(int protocolVersion, String calledAeTitle, String callingAeTitle, String applicationContext,
                        List<ProposedContext> contexts, long maxPduLength, String implementationClassUid,
                        byte[] calledAndCallingRaw) {

    record ProposedContext(int id, String abstractSyntax, List<String> transferSyntaxes) {}

    static AssociateRequest parse(byte[] pdu, int length) {
        ByteBuffer b = ByteBuffer.wrap(pdu, 0, length); // big endian, as every PDU field
        if (length < 68) throw new ProtocolException("A-ASSOCIATE-RQ too short: " + length + " bytes");
        int version = b.getShort() & 0xFFFF;
        b.getShort();
        byte[] aeBlock = new byte[32];
        b.get(aeBlock);
        String called = aeTitle(aeBlock, 0);
        String calling = aeTitle(aeBlock, 16);
        b.position(b.position() + 32);
        String appContext = null;
        List<ProposedContext> contexts = new ArrayList<>();
        long maxPdu = 0;
        String implClass = null;
        while (b.remaining() >= 4) {
            int type = b.get() & 0xFF;
            b.get();
            int len = b.getShort() & 0xFFFF;
            if (len > b.remaining()) throw new ProtocolException("item 0x" + Integer.toHexString(type) + " overruns PDU");
            int end = b.position() + len;
            switch (type) {
                case 0x10 -> appContext = ascii(b, len);
                case 0x20 -> contexts.add(parseContext(b, end));
                case 0x50 -> {
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
                }
                default -> { /* other items (role selection, extended negotiation) are not used */ }
            }
            b.position(end);
        }
        if (b.hasRemaining()) throw new ProtocolException("trailing bytes in A-ASSOCIATE-RQ");
        return new AssociateRequest(version, called, calling, appContext, contexts, maxPdu, implClass, aeBlock);
    }

    private static ProposedContext parseContext(ByteBuffer b, int end) {
        int id = b.get() & 0xFF;
        b.get(); b.get(); b.get();
        String abstractSyntax = null;
        List<String> ts = new ArrayList<>();
        while (b.position() + 4 <= end) {
            int sub = b.get() & 0xFF;
            b.get();
            int len = b.getShort() & 0xFFFF;
            if (b.position() + len > end) throw new ProtocolException("presentation context sub-item overruns item");
            String v = ascii(b, len);
            if (sub == 0x30) abstractSyntax = v;
            else if (sub == 0x40) ts.add(v);
        }
        return new ProposedContext(id, abstractSyntax, ts);
    }

    private static String ascii(ByteBuffer b, int len) {
        byte[] v = new byte[len];
        b.get(v);
        int end = len;
        while (end > 0 && (v[end - 1] == 0 || v[end - 1] == ' ')) end--;
        return new String(v, 0, end, StandardCharsets.US_ASCII);
    }

    private static String aeTitle(byte[] block, int offset) {
        return new String(block, offset, 16, StandardCharsets.US_ASCII).trim();
    }
}
