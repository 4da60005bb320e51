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
        String[] appContext = {null};
        List<ProposedContext> contexts = new ArrayList<>();
        PduItems.UserInformation[] user = {new PduItems.UserInformation(0, null)};
        PduItems.forEachItem(b, length, "A-ASSOCIATE-RQ", (type, len, end) -> {
            switch (type) {
                case 0x10 -> appContext[0] = PduItems.ascii(b, len);
                case 0x20 -> contexts.add(parseContext(b, end));
                case 0x50 -> user[0] = PduItems.userInformation(b, end);
                default -> { /* other items (role selection, extended negotiation) are not used */ }
            }
        });
        if (b.hasRemaining()) throw new ProtocolException("trailing bytes in A-ASSOCIATE-RQ");
        return new AssociateRequest(version, called, calling, appContext[0], contexts, user[0].maxPduLength(),
                user[0].implementationClassUid(), aeBlock);
    }

    private static ProposedContext parseContext(ByteBuffer b, int end) {
        int id = b.get() & 0xFF;
        b.get(); b.get(); b.get();
        String[] abstractSyntax = {null};
        List<String> ts = new ArrayList<>();
        PduItems.forEachItem(b, end, "presentation context item", (sub, len, subEnd) -> {
            String v = PduItems.ascii(b, len);
            if (sub == 0x30) abstractSyntax[0] = v;
            else if (sub == 0x40) ts.add(v);
        });
        return new ProposedContext(id, abstractSyntax[0], ts);
    }


    /**
     * The AE title, trimmed; control characters and backslashes (not allowed in an AE title) become '?', so that a
     * title cannot forge a log line and never matches an allowlist entry.
     */
    static String aeTitle(byte[] block, int offset) {
        char[] c = new String(block, offset, 16, StandardCharsets.ISO_8859_1).trim().toCharArray();
        for (int i = 0; i < c.length; i++) if (c[i] < 0x20 || c[i] >= 0x7F || c[i] == '\\') c[i] = '?';
        return new String(c);
    }
}
