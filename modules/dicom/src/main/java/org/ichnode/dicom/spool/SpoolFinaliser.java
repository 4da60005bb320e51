package org.ichnode.dicom.spool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Gives an instance acknowledged from a preallocated file its ordinary place, off the C-STORE path, in arrival order
 * and once the spool has been quiet for a quarter of a second (or 256 instances wait):
 * the file is cut to the instance's length (dropping the trailing padding) and synced, hard-linked as
 * {@code instances/<xx>/<SOPInstanceUID>.dcm} (replacing an earlier copy atomically), the folders are synced once per
 * batch, and then the index is told the new path. The preallocated name stays a link to the same file for a grace
 * period, so that a job that read the old path from the database still opens it; start-up removes what is left.
 *
 * <p>A crash at any point loses nothing: until the index has the new path it has the preallocated one, whose file is
 * whole either way (padded or cut); start-up hands such files to {@link #submit} again.
 */
final class SpoolFinaliser implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpoolFinaliser.class);
    private static final long GRACE_NANOS = TimeUnit.MINUTES.toNanos(2);

    /** An acknowledged instance in a preallocated file: {@code length} bytes of it are the instance. */
    record Pending(String sopInstanceUid, Path file, long length) {}

    private record Linked(Pending p, Path target) {}

    private record Expiring(Path file, long atNanos) {}

    private final InstanceIndex index;
    private final Function<String, Path> canonicalPath;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final ArrayDeque<Expiring> expiring = new ArrayDeque<>();
    private final Thread thread;
    private volatile boolean closed;
    /** Work waits this long after the last submission, so that it does not compete with a burst being received. */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** ... but no longer than until this many instances wait. */
    private static final int MAX_WAITING = 256;
    private volatile long lastSubmitNanos;
    private final java.util.concurrent.atomic.AtomicInteger unfinished = new java.util.concurrent.atomic.AtomicInteger();

    SpoolFinaliser(InstanceIndex index, Function<String, Path> canonicalPath) {
        this.index = index;
        this.canonicalPath = canonicalPath;
        this.thread = new Thread(this::loop, "spool-finaliser");
        thread.setDaemon(true);
    }

    void start() { thread.start(); }

    void submit(Pending p) {
        lastSubmitNanos = System.nanoTime();
        unfinished.incrementAndGet();
        queue.add(p);
    }

    /** True once everything submitted so far has been handled (for tests). */
    boolean drained() { return unfinished.get() == 0; }

    private void loop() {
        List<Pending> batch = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(1, TimeUnit.SECONDS);
                removeExpired(false);
                if (first == null) continue;
                // the syncs here (truncation, folders) are journal commits: let a burst of C-STOREs finish first
                while (!closed && queue.size() < MAX_WAITING && System.nanoTime() - lastSubmitNanos < QUIET_NANOS) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
                }
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, 63);
                try {
                    finalise(batch);
                } finally {
                    unfinished.addAndGet(-batch.size());
                }
            } catch (InterruptedException e) {
                // closing: the loop condition decides
            }
        }
    }

    private void finalise(List<Pending> batch) {
        List<Linked> linked = new ArrayList<>();
        Set<Path> dirs = new LinkedHashSet<>();
        for (Pending p : batch) {
            try {
                if (Files.size(p.file()) != p.length()) {
                    try (FileChannel ch = FileChannel.open(p.file(), StandardOpenOption.WRITE)) {
                        ch.truncate(p.length());
                        ch.force(true);
                    }
                }
                Path target = canonicalPath.apply(p.sopInstanceUid());
                Files.createDirectories(target.getParent());
                Path link = target.resolveSibling(target.getFileName() + ".link");
                Files.deleteIfExists(link);
                Files.createLink(link, p.file());
                Files.move(link, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                dirs.add(target.getParent());
                linked.add(new Linked(p, target));
            } catch (IOException | RuntimeException e) {
                // stays where it is, recorded under its preallocated name: start-up tries again
                log.warn("could not move SOP Instance {} to its place: {}", p.sopInstanceUid(), e.toString());
            }
        }
        for (Path d : dirs) {
            try {
                DicomSpool.syncDirectory(d);
            } catch (IOException e) {
                log.warn("could not sync spool folder {}: {}", d.getFileName(), e.toString());
                linked.removeIf(l -> l.target().getParent().equals(d)); // not durable yet: keep the old path on record
            }
        }
        for (Linked l : linked) {
            try {
                // false: the row points elsewhere (this copy was a duplicate, or a newer copy is queued after it)
                index.moved(l.p().sopInstanceUid(), l.p().file(), l.target());
                expiring.addLast(new Expiring(l.p().file(), System.nanoTime() + GRACE_NANOS));
            } catch (Exception e) {
                log.warn("could not record the new place of SOP Instance {}: {}", l.p().sopInstanceUid(), e.toString());
            }
        }
    }

    private void removeExpired(boolean all) {
        long now = System.nanoTime();
        while (!expiring.isEmpty() && (all || expiring.peekFirst().atNanos() - now <= 0)) {
            Path f = expiring.pollFirst().file();
            try { Files.deleteIfExists(f); } catch (IOException e) { /* start-up removes it */ }
        }
    }

    /** Finishes what is queued (bounded wait), then stops; the links still in their grace period stay for start-up. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
