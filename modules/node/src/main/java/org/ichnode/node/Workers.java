package org.ichnode.node;

import org.ichnode.node.pipeline.SeriesPipeline;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.dicom.net.Destination;
import org.ichnode.dicom.results.ResultObjects;
import org.ichnode.store.AlertQueue;
import org.ichnode.store.ClaimedJob;
import org.ichnode.store.DeliveryQueue;
import org.ichnode.store.DeliveryRequest;
import org.ichnode.store.JobQueue;
import org.ichnode.store.JobResult;
import org.ichnode.store.StoreQueries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
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
    private final SeriesPipeline pipeline;
    private final DeliveryQueue deliveries;
    private final DeliveryTargets targets;
    private final StoreQueries queries;
    private final Path resultsRoot;
    private final int deliveryMaxAttempts;
    private final Runnable onResultRecorded;
    private final Duration lease;
    private final String nodeId;
    private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lease-renewer");
        t.setDaemon(true);
        return t;
    });
    private final PollingThreads<ClaimedJob> threads;
    private final AlertQueue alerts;
    private final AlertPlanner alertPlanner;
    private final Runnable onAlertRecorded;
    private final java.util.function.BiConsumer<String, Long> stepTimes;
    private final AuditLog audit;

    /** Priority of a positive call's deliveries: claimed before any routine result's. */
    static final int POSITIVE_PRIORITY = 10;

    Workers(JobQueue queue, SeriesPipeline pipeline, DeliveryQueue deliveries, DeliveryTargets targets, StoreQueries queries,
            Path resultsRoot, int deliveryMaxAttempts, Duration lease, String nodeId, int count, Runnable onResultRecorded,
            AlertQueue alerts, AlertPlanner alertPlanner, Runnable onAlertRecorded, java.util.function.BiConsumer<String, Long> stepTimes,
            AuditLog audit) {
        this.audit = audit;
        this.onResultRecorded = onResultRecorded;
        this.stepTimes = stepTimes;
        this.alerts = alerts;
        this.alertPlanner = alertPlanner;
        this.onAlertRecorded = onAlertRecorded;
        this.queue = queue;
        this.pipeline = pipeline;
        this.deliveries = deliveries;
        this.targets = targets;
        this.queries = queries;
        this.resultsRoot = resultsRoot;
        this.deliveryMaxAttempts = deliveryMaxAttempts;
        this.lease = lease;
        this.nodeId = nodeId;
        this.threads = new PollingThreads<>("worker", nodeId + "/w", count, IDLE_POLL, id -> queue.claim(id, lease), this::process);
    }

    void start() { threads.start(); }

    void wakeUp() { threads.wakeUp(); }

    PollingThreads<?> threads() { return threads; }

    private void process(String workerId, ClaimedJob job) {
        long t0 = System.nanoTime();
        log.info("job {} series {}: started (attempt {}, {} instances) by {}", job.jobId(), job.seriesUid(),
                job.attempt(), job.filePaths().size(), workerId);
        long renewEvery = Math.max(1, lease.toMillis() / 3);
        ScheduledFuture<?> renewal = renewer.scheduleAtFixedRate(() -> {
            if (!queue.renewLease(job.jobId(), workerId, lease)) log.warn("job {}: lease lost by {}", job.jobId(), workerId);
        }, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
        try {
            Optional<JobResult> earlier = deliveries.resultOfJob(job.jobId());
            if (earlier.isPresent()) { // a previous attempt got as far as recording its result: do not redo it
                raiseAlerts(earlier.get().id(), job.seriesId(), earlier.get().summaryJson(), earlier.get().createdAt()); // once: idempotent
                queue.complete(job.jobId(), workerId, earlier.get().summaryJson());
                log.info("job {} series {}: result of an earlier attempt kept", job.jobId(), job.seriesUid());
                return;
            }
            Path folder = resultsRoot.resolve(job.seriesUid()).resolve("job-" + job.jobId());
            deleteTree(folder); // what a crashed attempt left behind
            SeriesPipeline.Outcome out = pipeline.run(job.filePaths().stream().map(Path::of).toList(), folder);
            out.millis().forEach(stepTimes);
            if (!out.ok()) {
                queue.fail(job.jobId(), workerId, out.refusal(), false, Duration.ZERO);
                log.warn("job {} series {}: refused: {}", job.jobId(), job.seriesUid(), out.refusal());
                return;
            }
            DeliveryTargets.Resolved to = targets.resolve(queries.callingAeOfSeries(job.seriesId()).orElse(null));
            to.problems().forEach(p -> log.error("job {} series {}: results not sent: {}", job.jobId(), job.seriesUid(), p));
            // SEG and SR go out first; the overlay series is drawn meanwhile and follows
            int priority = out.segmentation().hemorrhageFound() ? POSITIVE_PRIORITY : 0;
            long resultId = deliveries.recordResult(job.jobId(), job.seriesId(), folder.toString(), out.resultJson(), priority,
                    requests(to, out.objects()));
            onResultRecorded.run();
            Segmentation found = out.segmentation();
            audit.record("result.recorded", nodeId, java.util.Map.of("result", resultId, "series", job.seriesUid(), "call", found.callText(),
                    "probability", found.studyProbability(), "volumeMl", found.totalVolumeMl(), "model", found.algorithmName() + " " + found.algorithmVersion()));
            raiseAlerts(resultId, job.seriesId(), out.resultJson(), java.time.Instant.now());
            List<ResultObjects.Written> overlay = pipeline.writeOverlay(out, folder);
            if (!overlay.isEmpty()) {
                deliveries.addDeliveries(resultId, priority, requests(to, overlay));
                onResultRecorded.run();
            }
            boolean done = queue.complete(job.jobId(), workerId, out.resultJson());
            int objects = out.objects().size() + overlay.size();
            Segmentation seg = out.segmentation();
            log.info("job {} series {}: {} in {} ms ({}): {}, {} object(s) to {} destination(s)", job.jobId(), job.seriesUid(),
                    done ? "done" : "finished after its lease was lost", (System.nanoTime() - t0) / 1_000_000, out.millis(),
                    seg.hemorrhageFound() ? String.format(java.util.Locale.ROOT, "hemorrhage %.2f mL in %d lesion(s)",
                            seg.totalVolumeMl(), seg.findings().size()) : "no hemorrhage",
                    objects, to.destinations().size());
        } catch (org.ichnode.dicom.results.ResultBuildException e) {
            // the input cannot make valid objects: segmenting it again gives the same refusal (refused, not retried)
            queue.fail(job.jobId(), workerId, "result objects refused: " + e.getMessage(), false, Duration.ZERO);
            log.warn("job {} series {}: refused: result objects cannot be built: {}", job.jobId(), job.seriesUid(), e.getMessage());
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            log.error("job {} series {}: failed", job.jobId(), job.seriesUid(), e);
            queue.fail(job.jobId(), workerId, e.toString(), true, Duration.ofSeconds(30L * job.attempt()));
        } finally {
            renewal.cancel(false);
        }
    }

    /** The alerts of a positive result, recorded (idempotent) and handed to the alert threads at once. */
    private void raiseAlerts(long resultId, long seriesId, String summaryJson, java.time.Instant resultAt) throws IOException {
        ResultSummary summary = ResultSummary.of(summaryJson); // parsed once for the check and the plan
        if (summary == null || !summary.positive()) return;
        if (!alertPlanner.anyConfigured()) {
            log.warn("result {}: positive call, but no alert channel is configured (alert.hl7.destination, alert.webhook.url)", resultId);
            return;
        }
        var identity = queries.identityOfSeries(seriesId).orElseThrow(() -> new IOException("series " + seriesId + " is gone"));
        if (alerts.record(resultId, alertPlanner.plan(resultId, summary, identity, resultAt)) > 0) onAlertRecorded.run();
    }

    private List<DeliveryRequest> requests(DeliveryTargets.Resolved to, List<ResultObjects.Written> objects) {
        List<DeliveryRequest> out = new ArrayList<>();
        for (Destination d : to.destinations()) {
            for (ResultObjects.Written o : objects) {
                out.add(new DeliveryRequest(o.file().toString(), o.sopClassUid(), o.sopInstanceUid(), d.name(),
                        d.aeTitle(), d.host(), d.port(), deliveryMaxAttempts));
            }
        }
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        }
    }

    @Override
    public void close() {
        threads.close();
        renewer.shutdownNow();
        log.info("workers of {} stopped", nodeId);
    }
}
