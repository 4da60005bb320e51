package org.ichnode.ris.hl7;

import ca.uhn.hl7v2.AcknowledgmentCode;
import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.llp.HL7Reader;
import ca.uhn.hl7v2.llp.HL7Writer;
import ca.uhn.hl7v2.llp.LLPException;
import ca.uhn.hl7v2.llp.MinLowerLayerProtocol;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.v25.message.ACK;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.ichnode.core.net.ConnectionSlots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HL7 v2 MLLP listener for ORU^R01 result messages (radiology reports).
 *
 * <p>Binding: HAPI's {@code SimpleServer} / {@code HapiContext.newServer} binds {@code new InetSocketAddress(port)},
 * i.e. every interface, with no option for an address (its AcceptorThread, HAPI 2.5.1). So this class runs its own
 * accept loop on a {@link ServerSocket} bound to the configured address, and uses HAPI below that: the MLLP framing
 * ({@link MinLowerLayerProtocol}; MSH-18 respected, configured charset otherwise), the {@link PipeParser} with a
 * {@link CanonicalModelClassFactory} (v2.3 to v2.5.1 messages are read into the v2.5 structures) and HAPI's ACK
 * generation. One pooled thread per connection (at most {@code maxConnections}; more are closed at once), TCP_NODELAY,
 * an idle timeout after which a silent connection is closed.
 *
 * <p>Acknowledgements (original mode, MSA-1; the reason in MSA-3 and in ERR):
 * <ul>
 *   <li>AA: every report of the message was stored by the {@link ReportSink} (it returned), including a report whose
 *       accession number matches no study yet (linked when the images arrive) and a re-sent message stored before.</li>
 *   <li>AE: the message cannot be parsed, or lacks what is needed: MSH-10, PID-3, an OBR, OBR-25 (or a status that is
 *       no report), the report text, or any identifier to link it by ("no accession number or Study Instance UID");
 *       a bad OBR-7/OBR-22 time; or the sink refused the report. Nothing is stored for the message.</li>
 *   <li>AR: not ORU^R01; or the sink failed (e.g. the database is down): the sender may send it again later.</li>
 * </ul>
 * A message with several OBRs is several reports; should storing fail half-way, the reports stored already are
 * recognised as duplicates when the message is sent again.
 */
