package org.ichnode.app.node;

import org.ichnode.store.ClaimedJob;
import org.ichnode.store.JobQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Worker threads: each claims a job (SKIP LOCKED, under a lease), renews the lease while it works, and
 * completes or fails it. A worker that dies leaves a lease that expires, and the job is claimed again.
 */
final class Workers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Workers.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(500);

    private final JobQueue queue;
    private final Duration lease;
    private final String nodeId;
    private final List<Thread> threads = new ArrayList<>();
    private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lease-renewer");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean running = true;

    Workers(JobQueue queue, Duration lease, String nodeId, int count) {
        this.queue = queue;
        this.lease = lease;
        this.nodeId = nodeId;
        for (int i = 1; i <= count; i++) {
            String workerId = nodeId + "/w" + i;
            Thread t = new Thread(() -> loop(workerId), "worker-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    void start() { threads.forEach(Thread::start); }

    private void loop(String workerId) {
        while (running) {
            try {
                Optional<ClaimedJob> job = queue.claim(workerId, lease);
                if (job.isEmpty()) {
                    Thread.sleep(IDLE_POLL.toMillis());
                    continue;
                }
                process(workerId, job.get());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("{}: queue unavailable, retrying: {}", workerId, e.toString());
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void process(String workerId, ClaimedJob job) {
        long t0 = System.nanoTime();
        log.info("job {} series {}: started (attempt {}, {} instances) by {}", job.jobId(), job.seriesUid(),
                job.attempt(), job.filePaths().size(), workerId);
        long renewEvery = Math.max(1, lease.toMillis() / 3);
        ScheduledFuture<?> renewal = renewer.scheduleAtFixedRate(() -> {
            if (!queue.renewLease(job.jobId(), workerId, lease)) log.warn("job {}: lease lost by {}", job.jobId(), workerId);
        }, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
        try {
            VolumeJob.Outcome out = new VolumeJob().run(job.filePaths().stream().map(Path::of).toList());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (out.ok()) {
                boolean done = queue.complete(job.jobId(), workerId, out.resultJson());
                log.info("job {} series {}: {} in {} ms: {}", job.jobId(), job.seriesUid(), done ? "done" : "finished after its lease was lost",
                        ms, out.summary());
            } else {
                queue.fail(job.jobId(), workerId, out.refusal(), false, Duration.ZERO);
                log.warn("job {} series {}: refused: {}", job.jobId(), job.seriesUid(), out.refusal());
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            log.error("job {} series {}: failed", job.jobId(), job.seriesUid(), e);
            queue.fail(job.jobId(), workerId, e.toString(), true, Duration.ofSeconds(30L * job.attempt()));
        } finally {
            renewal.cancel(false);
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
        renewer.shutdownNow();
        log.info("workers of {} stopped", nodeId);
    }
}
