package org.ichnode.node;

import org.ichnode.dicom.net.Backoff;
import org.ichnode.ris.alert.MllpAlertSender;
import org.ichnode.store.Alert;
import org.ichnode.store.AlertQueue;
import org.ichnode.store.AlertRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Alert threads: claim one due alert, send it (HL7 over MLLP or a webhook POST), record the outcome. Failures wait
 * with exponential backoff until the attempts run out, then stay visible as failed (re-sendable). Logs name the
 * alert and result ids, never the patient or accession.
 */
final class AlertWorkers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertWorkers.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

    private final AlertQueue queue;
    private final Duration backoffBase;
    private final Duration lease;
    private final MllpAlertSender mllp;
    private final WebhookSender webhook;
    private final PollingThreads<Alert> threads;
    private final AtomicLong failures = new AtomicLong();

    private final AuditLog audit;

    /** @param tls trust for HL7 destinations written host:port/tls (null: they fail) */
    AlertWorkers(AlertQueue queue, Duration backoffBase, Duration timeout, String webhookSecret, String nodeId, AuditLog audit,
                 javax.net.ssl.SSLContext tls) {
        this.audit = audit;
        this.queue = queue;
        this.backoffBase = backoffBase;
        this.lease = timeout.multipliedBy(3).plusSeconds(30);
        this.mllp = new MllpAlertSender(timeout, tls);
        this.webhook = new WebhookSender(timeout, webhookSecret);
        this.threads = new PollingThreads<>("alert", nodeId + "/a", 1, IDLE_POLL, id -> queue.claimDue(id, lease), this::send);
    }

    void start() { threads.start(); }

    void wakeUp() { threads.wakeUp(); }

    PollingThreads<?> threads() { return threads; }

    /** Failed attempts since start (for the metrics). */
    long failedAttempts() { return failures.get(); }

    private void send(String workerId, Alert a) {
        boolean delivered, retryable;
        String detail;
        if (AlertRequest.HL7.equals(a.channel())) {
            boolean tls = a.destination().endsWith("/tls");
            String hostPort = tls ? a.destination().substring(0, a.destination().length() - 4) : a.destination();
            int colon = hostPort.lastIndexOf(':');
            MllpAlertSender.Outcome o = mllp.send(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)), a.message(), tls);
            delivered = o.delivered();
            retryable = o.retryable();
            detail = o.detail();
        } else {
            WebhookSender.Outcome o = webhook.send(a.destination(), a.message(), a.id());
            delivered = o.delivered();
            retryable = o.retryable();
            detail = o.detail();
        }
        if (delivered) {
            queue.markDelivered(a.id());
            audit.record("alert.delivered", a.channel(), java.util.Map.of("alert", a.id(), "result", a.resultId(),
                    "destination", a.destination(), "attempt", a.attempts(), "answer", detail));
            log.info("alert {} of result {} ({}) delivered on attempt {}: {}", a.id(), a.resultId(), a.channel(), a.attempts(), detail);
        } else {
            failures.incrementAndGet();
            audit.record("alert.failed", a.channel(), java.util.Map.of("alert", a.id(), "result", a.resultId(),
                    "destination", a.destination(), "attempt", a.attempts(), "of", a.maxAttempts(), "retryable", retryable, "answer", detail));
            queue.markFailedAttempt(a.id(), workerId, detail,
                    Backoff.exponential(backoffBase, 2.0, MAX_BACKOFF, a.attempts()), retryable);
            log.warn("alert {} of result {} ({}) not delivered (attempt {} of {}): {}", a.id(), a.resultId(), a.channel(),
                    a.attempts(), a.maxAttempts(), detail);
        }
    }

    @Override
    public void close() {
        threads.close();
        mllp.close();
    }
}
