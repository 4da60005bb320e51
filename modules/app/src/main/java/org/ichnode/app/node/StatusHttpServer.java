package org.ichnode.app.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.ichnode.app.retrain.ActiveModel;
import org.ichnode.app.retrain.RetrainScheduler;
import org.ichnode.ris.fhir.FhirReportPuller;
import org.ichnode.store.DeliveryQueue;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.TrainingRun;
import org.ichnode.store.TrainingRuns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * Plain HTTP for operations: {@code GET /health} (200 when the database answers, 503 otherwise) and
 * {@code GET /status} (series, job and delivery counts by state, the FHIR pull's counts and cursor, and retraining:
 * the active model and the latest run, as JSON), {@code POST /deliveries/resend?result=ID} (or {@code ?delivery=ID}) and
 * {@code POST /retrain} (a retraining run now, on whichever node's scheduler takes it). No patient data is served.
 */
final class StatusHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusHttpServer.class);

    private final HttpServer server;

    /** @param fhir the FHIR pull, or null when there is none; @param retrain null when retraining is off on this node */
    StatusHttpServer(InetAddress bind, int port, StoreQueries queries, DeliveryQueue deliveries, FhirReportPuller fhir,
                     String nodeId, TrainingRuns runs, ActiveModel activeModel, RetrainScheduler retrain) throws IOException {
        server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/health", ex -> {
            try {
                queries.jobCountsByState();
                send(ex, 200, "{\"status\":\"ok\",\"node\":\"" + nodeId + "\"}");
            } catch (RuntimeException e) {
                send(ex, 503, "{\"status\":\"database unavailable\"}");
            }
        });
        server.createContext("/status", ex -> {
            try {
                send(ex, 200, "{\"node\":\"" + nodeId + "\",\"series\":" + json(queries.seriesCountsByState())
                        + ",\"jobs\":" + json(queries.jobCountsByState())
                        + ",\"deliveries\":" + json(deliveries.countsByState())
                        + (fhir == null ? "" : ",\"fhir\":" + json(fhir))
                        + ",\"retraining\":" + retraining(runs, activeModel, retrain != null) + "}");
            } catch (RuntimeException e) {
                send(ex, 503, "{\"status\":\"database unavailable\"}");
            }
        });
        // re-send failed deliveries of a result (or one delivery) from the kept objects, without recomputing
        server.createContext("/deliveries/resend", ex -> {
            if (!ex.getRequestMethod().equals("POST")) {
                send(ex, 405, "{\"error\":\"POST only\"}");
                return;
            }
            String query = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
            try {
                if (query.startsWith("result=")) {
                    int n = deliveries.resendResult(Long.parseLong(query.substring(7)));
                    send(ex, 200, "{\"requeued\":" + n + "}");
                } else if (query.startsWith("delivery=")) {
                    boolean ok = deliveries.resendDelivery(Long.parseLong(query.substring(9)));
                    send(ex, ok ? 200 : 409, "{\"requeued\":" + (ok ? 1 : 0) + "}");
                } else {
                    send(ex, 400, "{\"error\":\"use ?result=<id> or ?delivery=<id>\"}");
                }
            } catch (NumberFormatException e) {
                send(ex, 400, "{\"error\":\"not a number\"}");
            } catch (RuntimeException e) {
                send(ex, 503, "{\"status\":\"database unavailable\"}");
            }
        });
        server.createContext("/retrain", ex -> {
            if (!ex.getRequestMethod().equals("POST")) {
                send(ex, 405, "{\"error\":\"POST only\"}");
            } else if (retrain == null) {
                send(ex, 409, "{\"error\":\"retraining is off on this node (retrain.enabled=false)\"}");
            } else {
                try {
                    String trigger = retrain.requestRun("http-" + nodeId);
                    send(ex, 202, "{\"requested\":" + str(trigger) + "}");
                } catch (org.quartz.SchedulerException | RuntimeException e) {
                    log.error("POST /retrain failed: {}", e.toString());
                    send(ex, 503, "{\"error\":" + str("cannot store the trigger: " + e.getMessage()) + "}");
                }
            }
        });
        server.start();
        log.info("HTTP status on {}:{} (/health, /status, POST /retrain)", bind.getHostAddress(), server.getAddress().getPort());
    }

    int port() { return server.getAddress().getPort(); }

    /** Whether this node schedules retraining, the active model and the latest run with its progress. */
    private static String retraining(TrainingRuns runs, ActiveModel activeModel, boolean enabled) {
        StringBuilder b = new StringBuilder("{\"enabled\":").append(enabled).append(",\"activeModel\":");
        b.append(activeModel.current().map(a -> str(a.version())).orElse("null")).append(",\"lastRun\":");
        List<TrainingRun> last = runs.latest(1);
        if (last.isEmpty()) {
            b.append("null");
        } else {
            TrainingRun r = last.get(0);
            b.append("{\"id\":").append(r.id()).append(",\"state\":").append(str(r.state().dbValue()))
                    .append(",\"node\":").append(str(r.nodeId())).append(",\"started\":").append(str(r.startedAt().toString()))
                    .append(",\"ended\":").append(r.endedAt() == null ? "null" : str(r.endedAt().toString()))
                    .append(",\"candidate\":").append(str(r.candidateVersion()))
                    .append(",\"progress\":").append(str(r.progress())).append(",\"reason\":").append(str(r.reason())).append('}');
        }
        return b.append('}').toString();
    }

    private static String str(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c)); else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    private static String json(Map<?, Long> counts) {
        return counts.entrySet().stream().map(e -> "\"" + e.getKey().toString().toLowerCase() + "\":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    /** The pull's totals since start and its cursor (no report content, no secret). */
    private static String json(FhirReportPuller fhir) {
        FhirReportPuller.Stats s = fhir.stats();
        return "{\"baseUrl\":" + quote(fhir.settings().base()) + ",\"searchParams\":" + quote(fhir.settings().searchParams()) + ",\"pulls\":" + s.pulls() + ",\"failedPulls\":" + s.failedPulls()
                + ",\"fetched\":" + s.fetched() + ",\"stored\":" + s.stored() + ",\"duplicates\":" + s.duplicates()
                + ",\"skipped\":" + s.skipped() + ",\"cursor\":" + quote(s.cursor()) + ",\"lastPullAt\":" + quote(s.lastPullAt())
                + ",\"lastError\":" + quote(s.lastError()) + "}";
    }

    private static String quote(Object v) {
        if (v == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : v.toString().toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    private static void send(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Override
    public void close() { server.stop(0); }
}
