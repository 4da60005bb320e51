package org.ichnode.dicom.net;

import org.ichnode.core.net.ConnectionSlots;

import static org.ichnode.core.net.ConnectionSlots.closeQuietly;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * C-STORE / C-ECHO acceptor: our own accept loop bound to the configured address, TCP_NODELAY on every
 * accepted socket, at most {@code maxAssociations} associations at once, each on a pooled thread. Callers over
 * the limit get an A-ASSOCIATE-RJ (transient, local limit exceeded) instead of waiting.
 */
public final class StorageScp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StorageScp.class);

    private final ScpSettings settings;
    private final InstanceSink sink;
    private final ServerSocket serverSocket;
    private final ConnectionSlots associations;
    private final ExecutorService rejections = Executors.newSingleThreadExecutor(ConnectionSlots.daemonThreads("dicom-reject"));
    /** Closes sockets whose negotiation (or rejection) outlives the ARTIM timeout. */
    private final java.util.concurrent.ScheduledExecutorService artim = Executors.newSingleThreadScheduledExecutor(ConnectionSlots.daemonThreads("dicom-artim"));
    /** Connections above the limit waiting for their A-ASSOCIATE-RJ; beyond {@link #MAX_PENDING_REJECTIONS} they are just closed. */
    private final java.util.concurrent.atomic.AtomicInteger pendingRejections = new java.util.concurrent.atomic.AtomicInteger();
    static final int MAX_PENDING_REJECTIONS = 32;
    private final AtomicLong ids = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closing;
    private final ScpCounters counters = new ScpCounters();

    public StorageScp(ScpSettings settings, InstanceSink sink) throws IOException {
        this(settings, sink, null);
    }

    /** @param tls null: plain TCP; otherwise the port speaks DICOM over TLS only */
    public StorageScp(ScpSettings settings, InstanceSink sink, Tls.Server tls) throws IOException {
        this.settings = settings;
        this.sink = sink;
        this.associations = new ConnectionSlots(settings.maxAssociations(), "dicom-assoc");
        this.serverSocket = tls == null ? new ServerSocket() : Tls.serverSocket(tls);
        serverSocket.setReuseAddress(true);
        serverSocket.setReceiveBufferSize(1 << 20); // inherited by accepted sockets: room for whole PDUs in flight
        try {
            serverSocket.bind(new InetSocketAddress(settings.bindAddress(), settings.port()), 64);
        } catch (IOException e) {
            associations.close();
            rejections.shutdownNow();
            artim.shutdownNow();
            throw new IOException("cannot listen on " + settings.bindAddress().getHostAddress() + ":" + settings.port()
                    + ": " + e.getMessage(), e);
        }
        this.acceptor = ConnectionSlots.acceptLoop(serverSocket, "dicom-accept", () -> closing, this::accepted,
                e -> log.error("accept failed: {}", e.toString()));
        log.info("DICOM SCP {} listening on {}:{}{} (callers: {}, max {} associations)", settings.aeTitle(),
                settings.bindAddress().getHostAddress(), port(), tls == null ? "" : tls.requireClientCertificate() ? " over TLS, client certificates required" : " over TLS",
                settings.allowedCallers(), settings.maxAssociations());
    }

    public int port() { return serverSocket.getLocalPort(); }

    /** True while the port accepts associations (for the health check). */
    public boolean isListening() { return !closing && !serverSocket.isClosed() && acceptor.isAlive(); }

    /** Associations open now. */
    public int openAssociations() { return associations.open().size(); }

    public ScpCounters counters() { return counters; }

    private void accepted(Socket s) {
        long id = ids.incrementAndGet();
        if (!associations.tryAcquire()) {
            counters.associationsRejectedBusy.incrementAndGet();
            if (pendingRejections.incrementAndGet() > MAX_PENDING_REJECTIONS) {
                pendingRejections.decrementAndGet();
                closeQuietly(s); // a flood: no orderly answer, no thread, no queue
                return;
            }
            var deadline = artim.schedule(() -> closeQuietly(s), settings.artimTimeout().toMillis(), TimeUnit.MILLISECONDS);
            rejections.execute(() -> {
                try {
                    rejectBusy(s, id);
                } finally {
                    deadline.cancel(false);
                    pendingRejections.decrementAndGet();
                }
            });
            return;
        }
        counters.associations.incrementAndGet();
        var deadline = artim.schedule(() -> closeQuietly(s), settings.artimTimeout().toMillis(), TimeUnit.MILLISECONDS);
        associations.serve(s, () -> {
            try {
                new AssociationHandler(s, settings, sink, id, () -> deadline.cancel(false), counters).run();
            } finally {
                deadline.cancel(false);
            }
        });
    }

    /** Reads the request (so the peer sees an orderly answer) and rejects it: transient, local limit exceeded. */
    private void rejectBusy(Socket s, long id) {
        try (s) {
            s.setSoTimeout(5000);
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            byte[] header = in.readNBytes(6);
            if (header.length == 6) {
                long len = ((header[2] & 0xFFL) << 24) | ((header[3] & 0xFF) << 16) | ((header[4] & 0xFF) << 8) | (header[5] & 0xFF);
                in.skipNBytes(Math.min(len, 1 << 16));
            }
            OutputStream out = s.getOutputStream();
            out.write(Pdus.associateReject(2, 3, 2));
            out.flush();
            log.warn("assoc #{} from {} rejected: {} associations already open", id, s.getInetAddress().getHostAddress(),
                    settings.maxAssociations());
        } catch (IOException e) {
            log.debug("assoc #{}: rejection not delivered: {}", id, e.toString());
        }
    }

    /** Stops accepting, ends open associations (data sets in progress are discarded, never acknowledged). */
    @Override
    public void close() {
        closing = true;
        try { serverSocket.close(); } catch (IOException ignored) { /* closing anyway */ }
        rejections.shutdownNow();
        artim.shutdownNow();
        associations.close();
    }
}
