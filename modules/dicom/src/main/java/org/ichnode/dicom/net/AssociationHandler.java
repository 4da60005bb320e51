package org.ichnode.dicom.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One association, acceptor side: negotiation, then C-ECHO and C-STORE until release or abort. Any protocol
 * violation, truncated PDU or idle timeout ends this association only (A-ABORT where the peer can still
 * hear it); a data set in progress is discarded, never acknowledged.
 */
final class AssociationHandler {
    private static final Logger log = LoggerFactory.getLogger(AssociationHandler.class);
    private static final int MAX_ASSOCIATE_RQ_LENGTH = 1 << 16;

    private final Socket socket;
    private final ScpSettings settings;
    private final InstanceSink sink;
    private final long id;
    private final Map<Integer, AcceptedContext> contexts = new HashMap<>();
    private DataInputStream in;
    private OutputStream out;
    private String callingAe = "?";

    // state of the DIMSE message being received
    private byte[] command = new byte[256];
    private int commandLength;
    private CommandSet pendingStore;
    private InstanceSink.Incoming incoming;
    private InstanceSink.StoreResult earlyFailure;

    private int stored;
    private int failed;
    private long bytes;

    private record AcceptedContext(String abstractSyntax, String transferSyntax) {}

    private final ScpCounters counters;

    AssociationHandler(Socket socket, ScpSettings settings, InstanceSink sink, long id, Runnable negotiated, ScpCounters counters) {
        this.counters = counters;
        this.socket = socket;
        this.settings = settings;
        this.sink = sink;
        this.id = id;
        this.negotiated = negotiated;
    }

    /** Called once the A-ASSOCIATE-RQ is read whole (stops the ARTIM timer). */
    private final Runnable negotiated;