public final class MllpReportListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MllpReportListener.class);

    /**
     * @param bindAddress     the local address to listen on (e.g. 127.0.0.1 or one interface); 0.0.0.0 for all
     * @param port            TCP port; 0 picks a free one (see {@link #port()})
     * @param maxConnections  connections served at once; further ones are closed right after accept
     * @param idleTimeout     a connection that sends nothing for this long is closed (zero: never)
     * @param charset         used when a message has no MSH-18
     * @param accessionFields where the accession number is, in order of preference (OBR-18, OBR-3, OBR-2, OBR-19, ORC-3, ORC-2)
     * @param maxMessageBytes a message longer than this closes its connection (read before parsing, so memory is bounded)
     * @param allowedSenders  who may deliver reports (MSH-3/MSH-4 and the peer address); others get AR and nothing is stored
     * @param tls             null: plain TCP; otherwise MLLP over TLS 1.2/1.3 only
     */
    public record Settings(InetAddress bindAddress, int port, int maxConnections, Duration idleTimeout, Charset charset,
                           List<String> accessionFields, int maxMessageBytes, SenderAllowlist allowedSenders,
                           javax.net.ssl.SSLContext tls) {
        public static final List<String> DEFAULT_ACCESSION_FIELDS = List.of("OBR-18", "OBR-3", "ORC-3");
        /** Text reports are kilobytes; 8 MiB leaves room for an embedded PDF. */
        public static final int DEFAULT_MAX_MESSAGE_BYTES = 8 << 20;

        public Settings {
            Objects.requireNonNull(bindAddress, "bindAddress");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
            if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be at least 1");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(charset, "charset");
            accessionFields = List.copyOf(accessionFields);
            if (maxMessageBytes < 1024) throw new IllegalArgumentException("maxMessageBytes must be at least 1024");
            Objects.requireNonNull(allowedSenders, "allowedSenders");
        }

        /** Defaults: 16 connections, 30 minutes idle, UTF-8, accession from OBR-18 then OBR-3 then ORC-3, 8 MiB per message. */
        public static Settings of(InetAddress bindAddress, int port) {
            return new Settings(bindAddress, port, 16, Duration.ofMinutes(30), StandardCharsets.UTF_8, DEFAULT_ACCESSION_FIELDS,
                    DEFAULT_MAX_MESSAGE_BYTES, SenderAllowlist.anyone(), null);
        }

        public Settings withMaxMessageBytes(int bytes) {
            return new Settings(bindAddress, port, maxConnections, idleTimeout, charset, accessionFields, bytes, allowedSenders, tls);
        }

        public Settings withAllowedSenders(SenderAllowlist senders) {
            return new Settings(bindAddress, port, maxConnections, idleTimeout, charset, accessionFields, maxMessageBytes, senders, tls);
        }

        public Settings withTls(javax.net.ssl.SSLContext context) {
            return new Settings(bindAddress, port, maxConnections, idleTimeout, charset, accessionFields, maxMessageBytes, allowedSenders, context);
        }
    }

    private final Settings settings;
    private final ReportSink sink;
    private final HapiContext hapi;
    private final PipeParser parser;
    private final OruReportExtractor extractor;
    /** When each open connection last delivered a message (or connected): the longest idle one makes room. */
    private final Map<Socket, Long> lastActive = new ConcurrentHashMap<>();
    /** A connection idle this long is closed when a new one finds every slot taken. */
    static final Duration EVICT_IDLE_AFTER = Duration.ofSeconds(5);
    private final AtomicLong ackIds = new AtomicLong();
    private final String ackIdPrefix = Long.toString(System.currentTimeMillis(), 36).toUpperCase();
    private ServerSocket server;
    private ConnectionSlots connections;
    private Thread acceptor;
    private volatile boolean closed;

    public MllpReportListener(Settings settings, ReportSink sink) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.extractor = new OruReportExtractor(settings.accessionFields());
        // v2.3 .. v2.5.1 messages into v2.5 structures; no HAPI validation rules: the extractor checks what we use and
        // a sloppy field we do not use must not cost a report.
        hapi = new DefaultHapiContext(new CanonicalModelClassFactory("2.5"));
        hapi.setValidationContext(ValidationContextFactory.noValidation());
        // The default ID generator writes a file into the working directory: ACK control IDs from memory instead.
        hapi.getParserConfiguration().setIdGenerator(() -> ackIdPrefix + ackIds.incrementAndGet());
        parser = hapi.getPipeParser();
    }

    /** Binds the address and starts accepting. @throws IOException when the address or port cannot be bound */
    public synchronized MllpReportListener start() throws IOException {
        if (server != null) throw new IllegalStateException("started already");
        ServerSocket ss;
        if (settings.tls() == null) {
            ss = new ServerSocket();
        } else {
            javax.net.ssl.SSLServerSocket tlsSocket = (javax.net.ssl.SSLServerSocket) settings.tls().getServerSocketFactory().createServerSocket();
            tlsSocket.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            ss = tlsSocket;
        }
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(settings.bindAddress(), settings.port()), 50);
        server = ss;
        connections = new ConnectionSlots(settings.maxConnections(), "mllp-conn");
        acceptor = ConnectionSlots.acceptLoop(ss, "mllp-accept-" + port(), () -> closed, this::accepted,
                e -> log.error("MLLP accept failed: {}", e.toString()));
        log.info("HL7 MLLP listener on {}:{} (at most {} connections)", settings.bindAddress().getHostAddress(), port(), settings.maxConnections());
        return this;
    }

    /** The port listened on (the one picked when configured as 0). */
    public int port() {
        return server.getLocalPort();
    }

    public InetAddress address() {
        return server.getInetAddress();
    }

    private void accepted(Socket s) {
        if (!connections.tryAcquire() && !(evictLongestIdle() && connections.tryAcquire(java.time.Duration.ofSeconds(2)))) {
            log.warn("MLLP connection from {} refused: {} connections open already, none idle for {} s", s.getRemoteSocketAddress(),
                    settings.maxConnections(), EVICT_IDLE_AFTER.toSeconds());
            closeQuietly(s);
            return;
        }
        lastActive.put(s, System.nanoTime());
        connections.serve(s, () -> {
            try {
                serve(s);
            } finally {
                lastActive.remove(s);
            }
        });
    }

    /**
     * Idle connections must not lock senders out (a RIS that opens connections and leaves them): the one idle longest,
     * if idle at least {@link #EVICT_IDLE_AFTER}, is closed. True when one was.
     */
    private boolean evictLongestIdle() {
        long now = System.nanoTime();
        Map.Entry<Socket, Long> oldest = null;
        for (Map.Entry<Socket, Long> e : lastActive.entrySet()) if (oldest == null || e.getValue() < oldest.getValue()) oldest = e;
        if (oldest == null || now - oldest.getValue() < EVICT_IDLE_AFTER.toNanos()) return false;
        log.info("MLLP connection from {} idle for {} s closed to make room for a new one", oldest.getKey().getRemoteSocketAddress(),
                (now - oldest.getValue()) / 1_000_000_000L);
        closeQuietly(oldest.getKey());
        return true;
    }

    private void serve(Socket s) {
        String peer = String.valueOf(s.getRemoteSocketAddress());
        log.debug("MLLP connection from {}", peer);
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, settings.idleTimeout().toMillis()));
            // Frames are read as ISO-8859-1 (every byte one char, nothing lost) and decoded by MSH-18 here: HAPI's own MSH-18
            // detection logs a stack trace for every message it cannot pre-parse and throws past its API on frames of 1 to 3 bytes.
            MinLowerLayerProtocol framing = new MinLowerLayerProtocol(false);
            framing.setCharset(StandardCharsets.ISO_8859_1);
            HL7Reader in = framing.getReader(new FrameLimit(s.getInputStream(), settings.maxMessageBytes()));
            MinLowerLayerProtocol answers = new MinLowerLayerProtocol(false);
            answers.setCharset(settings.charset());
            HL7Writer out = answers.getWriter(s.getOutputStream());
            while (!closed) {
                String raw = decode(in.getMessage(), settings.charset());
                if (raw == null) break; // peer closed
                lastActive.put(s, System.nanoTime());
                out.writeMessage(handle(raw, peer, s.getInetAddress()));
                lastActive.put(s, System.nanoTime());
            }
        } catch (FrameLimit.TooLarge e) {
            log.warn("MLLP connection from {} closed: a message longer than {} bytes (hl7.maxMessageBytes)", peer, settings.maxMessageBytes());
        } catch (SocketTimeoutException e) {
            log.info("MLLP connection from {} idle for {}: closed", peer, settings.idleTimeout());
        } catch (SocketException e) {
            if (!closed) log.debug("MLLP connection from {} ended: {}", peer, e.toString());
        } catch (IOException | LLPException e) {
            if (e.getCause() instanceof FrameLimit.TooLarge) {
                log.warn("MLLP connection from {} closed: a message longer than {} bytes (hl7.maxMessageBytes)", peer, settings.maxMessageBytes());
            } else if (!closed) {
                log.warn("MLLP connection from {} failed: {}", peer, e.toString());
            }
        } catch (RuntimeException e) { // a peer's bytes that a library below us did not expect: one line, the connection closed
            log.warn("MLLP connection from {} closed: {}", peer, e.toString());
        }
    }

    /** A frame read as ISO-8859-1 decoded in the character set its MSH-18 names (HL7 table 0211), else {@code fallback}. */
    static String decode(String latin1, Charset fallback) {
        if (latin1 == null) return null;
        String named = OruReportExtractor.trim(rawMshField(latin1, 18, 1));
        Charset charset = fallback;
        if (named != null) {
            String n = named.toUpperCase(java.util.Locale.ROOT);
            if (n.equals("ASCII")) charset = StandardCharsets.US_ASCII;
            else if (n.equals("UNICODE UTF-8") || n.equals("UNICODE")) charset = StandardCharsets.UTF_8;
            else if (n.startsWith("8859/")) {
                try {
                    charset = Charset.forName("ISO-8859-" + n.substring(5));
                } catch (IllegalArgumentException e) {
                    charset = fallback;
                }
            }
        }
        String text = charset.equals(StandardCharsets.ISO_8859_1) ? latin1 : new String(latin1.getBytes(StandardCharsets.ISO_8859_1), charset);
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** One message in, its acknowledgement out (encoded). Never throws: the peer always gets an answer. */
    String handle(String raw, String peer, InetAddress peerAddress) {
        Message msg;
        try {
            msg = parser.parse(raw);
        } catch (HL7Exception | RuntimeException e) {
            String reason = "message could not be parsed: " + withoutExcerpt(e.getMessage());
            log.warn("HL7 from {}: AE, {}", peer, reason);
            return nakFromRaw(raw, AcknowledgmentCode.AE, ErrorCode.SEGMENT_SEQUENCE_ERROR, reason);
        }
        String controlId = OruReportExtractor.trim(raw.length() > 0 ? rawMshField(raw, 10) : null);
        if (!settings.allowedSenders().allows(OruReportExtractor.trim(rawMshField(raw, 3, 1)), OruReportExtractor.trim(rawMshField(raw, 4, 1)),
                peerAddress)) {
            log.warn("HL7 {} from {}: AR, sender not allowed (hl7.allowedSenders)", controlId, peer);
            return ack(msg, raw, AcknowledgmentCode.AR, ErrorCode.APPLICATION_INTERNAL_ERROR, "sender not allowed");
        }
        List<IncomingReport> reports;
        try {
            reports = extractor.extract(msg);
        } catch (OruReportExtractor.Refusal r) {
            log.warn("HL7 {} from {}: {}, {}", controlId, peer, r.ack, r.getMessage());
            return ack(msg, raw, r.ack, r.code, r.getMessage());
        } catch (HL7Exception | RuntimeException e) {
            String reason = "message could not be read: " + withoutExcerpt(e.getMessage());
            log.warn("HL7 {} from {}: AE, {}", controlId, peer, reason);
            return ack(msg, raw, AcknowledgmentCode.AE, ErrorCode.APPLICATION_INTERNAL_ERROR, reason);
        }
        List<String> notes = new ArrayList<>();
        for (IncomingReport r : reports) {
            ReportSink.Stored stored;
            try {
                stored = sink.accept(r);
            } catch (ReportSink.ReportRejectedException e) {
                log.warn("HL7 {} from {}: AE, report refused: {}", controlId, peer, e.getMessage());
                return ack(msg, raw, AcknowledgmentCode.AE, ErrorCode.APPLICATION_INTERNAL_ERROR, "report refused: " + e.getMessage());
            } catch (Exception e) {
                log.error("HL7 {} from {}: AR, report could not be stored", controlId, peer, e);
                return ack(msg, raw, AcknowledgmentCode.AR, ErrorCode.APPLICATION_INTERNAL_ERROR,
                        "report could not be stored, send again later: " + e);
            }
            notes.add("report " + stored.reportId() + (stored.duplicate() ? " (stored before)" : " stored")
                    + (stored.note() == null ? "" : ": " + stored.note()));
        }
        log.info("HL7 {} from {}: AA, {}", controlId, peer, String.join("; ", notes));
        return ack(msg, raw, AcknowledgmentCode.AA, null, String.join("; ", notes));
    }

    /** HAPI's ACK for a parsed message; MSA-3 carries the reason (or the stored report ids), ERR the error code. */
    private String ack(Message msg, String raw, AcknowledgmentCode code, ErrorCode error, String text) {
        try {
            Message ack = error == null ? msg.generateACK(code, null) : msg.generateACK(code, new HL7Exception(text, error));
            new Terser(ack).set("MSA-3", clip(text, 80));
            return parser.encode(ack);
        } catch (HL7Exception | IOException | RuntimeException e) {
            log.warn("could not build the ACK from the message ({}); building it from the raw header", e.toString());
            return nakFromRaw(raw, code, error, text);
        }
    }

    /** An ACK for a message HAPI could not parse: v2.5, header fields taken from the raw MSH as far as it goes. */
    private String nakFromRaw(String raw, AcknowledgmentCode code, ErrorCode error, String text) {
        try {
            ACK ack = new ACK(hapi.getModelClassFactory());
            ack.setParser(parser);
            ack.initQuickstart("ACK", OruReportExtractor.trim(rawMshField(raw, 9, 2)), "P");
            Terser t = new Terser(ack);
            set(t, "MSH-3", rawMshField(raw, 5, 1));
            set(t, "MSH-4", rawMshField(raw, 6, 1));
            set(t, "MSH-5", rawMshField(raw, 3, 1));
            set(t, "MSH-6", rawMshField(raw, 4, 1));
            t.set("MSA-1", code.name());
            set(t, "MSA-2", rawMshField(raw, 10));
            t.set("MSA-3", clip(text, 80));
            if (error != null) {
                t.set("ERR-3-1", String.valueOf(error.getCode()));
                t.set("ERR-3-2", error.getMessage());
                t.set("ERR-3-3", "HL70357");
                t.set("ERR-4", "E");
                t.set("ERR-8", clip(text, 250));
            }
            return parser.encode(ack);
        } catch (HL7Exception | IOException e) {
            // Cannot happen with a fixed v2.5 ACK; the peer must still get an answer.
            return "MSH|^~\\&|||||||ACK|" + ackIdPrefix + ackIds.incrementAndGet() + "|P|2.5\rMSA|" + code.name() + "|\r";
        }
    }

    private static void set(Terser t, String path, String value) throws HL7Exception {
        if (value != null && !value.isBlank()) t.set(path, value);
    }

    /** MSH-n of a raw message (n >= 3), or null; the field separator is the 4th character of "MSH|". */
    static String rawMshField(String raw, int n) {
        if (raw == null) return null;
        int start = raw.indexOf("MSH");
        if (start < 0 || raw.length() < start + 8) return null;
        char sep = raw.charAt(start + 3);
        int end = raw.indexOf('\r', start);
        String msh = raw.substring(start, end < 0 ? raw.length() : end);
        String[] f = msh.split(java.util.regex.Pattern.quote(String.valueOf(sep)), -1);
        return n - 1 < f.length ? f[n - 1] : null;
    }

    /** Component c of MSH-n of a raw message, or null. */
    static String rawMshField(String raw, int n, int c) {
        String f = rawMshField(raw, n);
        if (f == null || raw.length() < raw.indexOf("MSH") + 5) return null;
        char compSep = raw.charAt(raw.indexOf("MSH") + 4);
        String[] parts = f.split(java.util.regex.Pattern.quote(String.valueOf(compSep)), -1);
        return c - 1 < parts.length ? parts[c - 1] : null;
    }

    /** HAPI appends "The following is the first 50 chars of the message ..." to some errors: message text, identifiers in it. */
    static String withoutExcerpt(String hapiMessage) {
        if (hapiMessage == null) return "";
        int at = hapiMessage.indexOf("The following is the first");
        return at < 0 ? hapiMessage : hapiMessage.substring(0, at).trim();
    }

    private static String clip(String s, int max) {
        if (s == null) return "";
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /**
     * Stops accepting and closes the open connections, then the pool. A report being stored at that moment is stored
     * but its ACK may not go out: the sender sends it again and the store recognises the duplicate.
     */
    @Override
    public synchronized void close() {
        closed = true;
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                log.debug("closing server socket: {}", e.toString());
            }
        }
        if (connections != null) connections.close();
        if (acceptor != null) {
            try {
                acceptor.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Counts the bytes of the frame being read (from one end block 0x1C to the next) and fails the read when a frame
     * grows past the limit: HAPI's reader buffers a frame whole until its end block, however long.
     */
    static final class FrameLimit extends java.io.FilterInputStream {
        static final class TooLarge extends IOException {
            TooLarge(int limit) { super("MLLP frame longer than " + limit + " bytes"); }
        }

        private final int limit;
        private long inFrame;

        FrameLimit(java.io.InputStream in, int limit) {
            super(in);
            this.limit = limit;
        }

        @Override public int read() throws IOException {
            int c = super.read();
            if (c >= 0) count((byte) c);
            return c;
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            for (int i = 0; i < n; i++) count(b[off + i]);
            return n;
        }

        private void count(byte c) throws TooLarge {
            if (c == 0x1C) inFrame = 0;
            else if (++inFrame > limit) throw new TooLarge(limit);
        }
    }
}
