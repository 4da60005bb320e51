package org.ichnode.dicom.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * C-STORE service class user: sends DICOM Part 10 files to one destination over one association.
 *
 * <p>Proposes one presentation context per distinct (SOP Class, transfer syntax) of the files, offering the
 * file's transfer syntax first plus Explicit and Implicit VR Little Endian. A file is sent only on a context
 * whose accepted transfer syntax is the file's own (no transcoding): the data set bytes after the meta header go
 * out unchanged, fragmented into P-DATA-TF PDUs no larger than the peer's maximum. One C-STORE at a time; the
 * association is released at the end.
 *
 * <p>Failures before anything is sent (connect, reject, abort or silence during negotiation) throw
 * {@link AssociationException}. After the association is established every file gets a {@link StoreOutcome}:
 * when the association breaks, the file in flight and all later ones are FAILED with the reason, while the
 * ones the peer already confirmed stay DELIVERED.
 *
 * <p>Thread-safe: each call uses its own socket.
 */
public final class StorageScu {
    private static final Logger log = LoggerFactory.getLogger(StorageScu.class);

    /** Our maximum receive PDU: the peer only sends small responses. */
    static final int MAX_PDU_WE_RECEIVE = 65536;
    /** Upper bound for the PDUs we send even when the peer allows more (or announces no limit). */
    static final int MAX_PDU_WE_SEND = 1 << 20;
    private static final int MAX_CONTEXTS = 128; // odd ids 1..255
    /** A C-FIND match that we asked for four UIDs in: anything near this size is not an answer to our query. */
    private static final int MAX_RESPONSE_DATA_SET = 1 << 16;

    private final Duration connectTimeout;
    private final Duration responseTimeout;

