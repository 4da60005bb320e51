package org.ichnode.dicom.net;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Encoders for the PDUs the acceptor and the requestor ({@link StorageScu}) send (PS3.8 9.3). */
final class Pdus {
    private Pdus() {}

    static final int ASSOCIATE_RQ = 0x01;
    static final int ASSOCIATE_AC = 0x02;
    static final int ASSOCIATE_RJ = 0x03;
    static final int P_DATA_TF = 0x04;
    static final int RELEASE_RQ = 0x05;
    static final int RELEASE_RP = 0x06;
    static final int ABORT = 0x07;

    /** Result of one presentation context in the A-ASSOCIATE-AC. */
    record ContextResult(int id, int result, String transferSyntax) {
        static final int ACCEPTANCE = 0;
        static final int ABSTRACT_SYNTAX_NOT_SUPPORTED = 3;
        static final int TRANSFER_SYNTAXES_NOT_SUPPORTED = 4;
    }

    static byte[] associateAccept(AssociateRequest rq, List<ContextResult> results, int maxPduWeReceive) {
        ByteArrayOutputStream items = new ByteArrayOutputStream();
        item(items, 0x10, ascii(Uids.APPLICATION_CONTEXT));
        for (ContextResult r : results) {
            ByteArrayOutputStream ctx = new ByteArrayOutputStream();
            ctx.write(r.id());
            ctx.write(0);
            ctx.write(r.result());
            ctx.write(0);
            // a transfer syntax sub-item is always present; its value is not significant when not accepted
            item(ctx, 0x40, ascii(r.transferSyntax() == null ? Uids.IMPLICIT_VR_LE : r.transferSyntax()));
            item(items, 0x21, ctx.toByteArray());
        }
        // the called and calling AE titles are echoed as received (PS3.8 9.3.3.2)
        return associatePdu(ASSOCIATE_AC, rq.calledAndCallingRaw(), items, maxPduWeReceive);
    }

    /** result 1 permanent / 2 transient; source 1 service user, 2 ACSE provider, 3 presentation provider. */
    static byte[] associateReject(int result, int source, int reason) {
        return ByteBuffer.allocate(10).put((byte) ASSOCIATE_RJ).put((byte) 0).putInt(4)
                .put((byte) 0).put((byte) result).put((byte) source).put((byte) reason).array();
    }

    static byte[] releaseResponse() {
        return ByteBuffer.allocate(10).put((byte) RELEASE_RP).put((byte) 0).putInt(4).putInt(0).array();
    }

    /** A-ABORT from the service provider (source 2), reason 0 = not specified, 2 = unexpected PDU. */
    static byte[] abort(int reason) {
        return ByteBuffer.allocate(10).put((byte) ABORT).put((byte) 0).putInt(4)
                .put((byte) 0).put((byte) 0).put((byte) 2).put((byte) reason).array();
    }

    /** One P-DATA-TF PDU holding the whole command set as a single last-fragment command PDV. */
    static byte[] commandPData(int contextId, byte[] command) {
        ByteBuffer b = ByteBuffer.allocate(6 + 4 + 2 + command.length);
        b.put((byte) P_DATA_TF).put((byte) 0).putInt(4 + 2 + command.length);
        b.putInt(2 + command.length).put((byte) contextId).put((byte) 0x03).put(command);
        return b.array();
    }

    // ---- requestor side (StorageScu)

    /** A-ASSOCIATE-RQ (PS3.8 9.3.2): protocol version 1, the standard application context, our implementation. */
    static byte[] associateRequest(String calledAe, String callingAe, List<AssociateRequest.ProposedContext> contexts,
                                   int maxPduWeReceive) {
        ByteArrayOutputStream items = new ByteArrayOutputStream();
        item(items, 0x10, ascii(Uids.APPLICATION_CONTEXT));
        for (AssociateRequest.ProposedContext pc : contexts) {
            ByteArrayOutputStream ctx = new ByteArrayOutputStream();
            ctx.write(pc.id());
            ctx.write(0);
            ctx.write(0);
            ctx.write(0);
            item(ctx, 0x30, ascii(pc.abstractSyntax()));
            for (String ts : pc.transferSyntaxes()) item(ctx, 0x40, ascii(ts));
            item(items, 0x20, ctx.toByteArray());
        }
        byte[] calledAndCalling = ByteBuffer.allocate(32).put(aeTitle(calledAe)).put(aeTitle(callingAe)).array();
        return associatePdu(ASSOCIATE_RQ, calledAndCalling, items, maxPduWeReceive);
    }

    /**
     * An A-ASSOCIATE-RQ or -AC: protocol version 1, the AE titles (32 bytes), 32 reserved bytes, the application
     * context and presentation context items already in {@code items}, then our user information (maximum length,
     * implementation class and version).
     */
    private static byte[] associatePdu(int type, byte[] calledAndCalling, ByteArrayOutputStream items, int maxPduWeReceive) {
        ByteArrayOutputStream user = new ByteArrayOutputStream();
        item(user, 0x51, ByteBuffer.allocate(4).putInt(maxPduWeReceive).array());
        item(user, 0x52, ascii(Uids.IMPLEMENTATION_CLASS));
        item(user, 0x55, ascii(Uids.IMPLEMENTATION_VERSION));
        item(items, 0x50, user.toByteArray());

        byte[] variable = items.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(6 + 68 + variable.length);
        b.put((byte) type).put((byte) 0).putInt(68 + variable.length);
        b.putShort((short) 1).putShort((short) 0);
        b.put(calledAndCalling);
        b.put(new byte[32]);
        b.put(variable);
        return b.array();
    }

    static byte[] releaseRequest() {
        return ByteBuffer.allocate(10).put((byte) RELEASE_RQ).put((byte) 0).putInt(4).putInt(0).array();
    }

    /** A-ABORT from the service user (source 0, reason not significant). */
    static byte[] abortFromUser() {
        return ByteBuffer.allocate(10).put((byte) ABORT).put((byte) 0).putInt(4).putInt(0).array();
    }

    /** Bytes a P-DATA-TF with a single PDV needs in front of the PDV's value. */
    static final int PDATA_HEADER_LENGTH = 12;

    /**
     * Writes the header of a P-DATA-TF holding one PDV of {@code valueLength} bytes into {@code b[0..12)}.
     * messageControl bit 0: command (1) or data set (0); bit 1: last fragment.
     */
    static void pDataHeader(byte[] b, int contextId, int messageControl, int valueLength) {
        ByteBuffer h = ByteBuffer.wrap(b, 0, PDATA_HEADER_LENGTH);
        h.put((byte) P_DATA_TF).put((byte) 0).putInt(4 + 2 + valueLength);
        h.putInt(2 + valueLength).put((byte) contextId).put((byte) messageControl);
    }

    /** 16 bytes, space padded; AE titles are at most 16 characters of the default repertoire. */
    static byte[] aeTitle(String ae) {
        if (ae == null || ae.isBlank() || ae.length() > 16) throw new IllegalArgumentException("AE title must be 1 to 16 characters: '" + ae + "'");
        byte[] b = new byte[16];
        java.util.Arrays.fill(b, (byte) ' ');
        byte[] s = ascii(ae);
        System.arraycopy(s, 0, b, 0, s.length);
        return b;
    }

    private static void item(ByteArrayOutputStream out, int type, byte[] value) {
        out.write(type);
        out.write(0);
        out.write((value.length >>> 8) & 0xFF);
        out.write(value.length & 0xFF);
        out.writeBytes(value);
    }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }
}
