package org.ichnode.node;

import org.ichnode.dicom.net.AssociationException;
import org.ichnode.dicom.net.Backoff;
import org.ichnode.dicom.net.Destination;
import org.ichnode.dicom.net.StorageScu;
import org.ichnode.dicom.net.StoreOutcome;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.store.DeliveryBatch;
import org.ichnode.store.DeliveryQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Delivery threads: claim due deliveries of one destination, send them on one association, and record each
 * object's outcome. Confirmed objects are marked delivered and never sent again; the others wait with
 * exponential backoff until their attempts run out, then stay visible as failed.
 */
final class DeliveryWorkers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryWorkers.class);
    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final Duration IDLE_POLL = Duration.ofMillis(300);
    private static final Duration MAX_BACKOFF = Duration.ofHours(1);
    /** Refusals that a retry cannot fix: SOP class or transfer syntax not supported, data set rejected. */
    private static final Set<Integer> PERMANENT = Set.of(0x0122, 0x0124, 0xA900, 0xC000);

    private final DeliveryQueue queue;
    private final String callingAe;
    private final Duration backoffBase;
    private final StorageScu scu;
    private final org.ichnode.node.config.Peers peers;
    private final PollingThreads<DeliveryBatch> threads;

    private final AuditLog audit;

    /** @param peers where the TLS flag of each destination is read (dicom.peers, AET@host:port/tls) */
    DeliveryWorkers(DeliveryQueue queue, String callingAe, Duration backoffBase, String nodeId, int count, AuditLog audit,
                    org.ichnode.node.config.Peers peers, javax.net.ssl.SSLContext tls) {
        this.audit = audit;
        this.peers = peers;
        this.scu = new StorageScu(Duration.ofSeconds(10), Duration.ofSeconds(60), tls);
        this.queue = queue;
        this.callingAe = callingAe;
        this.backoffBase = backoffBase;
        this.threads = new PollingThreads<>("delivery", nodeId + "/d", count, IDLE_POLL, id -> queue.claimDue(id, LEASE, 100),
                this::deliver);
    }

    void start() { threads.start(); }

    void wakeUp() { threads.wakeUp(); }

    PollingThreads<?> threads() { return threads; }

    private void deliver(String workerId, DeliveryBatch claimed) {
        Destination d = new Destination(claimed.destination(), claimed.destAe(), claimed.destHost(), claimed.destPort(),
                peers.find(claimed.destination()).map(Destination::tls).orElse(false));
        DeliveryBatch batch = withoutThoseHeldAlready(workerId, d, claimed);
        if (batch.items().isEmpty()) return;
        List<Path> files = batch.items().stream().map(i -> Path.of(i.filePath())).toList();
        long t0 = System.nanoTime();
        List<StoreOutcome> outcomes;
        java.util.Map<Path, Long> idOfFile = new java.util.HashMap<>();
        for (DeliveryBatch.Item item : batch.items()) idOfFile.put(Path.of(item.filePath()), item.deliveryId());
        List<Long> recordLater = new ArrayList<>();
        try {
            // each success is recorded as its response arrives: a kill in the middle of the association re-sends only the rest
            outcomes = scu.send(d, callingAe, files, o -> {
                Long id = idOfFile.get(o.file());
                if (!o.isDelivered() || id == null) return;
                try {
                    queue.markDelivered(List.of(id), workerId);
                } catch (RuntimeException e) { // the database is away: tried again after the association
                    log.warn("delivery {}: could not be recorded at once: {}", id, e.toString());
                    recordLater.add(id);
                }
            });
        } catch (AssociationException e) {
            for (DeliveryBatch.Item item : batch.items()) {
                queue.markFailedAttempt(item.deliveryId(), workerId, e.getMessage(), backoff(item.attempt()), true);
            }
            log.warn("delivery to {}: {} object(s) not sent ({}); next try after backoff", d, batch.items().size(), e.getMessage());
            return;
        }
        int delivered = 0, failed = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            StoreOutcome o = outcomes.get(i);
            DeliveryBatch.Item item = batch.items().get(i);
            if (o.isDelivered()) {
                delivered++;
            } else {
                failed++;
                boolean retryable = o.result() != StoreOutcome.Result.REFUSED || !PERMANENT.contains(o.status());
                queue.markFailedAttempt(item.deliveryId(), workerId, o.reason(), backoff(item.attempt()), retryable);
                log.warn("delivery of {} to {} failed (attempt {} of {}): {}", o.sopInstanceUid(), d, item.attempt(),
                        item.maxAttempts(), o.reason());
            }
        }
        if (!recordLater.isEmpty()) queue.markDelivered(recordLater, workerId);
        audit.record("results.sent", callingAe, java.util.Map.of("destination", d.toString(), "delivered", delivered, "failed", failed,
                "results", batch.items().stream().map(DeliveryBatch.Item::resultId).distinct().toList()));
        log.info("delivery to {}: {} delivered, {} failed in {} ms", d, delivered, failed, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Items tried before may have reached the destination in an attempt whose response was lost (the node was killed
     * between the destination's store and our record of it). Those the destination reports holding (C-FIND) are
     * recorded as delivered instead of being sent twice; where it cannot be asked, they are sent again.
     */
    private DeliveryBatch withoutThoseHeldAlready(String workerId, Destination d, DeliveryBatch batch) {
        java.util.Map<String, DeliveryBatch.Item> triedBefore = new java.util.LinkedHashMap<>();
        List<StorageScu.InstanceKey> keys = new ArrayList<>();
        for (DeliveryBatch.Item item : batch.items()) {
            if (item.attempt() < 2) continue;
            try {
                InstanceHeader h = InstanceHeader.read(Path.of(item.filePath()));
                keys.add(new StorageScu.InstanceKey(h.studyInstanceUid(), h.seriesInstanceUid(), h.sopInstanceUid()));
                triedBefore.put(h.sopInstanceUid(), item);
            } catch (java.io.IOException | IllegalArgumentException e) { // the send reports an unreadable file
                log.debug("delivery {}: cannot read the keys to ask {}: {}", item.deliveryId(), d, e.toString());
            }
        }
        if (keys.isEmpty()) return batch;
        java.util.Set<String> held;
        try {
            held = scu.findStored(d, callingAe, keys);
        } catch (AssociationException e) {
            log.info("delivery to {}: cannot ask whether it holds {} object(s) tried before ({}); sending them again",
                    d, keys.size(), e.getMessage());
            return batch;
        }
        if (held.isEmpty()) return batch;
        List<Long> ids = held.stream().map(uid -> triedBefore.get(uid).deliveryId()).toList();
        queue.markDelivered(ids, workerId);
        audit.record("results.found_at_destination", callingAe, java.util.Map.of("destination", d.toString(),
                "delivered", ids.size(), "results", held.stream().map(uid -> triedBefore.get(uid).resultId()).distinct().toList()));
        log.info("delivery to {}: {} object(s) tried before are there already, recorded as delivered without sending", d, ids.size());
        return new DeliveryBatch(batch.destination(), batch.destAe(), batch.destHost(), batch.destPort(), batch.leaseUntil(),
                batch.items().stream().filter(i -> !ids.contains(i.deliveryId())).toList());
    }

    private Duration backoff(int attempt) {
        return Backoff.exponential(backoffBase, 2.0, MAX_BACKOFF, attempt);
    }

    @Override
    public void close() { threads.close(); }
}