    /** Closes sockets whose writes made no progress for longer than the response timeout (SO_TIMEOUT covers reads only). */
    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "dicom-scu-watchdog");
                t.setDaemon(true);
                return t;
            });

    /** 10 s to connect, 60 s for each answer (association, C-STORE response, release). */
    private final javax.net.ssl.SSLContext tls;

    public StorageScu() {
        this(Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    /**
     * @param connectTimeout  TCP connect
     * @param responseTimeout the longest wait for any answer from the peer (A-ASSOCIATE-AC/RJ, C-STORE-RSP,
     *                        A-RELEASE-RP) and for a blocked write
     */
    public StorageScu(Duration connectTimeout, Duration responseTimeout) {
        this(connectTimeout, responseTimeout, null);
    }

    /**
     * @param tls for destinations marked TLS: trust (whose certificates the peer's must chain to; the JDK's default
     *            CAs when it has none) and the node's own certificate for peers that ask for one; null: TLS destinations
     *            fail to connect
     */
    public StorageScu(Duration connectTimeout, Duration responseTimeout, javax.net.ssl.SSLContext tls) {
        this.tls = tls;
        if (connectTimeout.isNegative() || connectTimeout.isZero()) throw new IllegalArgumentException("connectTimeout must be positive");
        if (responseTimeout.isNegative() || responseTimeout.isZero()) throw new IllegalArgumentException("responseTimeout must be positive");
        this.connectTimeout = connectTimeout;
        this.responseTimeout = responseTimeout;
    }

    /**
     * Sends the files to {@code destination} as {@code callingAe} over one association.
     *
     * @return one outcome per file, in the order of {@code files}
     * @throws AssociationException when no association could be established (nothing was sent)
     */
    public List<StoreOutcome> send(Destination destination, String callingAe, List<Path> files) throws AssociationException {
        return send(destination, callingAe, files, o -> { });
    }

    /**
     * As {@link #send(Destination, String, List)}, telling {@code onResponse} of each C-STORE response as it arrives, so
     * that a caller can record a delivery before the next object goes: a process killed in the middle of a long
     * association then sends again only what it had not recorded.
     */
    public List<StoreOutcome> send(Destination destination, String callingAe, List<Path> files, java.util.function.Consumer<StoreOutcome> onResponse)
            throws AssociationException {
        Pdus.aeTitle(callingAe); // validates
        StoreOutcome[] outcomes = new StoreOutcome[files.size()];
        Part10File[] parsed = new Part10File[files.size()];
        Map<String, Integer> contextIds = new LinkedHashMap<>(); // "sopClass|ts" -> proposed context id
        List<AssociateRequest.ProposedContext> proposed = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            try {
                parsed[i] = Part10File.read(f);
            } catch (IOException e) {
                outcomes[i] = StoreOutcome.failed(f, null, "cannot read " + f.getFileName() + ": " + e.getMessage());
                continue;
            }
            String key = parsed[i].sopClassUid() + "|" + parsed[i].transferSyntaxUid();
            if (!contextIds.containsKey(key)) {
                if (proposed.size() == MAX_CONTEXTS) {
                    outcomes[i] = StoreOutcome.failed(f, parsed[i].sopInstanceUid(), "more than " + MAX_CONTEXTS
                            + " distinct SOP class / transfer syntax combinations in one association");
                    parsed[i] = null;
                    continue;
                }
                int id = 2 * proposed.size() + 1;
                LinkedHashSet<String> ts = new LinkedHashSet<>();
                ts.add(parsed[i].transferSyntaxUid());
                ts.add(Uids.EXPLICIT_VR_LE);
                ts.add(Uids.IMPLICIT_VR_LE);
                proposed.add(new AssociateRequest.ProposedContext(id, parsed[i].sopClassUid(), List.copyOf(ts)));
                contextIds.put(key, id);
            }
        }
        if (proposed.isEmpty()) return Arrays.asList(outcomes); // nothing sendable: no association needed

        return withAssociation(destination, callingAe, proposed, (a, ac) -> {
            if (a.transfer(ac, files, parsed, contextIds, outcomes, onResponse)) a.release();
            return Arrays.asList(outcomes);
        });
    }

    /** Study, series and SOP Instance UID of one instance: the keys of a C-FIND at IMAGE level. */
    public record InstanceKey(String studyInstanceUid, String seriesInstanceUid, String sopInstanceUid) {
        public InstanceKey {
            for (String uid : new String[] {studyInstanceUid, seriesInstanceUid, sopInstanceUid}) {
                if (!Uids.isValid(uid)) throw new IllegalArgumentException("not a valid UID: " + uid);
            }
        }
    }

    /**
     * Asks the destination which of the instances it holds already (Study Root C-FIND at IMAGE level, one query per
     * instance, on one association). A delivery whose C-STORE response was lost in a crash is then not sent twice.
     * An instance counts as held only when a pending response names its SOP Instance UID: a peer that ignores the
     * key and answers with other instances finds nothing.
     *
     * @return the SOP Instance UIDs the destination reported
     * @throws AssociationException when the destination could not be asked (unreachable, no C-FIND service, a
     *                              failure status or a broken association): the caller cannot tell and sends
     */
    public java.util.Set<String> findStored(Destination destination, String callingAe, List<InstanceKey> instances)
            throws AssociationException {
        Pdus.aeTitle(callingAe);
        if (instances.isEmpty()) return java.util.Set.of();
        List<AssociateRequest.ProposedContext> proposed = List.of(
                new AssociateRequest.ProposedContext(1, Uids.STUDY_ROOT_FIND, List.of(Uids.IMPLICIT_VR_LE)));
        return withAssociation(destination, callingAe, proposed, (a, ac) -> {
            Pdus.ContextResult r = ac.contexts().get(1);
            if (r == null || r.result() != Pdus.ContextResult.ACCEPTANCE) {
                a.release();
                throw new AssociationException(AssociationException.Kind.REJECTED, destination
                        + " does not offer Study Root C-FIND: " + contextRejection(r), true, null);
            }
            int maxValue = Math.min(maxPdvValue(ac), 1 << 14); // a query is a few hundred bytes
            if (maxValue < 1) {
                a.abortQuietly();
                throw new AssociationException(AssociationException.Kind.PROTOCOL, destination
                        + " announced an unusable maximum PDU length " + ac.maxPduLength(), false, null);
            }
            byte[] buffer = new byte[Pdus.PDATA_HEADER_LENGTH + maxValue];
            java.util.Set<String> found = new java.util.LinkedHashSet<>();
            for (InstanceKey key : instances) {
                if (a.find(1, maxValue, buffer, key)) found.add(key.sopInstanceUid());
            }
            a.release();
            return found;
        });
    }

    private interface AssociationWork<T> {
        T run(Association a, AssociateAccept ac) throws AssociationException;
    }

    /** Connects, negotiates, runs {@code work} under the write watchdog and closes the socket. */
    private <T> T withAssociation(Destination destination, String callingAe, List<AssociateRequest.ProposedContext> proposed,
                                  AssociationWork<T> work) throws AssociationException {
        Socket socket = new Socket();
        try {
            try {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, responseTimeout.toMillis()));
                socket.setSendBufferSize(1 << 20);
                socket.connect(new InetSocketAddress(destination.host(), destination.port()),
                        (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
                if (destination.tls()) socket = Tls.clientSocket(tls, socket, destination.host(), destination.port());
            } catch (IOException e) {
                throw new AssociationException(AssociationException.Kind.CONNECT_FAILED,
                        "cannot connect to " + destination + ": " + e.getMessage(), false, e);
            }
            Association a = new Association(socket, destination);
            long checkMillis = Math.max(100, responseTimeout.toMillis() / 4);
            var watch = WATCHDOG.scheduleWithFixedDelay(a::closeIfStalled, checkMillis, checkMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
            try {
                return work.run(a, a.negotiate(callingAe, proposed));
            } finally {
                watch.cancel(false);
            }
        } catch (AssociationException e) {
            throw e;
        } catch (IOException e) { // only from setting up streams
            throw new AssociationException(AssociationException.Kind.CONNECT_FAILED, destination + ": " + e.getMessage(), false, e);
        } finally {
            try { socket.close(); } catch (IOException ignored) { /* closing anyway */ }
        }
    }

    /** The largest PDV value we send: the peer's maximum PDU (capped) less the PDV header (length, context, control). */
    private static int maxPdvValue(AssociateAccept ac) {
        long peerMax = ac.maxPduLength();
        if (peerMax == 0 || peerMax > MAX_PDU_WE_SEND) peerMax = MAX_PDU_WE_SEND;
        return (int) peerMax - 6;
    }

    /** The peer sent A-ABORT. */
    private static final class PeerAbort extends IOException {
        PeerAbort(String message) { super(message); }
    }

    private final class Association {
        private final Socket socket;
        private final Destination destination;
        private final DataInputStream in;
        private final OutputStream out;
        private int messageId;
        private byte[] pdu = new byte[4096];
        /** Start of the write in progress (nanoTime), or 0 when not writing. */
        private volatile long writingSince;
        private volatile boolean stalled;

        Association(Socket socket, Destination destination) throws IOException {
            this.socket = socket;
            this.destination = destination;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 14));
            OutputStream raw = socket.getOutputStream(); // every PDU is written with one call
            this.out = new OutputStream() {
                @Override public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

                @Override public void write(byte[] b, int off, int len) throws IOException {
                    writingSince = System.nanoTime();
                    try {
                        raw.write(b, off, len);
                    } catch (IOException e) {
                        if (stalled) throw new SocketTimeoutException("peer did not read for " + responseTimeout.toSeconds() + " s");
                        throw e;
                    } finally {
                        writingSince = 0;
                    }
                }

                @Override public void flush() throws IOException { raw.flush(); }
            };
        }

        /** Watchdog: a write blocked longer than the response timeout (the peer stopped reading) closes the socket. */
        void closeIfStalled() {
            long since = writingSince;
            if (since != 0 && System.nanoTime() - since > responseTimeout.toNanos()) {
                stalled = true;
                log.warn("{} stopped reading for {} s: closing the connection", destination, responseTimeout.toSeconds());
                try { socket.close(); } catch (IOException ignored) { /* closing anyway */ }
            }
        }

        AssociateAccept negotiate(String callingAe, List<AssociateRequest.ProposedContext> proposed) throws AssociationException {
            try {
                out.write(Pdus.associateRequest(destination.aeTitle(), callingAe, proposed, MAX_PDU_WE_RECEIVE));
                out.flush();
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                long length = in.readInt() & 0xFFFFFFFFL;
                if (length > MAX_PDU_WE_RECEIVE) throw new ProtocolException("answer PDU of " + length + " bytes");
                byte[] body = new byte[(int) length];
                in.readFully(body);
                switch (type) {
                    case Pdus.ASSOCIATE_AC -> {
                        AssociateAccept ac = AssociateAccept.parse(body, body.length);
                        log.debug("association with {} accepted: {} of {} contexts, max PDU {}", destination,
                                ac.contexts().values().stream().filter(c -> c.result() == 0).count(), proposed.size(), ac.maxPduLength());
                        return ac;
                    }
                    case Pdus.ASSOCIATE_RJ -> {
                        if (body.length < 4) throw new ProtocolException("A-ASSOCIATE-RJ too short");
                        int result = body[1] & 0xFF, source = body[2] & 0xFF, reason = body[3] & 0xFF;
                        throw new AssociationException(AssociationException.Kind.REJECTED, destination + " rejected the association: "
                                + AssociationException.describeReject(result, source, reason), result == 1, null);
                    }
                    case Pdus.ABORT -> {
                        int source = body.length >= 4 ? body[2] & 0xFF : 0, reason = body.length >= 4 ? body[3] & 0xFF : 0;
                        throw new AssociationException(AssociationException.Kind.ABORTED, destination + " "
                                + AssociationException.describeAbort(source, reason) + " in answer to A-ASSOCIATE-RQ", false, null);
                    }
                    default -> throw new ProtocolException("unexpected PDU type " + type + " in answer to A-ASSOCIATE-RQ");
                }
            } catch (SocketTimeoutException e) {
                abortQuietly();
                throw new AssociationException(AssociationException.Kind.TIMEOUT, destination + " did not answer the A-ASSOCIATE-RQ within "
                        + responseTimeout.toSeconds() + " s", false, e);
            } catch (EOFException e) {
                throw new AssociationException(AssociationException.Kind.ABORTED, destination + " closed the connection during association negotiation", false, e);
            } catch (ProtocolException e) {
                abortQuietly();
                throw new AssociationException(AssociationException.Kind.PROTOCOL, destination + ": " + e.getMessage(), false, e);
            } catch (AssociationException e) {
                throw e;
            } catch (IOException e) {
                throw new AssociationException(AssociationException.Kind.ABORTED, destination + ": connection failed during association negotiation: "
                        + e.getMessage(), false, e);
            }
        }

        /** Sends every sendable file; false when the association broke (then it is not released). */
        boolean transfer(AssociateAccept ac, List<Path> files, Part10File[] parsed, Map<String, Integer> contextIds,
                         StoreOutcome[] outcomes, java.util.function.Consumer<StoreOutcome> onResponse) {
            int maxValue = maxPdvValue(ac);
            if (maxValue < 1) {
                abortQuietly();
                for (int i = 0; i < files.size(); i++) {
                    if (outcomes[i] == null) outcomes[i] = StoreOutcome.failed(files.get(i), parsed[i].sopInstanceUid(),
                            "peer announced an unusable maximum PDU length " + ac.maxPduLength());
                }
                return false;
            }
            byte[] buffer = new byte[Pdus.PDATA_HEADER_LENGTH + maxValue];
            String broken = null;
            for (int i = 0; i < files.size(); i++) {
                if (outcomes[i] != null) continue;
                Part10File f = parsed[i];
                Path path = files.get(i);
                if (broken != null) {
                    outcomes[i] = StoreOutcome.failed(path, f.sopInstanceUid(), "not sent: " + broken);
                    continue;
                }
                int ctxId = contextIds.get(f.sopClassUid() + "|" + f.transferSyntaxUid());
                Pdus.ContextResult r = ac.contexts().get(ctxId);
                if (r == null || r.result() != Pdus.ContextResult.ACCEPTANCE) {
                    outcomes[i] = StoreOutcome.failed(path, f.sopInstanceUid(), "peer did not accept SOP class " + f.sopClassUid()
                            + " with transfer syntax " + f.transferSyntaxUid() + ": " + contextRejection(r));
                    continue;
                }
                if (!f.transferSyntaxUid().equals(r.transferSyntax())) {
                    outcomes[i] = StoreOutcome.failed(path, f.sopInstanceUid(), "peer accepted SOP class " + f.sopClassUid()
                            + " only with transfer syntax " + r.transferSyntax() + ", the file is in " + f.transferSyntaxUid()
                            + " (no transcoding)");
                    continue;
                }
                try {
                    outcomes[i] = store(f, ctxId, maxValue, buffer);
                    onResponse.accept(outcomes[i]);
                } catch (SocketTimeoutException e) {
                    broken = stalled ? destination + " stopped reading the data set for " + responseTimeout.toSeconds() + " s"
                            : "no C-STORE response from " + destination + " within " + responseTimeout.toSeconds() + " s";
                    abortQuietly();
                    outcomes[i] = StoreOutcome.failed(path, f.sopInstanceUid(), broken);
                } catch (PeerAbort e) {
                    broken = e.getMessage();
                    outcomes[i] = StoreOutcome.failed(path, f.sopInstanceUid(), broken);
                } catch (ProtocolException e) {
                    broken = "protocol error from " + destination + ": " + e.getMessage();
                    abortQuietly();
                    outcomes[i] = StoreOutcome.failed(path, f.sopInstanceUid(), broken);
                } catch (LocalReadError e) {
                    broken = "association aborted after a local read error on " + path.getFileName();
                    abortQuietly();
                    outcomes[i] = StoreOutcome.failed(path, f.sopInstanceUid(), "cannot read " + path.getFileName() + ": " + e.getCause().getMessage());
                } catch (IOException e) {
                    broken = "connection to " + destination + " lost: " + e.getMessage();
                    outcomes[i] = StoreOutcome.failed(path, f.sopInstanceUid(), broken);
                }
                if (broken != null) log.warn("association with {} broken: {}", destination, broken);
            }
            return broken == null;
        }

        private StoreOutcome store(Part10File f, int ctxId, int maxValue, byte[] buffer) throws IOException {
            int msgId = ++messageId & 0xFFFF;
            CommandSet rq = new CommandSet()
                    .putString(CommandSet.AFFECTED_SOP_CLASS_UID, f.sopClassUid(), true)
                    .putUnsignedShort(CommandSet.COMMAND_FIELD, CommandSet.C_STORE_RQ)
                    .putUnsignedShort(CommandSet.MESSAGE_ID, msgId)
                    .putUnsignedShort(CommandSet.PRIORITY, 0)
                    .putUnsignedShort(CommandSet.COMMAND_DATA_SET_TYPE, 0x0000)
                    .putString(CommandSet.AFFECTED_SOP_INSTANCE_UID, f.sopInstanceUid(), true);
            writeFragments(rq.encode(), ctxId, true, maxValue, buffer);
            try (InputStream data = openDataSet(f)) {
                long remaining = f.dataSetLength();
                while (remaining > 0) {
                    int n = (int) Math.min(maxValue, remaining);
                    try {
                        int got = data.readNBytes(buffer, Pdus.PDATA_HEADER_LENGTH, n);
                        if (got < n) throw new EOFException("file shorter than when opened");
                    } catch (IOException e) {
                        throw new LocalReadError(e);
                    }
                    remaining -= n;
                    Pdus.pDataHeader(buffer, ctxId, remaining == 0 ? 0x02 : 0x00, n);
                    out.write(buffer, 0, Pdus.PDATA_HEADER_LENGTH + n);
                }
            }
            out.flush();
            Message m = readMessage(ctxId);
            if (m.dataSet() != null) throw new ProtocolException("data set in a C-STORE response");
            CommandSet rsp = m.command();
            int field = rsp.getUnsignedShort(CommandSet.COMMAND_FIELD, -1);
            if (field != CommandSet.C_STORE_RSP) throw new ProtocolException("expected C-STORE-RSP, got command 0x" + Integer.toHexString(field));
            int answered = rsp.getUnsignedShort(CommandSet.MESSAGE_ID_BEING_RESPONDED_TO, -1);
            if (answered != msgId) throw new ProtocolException("C-STORE-RSP answers message " + answered + ", expected " + msgId);
            int status = rsp.getUnsignedShort(CommandSet.STATUS, -1);
            if (status < 0) throw new ProtocolException("C-STORE-RSP without status");
            String comment = rsp.getString(CommandSet.ERROR_COMMENT);
            String statusText = String.format("%04X", status);
            if (status == DimseStatus.SUCCESS) {
                return new StoreOutcome(f.path(), f.sopInstanceUid(), StoreOutcome.Result.DELIVERED, status, null);
            }
            if (isWarning(status)) {
                return new StoreOutcome(f.path(), f.sopInstanceUid(), StoreOutcome.Result.DELIVERED, status,
                        "warning " + statusText + (comment == null ? "" : ": " + comment));
            }
            return new StoreOutcome(f.path(), f.sopInstanceUid(), StoreOutcome.Result.REFUSED, status,
                    "status " + statusText + " (" + describe(status) + ")" + (comment == null ? "" : ": " + comment));
        }

        /** One C-FIND at IMAGE level for {@code key}: whether a pending response names its SOP Instance UID. */
        boolean find(int ctxId, int maxValue, byte[] buffer, InstanceKey key) throws AssociationException {
            int msgId = ++messageId & 0xFFFF;
            CommandSet rq = new CommandSet()
                    .putString(CommandSet.AFFECTED_SOP_CLASS_UID, Uids.STUDY_ROOT_FIND, true)
                    .putUnsignedShort(CommandSet.COMMAND_FIELD, CommandSet.C_FIND_RQ)
                    .putUnsignedShort(CommandSet.MESSAGE_ID, msgId)
                    .putUnsignedShort(CommandSet.PRIORITY, 0)
                    .putUnsignedShort(CommandSet.COMMAND_DATA_SET_TYPE, 0x0000);
            CommandSet identifier = new CommandSet() // a flat data set in Implicit VR Little Endian, as a command set is
                    .putString(0x00080018, key.sopInstanceUid(), true)
                    .putString(0x00080052, "IMAGE", false)
                    .putString(0x0020000D, key.studyInstanceUid(), true)
                    .putString(0x0020000E, key.seriesInstanceUid(), true);
            try {
                writeFragments(rq.encode(), ctxId, true, maxValue, buffer);
                writeFragments(identifier.encodeElements(), ctxId, false, maxValue, buffer);
                out.flush();
                boolean found = false;
                while (true) {
                    Message m = readMessage(ctxId);
                    CommandSet rsp = m.command();
                    if (rsp.getUnsignedShort(CommandSet.COMMAND_FIELD, -1) != CommandSet.C_FIND_RSP
                            || rsp.getUnsignedShort(CommandSet.MESSAGE_ID_BEING_RESPONDED_TO, -1) != msgId) {
                        throw new ProtocolException("expected the C-FIND-RSP to message " + msgId);
                    }
                    int status = rsp.getUnsignedShort(CommandSet.STATUS, -1);
                    if (status == DimseStatus.PENDING || status == DimseStatus.PENDING_WARNING) {
                        if (m.dataSet() != null && key.sopInstanceUid().equals(sopInstanceUidOf(m.dataSet()))) found = true;
                    } else if (status == DimseStatus.SUCCESS) {
                        return found;
                    } else {
                        String comment = rsp.getString(CommandSet.ERROR_COMMENT);
                        throw new ProtocolException(String.format("C-FIND failed with status %04X", status)
                                + (comment == null ? "" : ": " + comment));
                    }
                }
            } catch (PeerAbort e) {
                throw new AssociationException(AssociationException.Kind.ABORTED, e.getMessage(), false, e);
            } catch (ProtocolException e) {
                abortQuietly();
                throw new AssociationException(AssociationException.Kind.PROTOCOL, destination + ": " + e.getMessage(), false, e);
            } catch (IOException e) {
                abortQuietly();
                throw new AssociationException(AssociationException.Kind.ABORTED, destination + " during C-FIND: " + e.getMessage(), false, e);
            }
        }

        /** The SOP Instance UID of a flat Implicit VR identifier, or null when there is none or it is not flat. */
        private static String sopInstanceUidOf(byte[] identifier) {
            try {
                return CommandSet.parse(identifier, identifier.length).getString(0x00080018);
            } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
                return null;
            }
        }

        /** Sends a command or data set that is in memory as PDVs of at most {@code maxValue} bytes. */
        private void writeFragments(byte[] bytes, int ctxId, boolean command, int maxValue, byte[] buffer) throws IOException {
            for (int off = 0; off < bytes.length; off += maxValue) {
                int n = Math.min(maxValue, bytes.length - off);
                boolean last = off + n == bytes.length;
                System.arraycopy(bytes, off, buffer, Pdus.PDATA_HEADER_LENGTH, n);
                Pdus.pDataHeader(buffer, ctxId, (command ? 0x01 : 0x00) | (last ? 0x02 : 0x00), n);
                out.write(buffer, 0, Pdus.PDATA_HEADER_LENGTH + n);
            }
        }

        private InputStream openDataSet(Part10File f) throws LocalReadError {
            try {
                InputStream s = Files.newInputStream(f.path());
                s.skipNBytes(f.dataSetOffset());
                return s;
            } catch (IOException e) {
                throw new LocalReadError(e);
            }
        }

        /**
         * Reads PDUs until a complete DIMSE message on {@code ctxId} arrived: the command set and, where the command
         * announces one, the data set that follows (responses here are small: both are held in memory).
         */
        private Message readMessage(int ctxId) throws IOException {
            byte[] command = new byte[0];
            CommandSet parsed = null;
            byte[] data = null;
            while (true) {
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                long length = in.readInt() & 0xFFFFFFFFL;
                if (type == Pdus.ABORT) {
                    byte[] b = in.readNBytes((int) Math.min(length, 4));
                    throw new PeerAbort(destination + " " + AssociationException.describeAbort(b.length == 4 ? b[2] & 0xFF : 0, b.length == 4 ? b[3] & 0xFF : 0));
                }
                if (type != Pdus.P_DATA_TF) throw new ProtocolException("unexpected PDU type " + type + " while waiting for a response");
                if (length > MAX_PDU_WE_RECEIVE) throw new ProtocolException("P-DATA-TF of " + length + " bytes exceeds our maximum " + MAX_PDU_WE_RECEIVE);
                if (pdu.length < length) pdu = new byte[(int) length];
                in.readFully(pdu, 0, (int) length);
                int pos = 0;
                while (pos < length) {
                    if (length - pos < 6) throw new ProtocolException("truncated PDV item");
                    int itemLength = ((pdu[pos] & 0xFF) << 24) | ((pdu[pos + 1] & 0xFF) << 16) | ((pdu[pos + 2] & 0xFF) << 8) | (pdu[pos + 3] & 0xFF);
                    if (itemLength < 2 || itemLength > length - pos - 4) throw new ProtocolException("PDV item length " + itemLength + " overruns the PDU");
                    int pc = pdu[pos + 4] & 0xFF;
                    int header = pdu[pos + 5];
                    if (pc != ctxId) throw new ProtocolException("response on presentation context " + pc + ", expected " + ctxId);
                    boolean isCommand = (header & 1) != 0, last = (header & 2) != 0;
                    if (isCommand == (parsed != null)) {
                        throw new ProtocolException(isCommand ? "command fragment after the command set" : "data set fragment before the command set");
                    }
                    if (!isCommand && (data == null ? 0 : data.length) + itemLength - 2 > MAX_RESPONSE_DATA_SET) {
                        throw new ProtocolException("response data set longer than " + MAX_RESPONSE_DATA_SET + " bytes");
                    }
                    byte[] target = isCommand ? command : data == null ? new byte[0] : data;
                    int start = target.length;
                    target = Arrays.copyOf(target, start + itemLength - 2);
                    System.arraycopy(pdu, pos + 6, target, start, itemLength - 2);
                    if (isCommand) command = target; else data = target;
                    pos += 4 + itemLength;
                    if (!last) continue;
                    if (isCommand) {
                        try {
                            parsed = CommandSet.parse(command, command.length);
                        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
                            throw new ProtocolException("malformed command set: " + e.getMessage());
                        }
                        if (parsed.hasDataSet()) continue;
                    }
                    if (pos != length) throw new ProtocolException("bytes after the end of the message");
                    return new Message(parsed, data);
                }
            }
        }

        /** A-RELEASE-RQ and wait for the A-RELEASE-RP; the outcomes are settled already, so failures only get logged. */
        void release() {
            try {
                out.write(Pdus.releaseRequest());
                out.flush();
                while (true) {
                    int type = in.readUnsignedByte();
                    in.readUnsignedByte();
                    long length = in.readInt() & 0xFFFFFFFFL;
                    in.skipNBytes(length);
                    if (type == Pdus.RELEASE_RP) return;
                    if (type == Pdus.ABORT) { log.debug("{} aborted instead of releasing", destination); return; }
                    if (type != Pdus.P_DATA_TF) { log.debug("{} sent PDU type {} during release", destination, type); return; }
                }
            } catch (IOException e) {
                log.debug("release of association with {} failed: {}", destination, e.toString());
            }
        }

        private void abortQuietly() {
            try {
                out.write(Pdus.abortFromUser());
                out.flush();
            } catch (IOException ignored) {
                // the peer is gone
            }
        }
    }

    /** A response: its command set and, where it has one, its data set. */
    private record Message(CommandSet command, byte[] dataSet) {
    }

    private static final class LocalReadError extends IOException {
        LocalReadError(IOException cause) { super(cause); }
    }

    private static String contextRejection(Pdus.ContextResult r) {
        if (r == null) return "context missing from the A-ASSOCIATE-AC";
        return switch (r.result()) {
            case 1 -> "user rejection";
            case 2 -> "no reason (provider rejection)";
            case Pdus.ContextResult.ABSTRACT_SYNTAX_NOT_SUPPORTED -> "abstract syntax not supported";
            case Pdus.ContextResult.TRANSFER_SYNTAXES_NOT_SUPPORTED -> "transfer syntaxes not supported";
            default -> "result " + r.result();
        };
    }

    /** Warning statuses (PS3.7 C.4, PS3.4 B.2.3): the object is stored. */
    static boolean isWarning(int status) {
        return (status & 0xF000) == 0xB000 || status == 0x0001 || status == 0x0107 || status == 0x0116;
    }

    private static String describe(int status) {
        if ((status & 0xFF00) == 0xA700) return "refused: out of resources";
        if ((status & 0xFF00) == 0xA900) return "error: data set does not match SOP class";
        if ((status & 0xF000) == 0xC000) return "error: cannot understand";
        return switch (status) {
            case 0x0122 -> "refused: SOP class not supported";
            case 0x0124 -> "refused: not authorized";
            case 0x0110 -> "processing failure";
            case 0x0111 -> "duplicate SOP instance";
            case 0x0117 -> "invalid object instance";
            case 0x0211 -> "unrecognized operation";
            case 0x0212 -> "mistyped argument";
            case 0x0213 -> "resource limitation";
            case 0xFE00 -> "cancelled";
            default -> "failure";
        };
    }
}
