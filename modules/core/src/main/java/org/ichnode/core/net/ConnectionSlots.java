package org.ichnode.core.net;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The accept loop and the connection slots of a listener (the DICOM storage SCP and the HL7 MLLP listener): at most
 * {@code max} connections served at once, each on a pooled daemon thread; the socket is closed and its slot given back
 * however serving ends; the open ones can be closed together. What to do with a connection beyond the limit is the
 * listener's own business (an A-ASSOCIATE-RJ, or room made by closing an idle one).
 */
public final class ConnectionSlots implements AutoCloseable {
    private final Semaphore slots;
    private final ExecutorService pool;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    public ConnectionSlots(int max, String threadPrefix) {
        if (max < 1) throw new IllegalArgumentException("at least one connection");
        this.slots = new Semaphore(max);
        this.pool = Executors.newFixedThreadPool(max, daemonThreads(threadPrefix));
    }

    /** Takes a slot if one is free now. */
    public boolean tryAcquire() { return slots.tryAcquire(); }

    /** Takes a slot if one comes free within {@code wait}. */
    public boolean tryAcquire(Duration wait) {
        try {
            return slots.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Serves a connection whose slot the caller holds; afterwards (or at once, when the pool is shut) the socket is closed and the slot given back. */
    public void serve(Socket s, Runnable serving) {
        open.add(s);
        try {
            pool.execute(() -> {
                try {
                    serving.run();
                } finally {
                    release(s);
                }
            });
        } catch (RejectedExecutionException e) { // closing
            release(s);
        }
    }

    private void release(Socket s) {
        open.remove(s);
        closeQuietly(s);
        slots.release();
    }

    /** The connections served now. */
    public Set<Socket> open() { return java.util.Collections.unmodifiableSet(open); }

    /** Closes the open connections and waits up to 10 s for their threads to end. */
    @Override
    public void close() {
        for (Socket s : open) closeQuietly(s);
        pool.shutdown();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts the accept loop on a daemon thread: every accepted socket goes to {@code accepted} until {@code closing}
     * says so or the server socket is closed; an accept failure goes to {@code failed} and the loop goes on.
     */
    public static Thread acceptLoop(ServerSocket server, String threadName, BooleanSupplier closing, Consumer<Socket> accepted,
                                    Consumer<IOException> failed) {
        Thread t = new Thread(() -> {
            while (!closing.getAsBoolean()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    if (closing.getAsBoolean() || server.isClosed()) return;
                    failed.accept(e);
                    continue;
                }
                accepted.accept(s);
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return t;
    }

    public static void closeQuietly(Socket s) {
        try { s.close(); } catch (IOException ignored) { /* closing anyway */ }
    }

    /** Daemon threads named {@code prefix-1}, {@code prefix-2}, ... (a listener's threads must not keep the JVM up). */
    public static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicLong n = new AtomicLong();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
