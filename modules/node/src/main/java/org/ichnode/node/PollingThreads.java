package org.ichnode.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Threads that claim work from a database queue and handle it: idle threads wait for {@link #wakeUp()} or the
 * poll interval, and a queue that is unavailable (database down) is retried after a pause, never fatal.
 *
 * @param <T> what one claim returns
 */
final class PollingThreads<T> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PollingThreads.class);
    private static final Duration RETRY_AFTER_ERROR = Duration.ofSeconds(2);

    private final List<Thread> threads = new ArrayList<>();
    private final Semaphore wake = new Semaphore(0);
    private final Duration idlePoll;
    private volatile boolean running = true;

    /**
     * @param claim  worker id -> work, or empty when there is none
     * @param handle (worker id, work) -> done; it must record its own outcome
     */
    PollingThreads(String name, String idPrefix, int count, Duration idlePoll, Function<String, Optional<T>> claim,
                   BiConsumer<String, T> handle) {
        this.idlePoll = idlePoll;
        for (int i = 1; i <= count; i++) {
            String workerId = idPrefix + i;
            Thread t = new Thread(() -> loop(workerId, claim, handle), name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    void start() { threads.forEach(Thread::start); }

    /** Threads still running (for the health check: a thread ended by an Error is not replaced). */
    int alive() { return (int) threads.stream().filter(Thread::isAlive).count(); }

    int configured() { return threads.size(); }

    /** New work was queued (by this node): idle threads look at once instead of at their next poll. */
    void wakeUp() { wake.release(threads.size()); }

    private void loop(String workerId, Function<String, Optional<T>> claim, BiConsumer<String, T> handle) {
        while (running) {
            try {
                Optional<T> work = claim.apply(workerId);
                if (work.isEmpty()) {
                    wake.tryAcquire(idlePoll.toMillis(), TimeUnit.MILLISECONDS);
                    continue;
                }
                handle.accept(workerId, work.get());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("{}: queue unavailable, retrying: {}", workerId, e.toString());
                try {
                    Thread.sleep(RETRY_AFTER_ERROR.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
