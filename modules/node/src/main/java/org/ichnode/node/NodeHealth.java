package org.ichnode.node;

import org.ichnode.dicom.net.StorageScp;
import org.ichnode.store.StoreQueries;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Every part a working node needs, each with a verdict and a sentence: database, DICOM listener, worker, delivery
 * and alert threads, disk space, the model, where results go. A failing part that a restart could fix makes the node
 * "unhealthy" (HTTP 503: an orchestrator may restart it); a configuration gap a restart cannot fix (nowhere to send
 * results) makes it "degraded" (HTTP 200, visible on the dashboard and in the check).
 */
final class NodeHealth {

    record Check(boolean ok, String detail, boolean critical) {
        Check(boolean ok, String detail) { this(ok, detail, true); }
    }

    enum Verdict { OK, DEGRADED, UNHEALTHY }

    private final StoreQueries queries;
    private final Supplier<StorageScp> scp;
    private final Supplier<PollingThreads<?>> workers;
    private final Supplier<PollingThreads<?>> deliveries;
    private final Supplier<PollingThreads<?>> alerts;
    private final Path storage;
    private final long minFreeBytes;
    private final ServingSegmenter segmenter;
    private final Supplier<String> destinationProblem;

    NodeHealth(StoreQueries queries, Supplier<StorageScp> scp, Supplier<PollingThreads<?>> workers, Supplier<PollingThreads<?>> deliveries,
               Supplier<PollingThreads<?>> alerts, Path storage, long minFreeBytes, ServingSegmenter segmenter,
               Supplier<String> destinationProblem) {
        this.queries = queries;
        this.scp = scp;
        this.workers = workers;
        this.deliveries = deliveries;
        this.alerts = alerts;
        this.storage = storage;
        this.minFreeBytes = minFreeBytes;
        this.segmenter = segmenter;
        this.destinationProblem = destinationProblem;
    }

    Map<String, Check> check() {
        Map<String, Check> out = new LinkedHashMap<>();
        try {
            queries.jobCountsByState();
            out.put("database", new Check(true, "answers"));
        } catch (RuntimeException e) {
            out.put("database", new Check(false, "does not answer: " + e.getClass().getSimpleName()));
        }
        StorageScp s = scp.get();
        out.put("dicom", s != null && s.isListening() ? new Check(true, "listening on port " + s.port() + ", " + s.openAssociations() + " association(s) open")
                : new Check(false, "not listening"));
        out.put("workers", threads(workers.get(), "worker"));
        out.put("deliveries", threads(deliveries.get(), "delivery"));
        out.put("alerts", threads(alerts.get(), "alert"));
        out.put("disk", disk());
        String failed = segmenter.failedVersion();
        String serving = segmenter.serving();
        out.put("model", failed != null ? new Check(false, "active model " + failed + " does not load; serving " + serving)
                : new Check(true, serving == null ? "loaded, no study segmented yet" : serving));
        String problem = destinationProblem.get();
        out.put("destinations", problem == null ? new Check(true, "results have somewhere to go") : new Check(false, problem, false));
        return out;
    }

    static Verdict verdict(Map<String, Check> checks) {
        if (checks.values().stream().anyMatch(c -> !c.ok() && c.critical())) return Verdict.UNHEALTHY;
        return checks.values().stream().allMatch(Check::ok) ? Verdict.OK : Verdict.DEGRADED;
    }

    private static Check threads(PollingThreads<?> t, String what) {
        if (t == null) return new Check(false, "not started");
        if (t.configured() == 0) return new Check(true, "none on this node (configured 0)");
        return t.alive() == t.configured() ? new Check(true, t.alive() + " " + what + " thread(s) alive")
                : new Check(false, t.alive() + " of " + t.configured() + " " + what + " thread(s) alive");
    }

    private Check disk() {
        try {
            FileStore fs = Files.getFileStore(storage);
            long free = fs.getUsableSpace();
            String text = String.format(Locale.ROOT, "%.1f GB free (instances are refused below %d MB)", free / 1e9, minFreeBytes >> 20);
            return new Check(free >= minFreeBytes, text);
        } catch (IOException e) {
            return new Check(false, "storage folder unreadable: " + e.getMessage());
        }
    }
}