    void run() {
        String peer = socket.getInetAddress().getHostAddress() + ":" + socket.getPort();
        // not try-with-resources: the socket must still be open in the catch blocks, which tell the peer (A-ABORT)
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) settings.idleTimeout().toMillis());
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 14);
            if (!negotiate(peer)) return;
            serve();
            log.info("assoc #{} {} released: {} stored, {} failed, {} MB", id, callingAe, stored, failed, bytes >> 20);
        } catch (ProtocolException e) {
            log.warn("assoc #{} {} from {} aborted: {}", id, callingAe, peer, e.getMessage());
            sendQuietly(Pdus.abort(2));
        } catch (SocketTimeoutException e) {
            log.warn("assoc #{} {} from {} aborted: idle for {} s", id, callingAe, peer, settings.idleTimeout().toSeconds());
            sendQuietly(Pdus.abort(0));
        } catch (EOFException e) {
            log.warn("assoc #{} {} from {} closed by the peer mid-association", id, callingAe, peer);
        } catch (IOException e) {
            log.warn("assoc #{} {} from {} ended: {}", id, callingAe, peer, e.toString());
        } catch (RuntimeException e) {
            log.error("assoc #{} {} from {} failed", id, callingAe, peer, e);
            sendQuietly(Pdus.abort(0));
        } finally {
            if (incoming != null) incoming.discard();
            try { socket.close(); } catch (IOException ignored) { /* closing */ }
        }
    }

    /** Reads the A-ASSOCIATE-RQ and answers AC or RJ; false when rejected. */
    private boolean negotiate(String peer) throws IOException {
        int type = in.readUnsignedByte();
        in.readUnsignedByte();
        long length = in.readInt() & 0xFFFFFFFFL;
        if (type != Pdus.ASSOCIATE_RQ) throw new ProtocolException("expected A-ASSOCIATE-RQ, got PDU type " + type);
        if (length > MAX_ASSOCIATE_RQ_LENGTH) throw new ProtocolException("A-ASSOCIATE-RQ of " + length + " bytes");
        byte[] body = new byte[(int) length];
        in.readFully(body);
        negotiated.run();
        AssociateRequest rq;
        try {
            rq = AssociateRequest.parse(body, body.length);
        } catch (RuntimeException e) { // a peer's malformed request: one line, no stack trace
            throw e instanceof ProtocolException p ? p : new ProtocolException("malformed A-ASSOCIATE-RQ: " + e);
        }
        callingAe = rq.callingAeTitle();

        if ((rq.protocolVersion() & 1) == 0) return reject(peer, 1, 2, 2, "protocol version not supported");
        if (!Uids.APPLICATION_CONTEXT.equals(rq.applicationContext())) return reject(peer, 1, 1, 2, "application context not supported");
        if (!settings.aeTitle().equals(rq.calledAeTitle())) return reject(peer, 1, 1, 7, "called AE title '" + rq.calledAeTitle() + "' is not ours");
        if (!settings.allowedCallers().allows(rq.callingAeTitle(), socket.getInetAddress())) {
            return reject(peer, 1, 1, 3, "calling AE title not on the allowlist");
        }

        List<Pdus.ContextResult> results = new ArrayList<>();
        for (AssociateRequest.ProposedContext pc : rq.contexts()) {
            String as = pc.abstractSyntax();
            boolean storage = as != null && settings.storageSopClasses().contains(as); // null: the context named none
            if (!storage && !Uids.VERIFICATION.equals(as)) {
                results.add(new Pdus.ContextResult(pc.id(), Pdus.ContextResult.ABSTRACT_SYNTAX_NOT_SUPPORTED, null));
                continue;
            }
            String chosen = null;
            for (String ts : settings.transferSyntaxes()) {
                boolean uncompressed = ts.equals(Uids.EXPLICIT_VR_LE) || ts.equals(Uids.IMPLICIT_VR_LE);
                if (pc.transferSyntaxes().contains(ts) && (storage || uncompressed)) { chosen = ts; break; }
            }
            if (chosen == null) {
                results.add(new Pdus.ContextResult(pc.id(), Pdus.ContextResult.TRANSFER_SYNTAXES_NOT_SUPPORTED, null));
            } else {
                results.add(new Pdus.ContextResult(pc.id(), Pdus.ContextResult.ACCEPTANCE, chosen));
                contexts.put(pc.id(), new AcceptedContext(as, chosen));
            }
        }
        out.write(Pdus.associateAccept(rq, results, settings.maxPduLength()));
        out.flush();
        log.info("assoc #{} {} from {} accepted: {} of {} presentation contexts", id, callingAe, peer,
                contexts.size(), results.size());
        return true;
    }

    private boolean reject(String peer, int result, int source, int reason, String why) throws IOException {
        log.warn("assoc #{} {} from {} rejected: {}", id, callingAe, peer, why);
        out.write(Pdus.associateReject(result, source, reason));
        out.flush();
        return false;
    }

    private void serve() throws IOException {
        byte[] pdu = new byte[settings.maxPduLength()];
        while (true) {
            int type = in.readUnsignedByte();
            in.readUnsignedByte();
            long length = in.readInt() & 0xFFFFFFFFL;
            switch (type) {
                case Pdus.P_DATA_TF -> {
                    if (length > settings.maxPduLength()) {
                        throw new ProtocolException("P-DATA-TF of " + length + " bytes exceeds our maximum " + settings.maxPduLength());
                    }
                    in.readFully(pdu, 0, (int) length);
                    onPData(pdu, (int) length);
                }
                case Pdus.RELEASE_RQ -> {
                    in.readFully(new byte[(int) Math.min(length, 64)]);
                    if (incoming != null) throw new ProtocolException("A-RELEASE-RQ in the middle of a data set");
                    out.write(Pdus.releaseResponse());
                    out.flush();
                    return;
                }
                case Pdus.ABORT -> throw new EOFException("A-ABORT from the peer");
                default -> throw new ProtocolException("unexpected PDU type " + type);
            }
        }
    }

    private void onPData(byte[] pdu, int length) throws IOException {
        int pos = 0;
        while (pos < length) {
            if (length - pos < 6) throw new ProtocolException("truncated PDV item");
            int itemLength = ((pdu[pos] & 0xFF) << 24) | ((pdu[pos + 1] & 0xFF) << 16) | ((pdu[pos + 2] & 0xFF) << 8) | (pdu[pos + 3] & 0xFF);
            if (itemLength < 2 || itemLength > length - pos - 4) throw new ProtocolException("PDV item length " + itemLength + " overruns the PDU");
            int contextId = pdu[pos + 4] & 0xFF;
            int header = pdu[pos + 5];
            int valueOffset = pos + 6;
            int valueLength = itemLength - 2;
            pos += 4 + itemLength;
            AcceptedContext ctx = contexts.get(contextId);
            if (ctx == null) throw new ProtocolException("PDV on presentation context " + contextId + " that was not accepted");
            boolean isCommand = (header & 1) != 0;
            boolean last = (header & 2) != 0;
            if (isCommand) onCommandFragment(ctx, contextId, pdu, valueOffset, valueLength, last);
            else onDataFragment(pdu, valueOffset, valueLength, last, contextId);
        }
    }

    private void onCommandFragment(AcceptedContext ctx, int contextId, byte[] b, int off, int len, boolean last) throws IOException {
        if (pendingStore != null) throw new ProtocolException("command received while a data set was expected");
        if (commandLength + len > 1 << 16) throw new ProtocolException("command set larger than 64 KB");
        if (commandLength + len > command.length) command = java.util.Arrays.copyOf(command, Math.max(command.length * 2, commandLength + len));
        System.arraycopy(b, off, command, commandLength, len);
        commandLength += len;
        if (!last) return;
        CommandSet cmd;
        try {
            cmd = CommandSet.parse(command, commandLength);
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
            throw new ProtocolException("malformed command set: " + e.getMessage());
        }
        commandLength = 0;
        int field = cmd.getUnsignedShort(CommandSet.COMMAND_FIELD, -1);
        if (field == CommandSet.C_ECHO_RQ) {
            respond(contextId, cmd, CommandSet.C_ECHO_RSP, DimseStatus.SUCCESS, null);
        } else if (field == CommandSet.C_STORE_RQ) {
            if (!cmd.hasDataSet()) throw new ProtocolException("C-STORE-RQ without a data set");
            startStore(ctx, cmd);
        } else {
            throw new ProtocolException("unsupported DIMSE command 0x" + Integer.toHexString(field));
        }
    }

    private void startStore(AcceptedContext ctx, CommandSet cmd) {
        pendingStore = cmd;
        earlyFailure = null;
        String sopClass = cmd.getString(CommandSet.AFFECTED_SOP_CLASS_UID);
        String sopInstance = cmd.getString(CommandSet.AFFECTED_SOP_INSTANCE_UID);
        if (sopClass == null || !sopClass.equals(ctx.abstractSyntax()) || !settings.storageSopClasses().contains(sopClass)) {
            earlyFailure = new InstanceSink.StoreResult(DimseStatus.SOP_CLASS_NOT_SUPPORTED, "SOP Class not accepted on this context");
            return;
        }
        try {
            incoming = sink.begin(callingAe, sopClass, sopInstance, ctx.transferSyntax());
        } catch (IOException e) {
            log.error("assoc #{}: cannot spool SOP Instance {}: {}", id, sopInstance, e.getMessage());
            earlyFailure = new InstanceSink.StoreResult(DimseStatus.OUT_OF_RESOURCES, "spool not writable");
        } catch (IllegalArgumentException e) {
            earlyFailure = new InstanceSink.StoreResult(DimseStatus.CANNOT_UNDERSTAND, e.getMessage());
        }
    }

    private void onDataFragment(byte[] b, int off, int len, boolean last, int contextId) throws IOException {
        if (pendingStore == null) throw new ProtocolException("data set fragment without a C-STORE command");
        if (incoming != null) {
            try {
                incoming.write(b, off, len);
            } catch (IOException e) {
                log.error("assoc #{}: write failed for SOP Instance {}: {}", id,
                        pendingStore.getString(CommandSet.AFFECTED_SOP_INSTANCE_UID), e.getMessage());
                incoming.discard();
                incoming = null;
                earlyFailure = new InstanceSink.StoreResult(DimseStatus.OUT_OF_RESOURCES, "write to spool failed");
            }
        }
        bytes += len;
        counters.bytesReceived.addAndGet(len);
        if (!last) return;
        InstanceSink.StoreResult result = earlyFailure != null ? earlyFailure : incoming.finish();
        incoming = null;
        if (result.isSuccess()) {
            stored++;
            counters.instancesStored.incrementAndGet();
        } else {
            failed++;
            counters.instancesRefused.incrementAndGet();
        }
        CommandSet rq = pendingStore;
        pendingStore = null;
        respond(contextId, rq, CommandSet.C_STORE_RSP, result.status(), result.errorComment());
    }

    private void respond(int contextId, CommandSet rq, int responseField, int status, String errorComment) throws IOException {
        CommandSet rsp = new CommandSet()
                .putString(CommandSet.AFFECTED_SOP_CLASS_UID, nonNull(rq.getString(CommandSet.AFFECTED_SOP_CLASS_UID)), true)
                .putUnsignedShort(CommandSet.COMMAND_FIELD, responseField)
                .putUnsignedShort(CommandSet.MESSAGE_ID_BEING_RESPONDED_TO, rq.getUnsignedShort(CommandSet.MESSAGE_ID, 0))
                .putUnsignedShort(CommandSet.COMMAND_DATA_SET_TYPE, CommandSet.NO_DATA_SET)
                .putUnsignedShort(CommandSet.STATUS, status);
        String sopInstance = rq.getString(CommandSet.AFFECTED_SOP_INSTANCE_UID);
        if (sopInstance != null) rsp.putString(CommandSet.AFFECTED_SOP_INSTANCE_UID, sopInstance, true);
        if (errorComment != null && status != DimseStatus.SUCCESS) rsp.putString(CommandSet.ERROR_COMMENT, ascii(errorComment), false);
        out.write(Pdus.commandPData(contextId, rsp.encode()));
        out.flush();
    }

    private static String nonNull(String s) { return s == null ? "" : s; }

    private static String ascii(String s) {
        String clean = s.replaceAll("[^\\x20-\\x7E]", "?").replace('\\', '/');
        return clean.length() > 64 ? clean.substring(0, 64) : clean;
    }

    private void sendQuietly(byte[] pdu) {
        try {
            if (out != null && !socket.isClosed()) {
                out.write(pdu);
                out.flush();
            }
        } catch (IOException ignored) {
            // the peer is gone; nothing more to tell it
        }
    }
}
