package org.ichnode.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import org.ichnode.node.retrain.ActiveModel;
import org.ichnode.node.retrain.RetrainScheduler;
import org.ichnode.ris.fhir.FhirReportPuller;
import org.ichnode.store.AlertQueue;
import org.ichnode.store.DeliveryQueue;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.TrainingRun;
import org.ichnode.store.TrainingRuns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * The node's HTTP side on Javalin (Jetty): the {@link Dashboard} pages, {@code GET /health} (every part of the node; 503 when one that a restart could fix fails),
 * {@code GET /status} (counts by state, the FHIR pull, retraining), {@code GET /metrics} (Prometheus),
 * {@code POST /deliveries/resend?result=ID|delivery=ID}, {@code POST /alerts/resend?alert=ID} and {@code POST /retrain}.
 * The Json.MAPPER endpoints serve no patient data; the dashboard shows accession numbers and UIDs.
 */
final class NodeHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeHttpServer.class);

    /** What the HTTP side reads and acts on. @param fhir null without a FHIR pull; @param retrain null when retraining is off */
    record Parts(String nodeId, StoreQueries queries, DeliveryQueue deliveries, AlertQueue alerts, FhirReportPuller fhir,
                 TrainingRuns runs, ActiveModel activeModel, RetrainScheduler retrain, NodeHealth health, NodeMetrics metrics,
                 Dashboard dashboard, AuditLog audit, HttpAuth auth) {}

    private final Javalin app;
    private final Parts p;

    /** @param tls null: plain HTTP; otherwise HTTPS only (TLS 1.2/1.3) */
    NodeHttpServer(InetAddress bind, int port, javax.net.ssl.SSLContext tls, Parts parts) {
        this.p = parts;
        app = Javalin.create(cfg -> {
            cfg.jetty.host = bind.getHostAddress();
            cfg.jetty.port = port;
            if (tls != null) {
                cfg.jetty.addConnector((server, httpConfig) -> {
                    org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
                    ssl.setSslContext(tls);
                    ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
                    httpConfig.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false));
                    org.eclipse.jetty.server.ServerConnector c = new org.eclipse.jetty.server.ServerConnector(server,
                            new org.eclipse.jetty.server.SslConnectionFactory(ssl, "http/1.1"),
                            new org.eclipse.jetty.server.HttpConnectionFactory(httpConfig));
                    c.setHost(bind.getHostAddress());
                    c.setPort(port);
                    return c;
                });
            }
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = 64 * 1024;
            cfg.http.prefer405over404 = true;
            cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
            cfg.routes.before(p.auth()::check);
            cfg.routes.get("/health", this::health);
            cfg.routes.get("/status", this::status);
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(p.metrics().scrape()));
            cfg.routes.post("/deliveries/resend", this::resendDeliveries);
            cfg.routes.post("/alerts/resend", this::resendAlert);
            cfg.routes.post("/retrain", this::retrain);
            p.dashboard().routes(cfg);
            cfg.routes.after(ctx -> {
                if (ctx.method() == io.javalin.http.HandlerType.POST) {
                    HttpUsers.User u = HttpAuth.user(ctx);
                    p.audit().record("http.post", u == null ? ctx.ip() : u.name() + "@" + ctx.ip(), Map.of("path", ctx.path(), "query", ctx.queryString() == null ? "" : ctx.queryString(),
                            "status", ctx.statusCode()));
                }
            });
            cfg.routes.exception(NumberFormatException.class, (e, ctx) -> ctx.status(400).json(Map.of("error", "not a number")));
            cfg.routes.exception(io.javalin.http.HttpResponseException.class, (e, ctx) -> ctx.status(e.getStatus()).result(e.getMessage()));
            cfg.routes.exception(RuntimeException.class, (e, ctx) -> {
                log.error("{} {} failed: {}", ctx.method(), ctx.path(), e.toString());
                ctx.status(503).json(Map.of("status", "unavailable: " + e.getClass().getSimpleName()));
            });
        }).start();
        log.info("HTTP on {}:{} (dashboard /, /health, /status, /metrics), logins {}", bind.getHostAddress(), app.port(),
                parts.auth().required() ? "required" : "off (loopback only)");
    }

    int port() { return app.port(); }

    private void health(Context ctx) {
        Map<String, NodeHealth.Check> checks = p.health().check();
        NodeHealth.Verdict verdict = NodeHealth.verdict(checks);
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("status", verdict.name().toLowerCase(java.util.Locale.ROOT));
        n.put("node", p.nodeId());
        ObjectNode c = n.putObject("checks");
        checks.forEach((name, check) -> c.putObject(name).put("ok", check.ok()).put("detail", check.detail()));
        ctx.status(verdict == NodeHealth.Verdict.UNHEALTHY ? 503 : 200).json(n);
    }

    private void status(Context ctx) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("node", p.nodeId());
        n.set("series", counts(p.queries().seriesCountsByState()));
        n.set("jobs", counts(p.queries().jobCountsByState()));
        n.set("deliveries", counts(p.deliveries().countsByState()));
        n.set("alerts", counts(p.alerts().countsByState()));
        if (p.fhir() != null) {
            FhirReportPuller.Stats s = p.fhir().stats();
            ObjectNode f = n.putObject("fhir");
            f.put("baseUrl", p.fhir().settings().base().toString());
            f.put("searchParams", p.fhir().settings().searchParams());
            f.put("pulls", s.pulls()).put("failedPulls", s.failedPulls()).put("fetched", s.fetched()).put("stored", s.stored())
                    .put("duplicates", s.duplicates()).put("skipped", s.skipped());
            f.put("cursor", s.cursor() == null ? null : s.cursor().toString());
            f.put("lastPullAt", s.lastPullAt() == null ? null : s.lastPullAt().toString());
            f.put("lastError", s.lastError());
        }
        ObjectNode r = n.putObject("retraining");
        r.put("enabled", p.retrain() != null);
        r.put("activeModel", p.activeModel().current().map(ActiveModel.Active::version).orElse(null));
        List<TrainingRun> last = p.runs().latest(1);
        if (last.isEmpty()) {
            r.putNull("lastRun");
        } else {
            TrainingRun t = last.get(0);
            r.putObject("lastRun").put("id", t.id()).put("state", t.state().dbValue()).put("node", t.nodeId())
                    .put("started", t.startedAt().toString()).put("ended", t.endedAt() == null ? null : t.endedAt().toString())
                    .put("candidate", t.candidateVersion()).put("progress", t.progress()).put("reason", t.reason());
        }
        ctx.json(n);
    }

    private static ObjectNode counts(Map<? extends Enum<?>, Long> counts) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        counts.forEach((k, v) -> n.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
        return n;
    }

    /** Re-sends failed deliveries of a result (or one delivery) from the kept objects, without recomputing. */
    private void resendDeliveries(Context ctx) {
        String result = ctx.queryParam("result"), delivery = ctx.queryParam("delivery");
        if (result != null) {
            ctx.json(Map.of("requeued", p.deliveries().resendResult(Long.parseLong(result))));
        } else if (delivery != null) {
            boolean ok = p.deliveries().resendDelivery(Long.parseLong(delivery));
            ctx.status(ok ? 200 : 409).json(Map.of("requeued", ok ? 1 : 0));
        } else {
            ctx.status(400).json(Map.of("error", "use ?result=<id> or ?delivery=<id>"));
        }
    }

    private void resendAlert(Context ctx) {
        String alert = ctx.queryParam("alert");
        if (alert == null) {
            ctx.status(400).json(Map.of("error", "use ?alert=<id>"));
            return;
        }
        boolean ok = p.alerts().resend(Long.parseLong(alert));
        ctx.status(ok ? 200 : 409).json(Map.of("requeued", ok ? 1 : 0));
    }

    private void retrain(Context ctx) {
        if (p.retrain() == null) {
            ctx.status(409).json(Map.of("error", "retraining is off on this node (retrain.enabled=false)"));
            return;
        }
        try {
            ctx.status(202).json(Map.of("requested", p.retrain().requestRun("http-" + p.nodeId())));
        } catch (org.quartz.SchedulerException e) {
            log.error("POST /retrain failed: {}", e.toString());
            ctx.status(503).json(Map.of("error", "cannot store the trigger: " + e.getMessage()));
        }
    }

    @Override
    public void close() { app.stop(); }
}
