package org.ichnode.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import org.ichnode.node.retrain.ActiveModel;
import org.ichnode.dicom.results.OverlayImages;
import org.ichnode.store.Alert;
import org.ichnode.store.AlertQueue;
import org.ichnode.store.Delivery;
import org.ichnode.store.DeliveryQueue;
import org.ichnode.store.JobResult;
import org.ichnode.store.ModelRegistry;
import org.ichnode.store.ModelState;
import org.ichnode.store.ModelVersion;
import org.ichnode.store.Overview;
import org.ichnode.store.ReportStore;
import org.ichnode.store.StoredReport;
import org.ichnode.store.TrainingRun;
import org.ichnode.store.TrainingRuns;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The dashboard: server-rendered pages for the people who run the node. Studies (state, call, probability, volume,
 * deliveries and alerts), a result page with the overlay images the PACS got and re-send buttons, the model registry
 * with validation metrics, decisions and an activate (sign-off / rollback) form, and the harvested reports. Shows
 * accession numbers and UIDs, never patient names (the node does not store them).
 */
final class Dashboard {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    record Parts(String nodeId, Overview overview, DeliveryQueue deliveries, AlertQueue alerts, ModelRegistry registry,
                 TrainingRuns runs, ActiveModel activeModel, ReportStore reports, Supplier<Map<String, NodeHealth.Check>> health,
                 String viewerUrl, AuditLog audit) {}

    private final Parts p;

    Dashboard(Parts parts) {
        this.p = parts;
    }

    void routes(JavalinConfig cfg) {
        cfg.routes.get("/", this::studies);
        cfg.routes.get("/results/{id}", this::result);
        cfg.routes.get("/results/{id}/overlay/{n}", this::overlayPng);
        cfg.routes.post("/ui/results/{id}/resend", ctx -> {
            long id = Long.parseLong(ctx.pathParam("id"));
            p.deliveries().resendResult(id);
            for (Alert a : p.alerts().alertsOf(id)) p.alerts().resend(a.id());
            ctx.redirect("/results/" + id, io.javalin.http.HttpStatus.SEE_OTHER);
        });
        cfg.routes.get("/models", this::models);
        cfg.routes.post("/ui/models/activate", this::activate);
        cfg.routes.get("/reports", this::reports);
    }

    // ---- pages

    private void studies(Context ctx) {
        StringBuilder b = page("Studies");
        health(b);
        b.append("<h1>Studies</h1><table id='studies'><tr><th>received</th><th>accession</th><th>series</th><th>state</th><th>call</th>"
                + "<th>probability</th><th>volume</th><th>results sent</th><th>alerts</th><th></th></tr>");
        for (Overview.SeriesRow r : p.overview().recentSeries(200)) {
            ResultSummary s = ResultSummary.of(r.summaryJson());
            b.append("<tr class='").append(s == null ? "" : s.positive() ? "positive" : "negative").append("'>")
                    .append(td(time(r.lastReceivedAt()))).append(td(r.accessionNumber()))
                    .append("<td>").append(esc(r.seriesDescription())).append("<br><small>").append(esc(r.seriesInstanceUid())).append("</small></td>")
                    .append("<td>").append(r.state().name().toLowerCase(Locale.ROOT))
                    .append(r.stateReason() == null ? "" : "<br><small>" + esc(r.stateReason()) + "</small>").append("</td>")
                    .append(s == null ? "<td></td><td></td><td></td>" : "<td class='call'>" + esc(s.call()) + "</td>" + td(s.probabilityText()) + td(s.volumeText()))
                    .append(td(r.resultId() == null ? "" : counts(r.deliveriesDone(), r.deliveriesPending(), r.deliveriesFailed())))
                    .append(td(r.resultId() == null ? "" : counts(r.alertsDone(), r.alertsPending(), r.alertsFailed())))
                    .append("<td>").append(r.resultId() == null ? "" : "<a href='/results/" + r.resultId() + "'>result</a>").append("</td></tr>");
        }
        b.append("</table>");
        ctx.html(end(b));
    }

    private void result(Context ctx) throws IOException {
        long id = Long.parseLong(ctx.pathParam("id"));
        Overview.SeriesRow r = p.overview().result(id).orElseThrow(() -> new NotFoundResponse("no result " + id));
        JobResult jr = p.deliveries().findResult(id).orElseThrow();
        ResultSummary s = ResultSummary.of(r.summaryJson());
        StringBuilder b = page("Result " + id);
        b.append("<h1 class='").append(s != null && s.positive() ? "positive" : "negative").append("'>").append(esc(s == null ? "no result" : s.call()))
                .append("</h1><table class='facts'>")
                .append(row("accession", r.accessionNumber())).append(row("study", r.studyInstanceUid()))
                .append(row("series", r.seriesDescription() + " (" + r.instanceCount() + " images)"))
                .append(row("result recorded", time(r.resultAt())));
        if (s != null) {
            b.append(row("probability", s.probabilityText())).append(row("volume", s.volumeText()))
                    .append(row("lesions", Integer.toString(s.lesions()))).append(row("model", s.algorithm()));
        }
        if (!p.viewerUrl().isEmpty()) {
            String url = p.viewerUrl().replace("{studyUid}", r.studyInstanceUid());
            b.append("<tr><th>PACS viewer</th><td><a href='").append(esc(url)).append("'>open the study</a></td></tr>");
        }
        b.append("</table>");
        if (s != null) {
            b.append("<h2>Findings</h2><table><tr><th>#</th><th>side</th><th>volume mL</th><th>longest axial mm</th><th>mean HU</th><th>slices</th></tr>");
            for (JsonNode f : s.findings()) {
                b.append("<tr>").append(td(f.path("label").asText())).append(td(f.path("laterality").asText().toLowerCase(Locale.ROOT)))
                        .append(td(fmt(f.path("volumeMl").asDouble(), 1))).append(td(fmt(f.path("longestAxialDiameterMm").asDouble(), 0)))
                        .append(td(fmt(f.path("meanHu").asDouble(), 0)))
                        .append(td((f.path("slices").path(0).asInt() + 1) + "-" + (f.path("slices").path(1).asInt() + 1))).append("</tr>");
            }
            b.append("</table>");
        }
        List<Path> overlays = jr.folder().isEmpty() ? List.of() : OverlayImages.in(Path.of(jr.folder()));
        b.append("<h2>What the node drew (the overlay series sent to the PACS)</h2><div class='overlays'>");
        if (jr.folder().isEmpty()) b.append("<p>The result objects were removed by retention (retention.resultDays).</p>");
        else if (overlays.isEmpty()) b.append("<p>No overlay images (results.overlay=false, or not written yet).</p>");
        for (int i = 0; i < overlays.size(); i++) {
            // data-loaded tells a browser test that the image decoded, not just that the tag is there
            b.append("<img class='overlay' alt='overlay ").append(i + 1).append("' src='/results/").append(id).append("/overlay/").append(i + 1)
                    .append("' onload=\"this.dataset.loaded=this.naturalWidth\">");
        }
        b.append("</div><h2>Sent to</h2><table id='deliveries'><tr><th>object</th><th>destination</th><th>state</th><th>attempts</th><th>last error</th></tr>");
        for (Delivery d : p.deliveries().deliveriesOf(id)) {
            b.append("<tr class='").append(d.state().dbValue()).append("'>").append(td(d.filePath().replaceAll(".*/", "")))
                    .append(td(d.destination() + " " + d.destHost() + ":" + d.destPort())).append(td(d.state().dbValue()))
                    .append(td(d.attempts() + "/" + d.maxAttempts())).append(td(d.lastError())).append("</tr>");
        }
        b.append("</table><h2>Alerts</h2><table id='alerts'><tr><th>channel</th><th>destination</th><th>state</th><th>attempts</th><th>last error</th></tr>");
        for (Alert a : p.alerts().alertsOf(id)) {
            b.append("<tr class='").append(a.state().dbValue()).append("'>").append(td(a.channel())).append(td(a.destination()))
                    .append(td(a.state().dbValue())).append(td(a.attempts() + "/" + a.maxAttempts())).append(td(a.lastError())).append("</tr>");
        }
        b.append("</table><form method='post' action='/ui/results/").append(id)
                .append("/resend'><button>Re-send what failed</button> (deliveries and alerts in the failed state start again)</form>");
        ctx.html(end(b));
    }

    private void overlayPng(Context ctx) throws IOException {
        long id = Long.parseLong(ctx.pathParam("id"));
        int n = Integer.parseInt(ctx.pathParam("n"));
        JobResult jr = p.deliveries().findResult(id).orElseThrow(() -> new NotFoundResponse("no result " + id));
        List<Path> overlays = jr.folder().isEmpty() ? List.of() : OverlayImages.in(Path.of(jr.folder()));
        if (n < 1 || n > overlays.size()) throw new NotFoundResponse("no overlay " + n);
        ctx.contentType("image/png").result(OverlayImages.png(overlays.get(n - 1)));
    }

    private void models(Context ctx) {
        StringBuilder b = page("Models");
        b.append("<h1>Models</h1><p>In service: <b>").append(esc(p.activeModel().current().map(ActiveModel.Active::version)
                .orElse("the configured model (model.dir); no registry model is active"))).append("</b></p>");
        List<ModelVersion> versions = p.registry().list();
        b.append(metricsPlot(versions));
        for (ModelVersion v : versions.subList(0, Math.min(3, versions.size()))) b.append(curvesPlot(v));
        b.append("<table id='models'><tr><th>version</th><th>state</th><th>created</th><th>validation metrics</th><th>studies</th><th>decision</th></tr>");
        for (ModelVersion v : versions) {
            b.append("<tr class='").append(v.state().dbValue()).append("'>").append(td(v.version())).append(td(v.state().dbValue()))
                    .append(td(time(v.createdAt()))).append(td(metricsText(v.metrics())))
                    .append(td(v.datasetStudies() == null ? "" : v.datasetStudies().toString())).append(td(v.decisionReason())).append("</tr>");
        }
        b.append("</table><h2>Activate a version</h2><p>Sign-off of an approved candidate, rollback or roll forward. Recorded with your name and reason.</p>"
                + "<form method='post' action='/ui/models/activate'><select name='version'>");
        for (ModelVersion v : versions) {
            if (v.state() != ModelState.ACTIVE) b.append("<option>").append(esc(v.version())).append("</option>");
        }
        b.append("</select> by <input name='who' required placeholder='your name'> because <input name='why' required size='40'"
                + " placeholder='what you checked'> <button>Activate</button></form>");
        b.append("<h2>Training runs</h2><table id='runs'><tr><th>run</th><th>state</th><th>node</th><th>started</th><th>ended</th><th>candidate</th>"
                + "<th>progress</th><th>reason</th></tr>");
        for (TrainingRun r : p.runs().latest(20)) {
            b.append("<tr class='").append(r.state().dbValue()).append("'>").append(td(Long.toString(r.id()))).append(td(r.state().dbValue()))
                    .append(td(r.nodeId())).append(td(time(r.startedAt()))).append(td(time(r.endedAt()))).append(td(r.candidateVersion()))
                    .append(td(r.progress())).append(td(r.reason())).append("</tr>");
        }
        b.append("</table><h2>Decisions</h2><table id='decisions'><tr><th>when</th><th>version</th><th>what</th><th>who</th><th>why</th></tr>");
        for (ModelRegistry.Event e : p.registry().events(50)) {
            b.append("<tr>").append(td(time(e.at()))).append(td(e.version())).append(td(e.action())).append(td(e.actor())).append(td(e.reason())).append("</tr>");
        }
        ctx.html(end(b.append("</table>")));
    }

    private void activate(Context ctx) {
        String version = ctx.formParam("version"), who = ctx.formParam("who"), why = ctx.formParam("why");
        HttpUsers.User login = HttpAuth.user(ctx);
        if (login != null) who = login.name(); // the login is who did it, whatever the form says
        if (version == null || who == null || who.isBlank() || why == null || why.isBlank()) {
            ctx.status(400).html(end(page("Models").append("<p>Version, name and reason are all needed.</p><a href='/models'>back</a>")));
            return;
        }
        try {
            p.registry().activate(version, why.strip(), who.strip() + " (dashboard)");
            p.audit().record("model.activated", who.strip() + " (dashboard from " + ctx.ip() + ")", Map.of("version", version, "why", why.strip()));
            p.activeModel().refresh();
            ctx.redirect("/models", io.javalin.http.HttpStatus.SEE_OTHER);
        } catch (IllegalArgumentException e) {
            ctx.status(409).html(end(page("Models").append("<p>").append(esc(e.getMessage())).append("; the active model is unchanged.</p><a href='/models'>back</a>")));
        }
    }

    private void reports(Context ctx) {
        StringBuilder b = page("Reports");
        b.append("<h1>Reports harvested from the RIS</h1><p>The labels retraining learns from: check them against the report text in the RIS."
                + "</p><table id='reports'><tr><th>received</th><th>source</th><th>accession</th><th>status</th><th>label</th><th>for training</th>"
                + "<th>linked study</th><th>note</th></tr>");
        for (StoredReport r : p.reports().latest(200)) {
            b.append("<tr>").append(td(time(r.receivedAt()))).append(td(r.source())).append(td(r.accessionNumber())).append(td(r.reportStatus()))
                    .append(td(r.label())).append(td(r.usableForTraining() ? "yes" : "no"))
                    .append(td(r.linkState() == null ? "" : r.linkState().name().toLowerCase(Locale.ROOT))).append(td(r.linkNote())).append("</tr>");
        }
        ctx.html(end(b.append("</table>")));
    }

    // ---- pieces

    private void health(StringBuilder b) {
        Map<String, NodeHealth.Check> checks = p.health().get();
        NodeHealth.Verdict v = NodeHealth.verdict(checks);
        b.append("<div id='health' class='health ").append(v.name().toLowerCase(Locale.ROOT)).append("'>Node ").append(esc(p.nodeId()))
                .append(": <b>").append(v.name().toLowerCase(Locale.ROOT)).append("</b>");
        checks.forEach((name, c) -> {
            if (!c.ok()) b.append("<br>").append(esc(name)).append(": ").append(esc(c.detail()));
        });
        b.append("</div>");
    }

    /** Dice and AUC of each version as bars, oldest left: whether retraining moves the model forward. */
    private static String metricsPlot(List<ModelVersion> newestFirst) {
        List<ModelVersion> versions = new java.util.ArrayList<>(newestFirst.stream().filter(v -> v.metrics().containsKey("dice")).toList());
        java.util.Collections.reverse(versions);
        if (versions.isEmpty()) return "<p>No model with validation metrics yet.</p>";
        int w = 60, h = 120;
        StringBuilder s = new StringBuilder("<svg id='metrics-plot' width='" + (versions.size() * w + 80) + "' height='" + (h + 40)
                + "'><text x='0' y='12'>validation Dice (blue) and study AUC (green)</text>");
        for (int i = 0; i < versions.size(); i++) {
            Map<String, Double> m = versions.get(i).metrics();
            double dice = m.getOrDefault("dice", 0.0), auc = m.getOrDefault("studyAuc", m.getOrDefault("site.studyAuc", 0.0));
            int x = 40 + i * w;
            s.append(String.format(Locale.ROOT, "<rect x='%d' y='%.1f' width='20' height='%.1f' fill='#3465a4'><title>dice %.3f</title></rect>",
                    x, 20 + h * (1 - dice), h * dice, dice));
            s.append(String.format(Locale.ROOT, "<rect x='%d' y='%.1f' width='20' height='%.1f' fill='#4e9a06'><title>auc %.3f</title></rect>",
                    x + 22, 20 + h * (1 - auc), h * auc, auc));
            s.append("<text x='").append(x).append("' y='").append(h + 35).append("' font-size='9'>").append(esc(shortVersion(versions.get(i).version()))).append("</text>");
        }
        return s.append("</svg>").toString();
    }

    /** The loss curves a training left beside the model (training-curves.json), each scaled to its own range. */
    private static String curvesPlot(ModelVersion v) {
        Path file = v.artifactPath().resolve(org.ichnode.model.IchModel.TRAINING_CURVES);
        JsonNode c;
        try {
            if (!java.nio.file.Files.isRegularFile(file)) return "";
            c = Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            return "";
        }
        int w = 420, h = 120;
        StringBuilder s = new StringBuilder("<figure class='curves'><svg class='loss-curves' width='" + w + "' height='" + (h + 10) + "'>");
        String[][] series = {{"classifierA", "#3465a4"}, {"classifierB", "#75507b"}, {"unet", "#cc0000"}};
        for (String[] sc : series) {
            JsonNode loss = c.path(sc[0]).path("loss");
            double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
            for (JsonNode x : loss) if (x.isNumber()) { lo = Math.min(lo, x.asDouble()); hi = Math.max(hi, x.asDouble()); }
            if (loss.size() < 2 || lo > hi) continue;
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < loss.size(); i++) {
                if (!loss.get(i).isNumber()) continue;
                double y = hi > lo ? (loss.get(i).asDouble() - lo) / (hi - lo) : 0.5;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", 5 + (w - 10) * i / (double) (loss.size() - 1), 5 + (h - 10) * (1 - y)));
            }
            s.append("<polyline fill='none' stroke='").append(sc[1]).append("' stroke-width='1.5' points='").append(pts).append("'><title>")
                    .append(sc[0]).append(String.format(Locale.ROOT, " loss %.3f -> %.3f", lo, hi)).append("</title></polyline>");
        }
        return s.append("</svg><figcaption>").append(esc(v.version())).append(": training loss of classifier A (blue), B (purple) and the U-Net")
                .append(" (red), each scaled to its range; U-Net best validation Dice ").append(esc(c.path("unetBestValidationDice").asText()))
                .append(" at step ").append(esc(c.path("unetBestStep").asText())).append("</figcaption></figure>").toString();
    }

    private static String shortVersion(String v) { return v.length() > 12 ? v.substring(v.length() - 12) : v; }

    private static String metricsText(Map<String, Double> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(fmt(v, 3)));
        return b.toString();
    }

    private static String counts(int done, int pending, int failed) {
        if (done + pending + failed == 0) return "-";
        return done + " done" + (pending > 0 ? ", " + pending + " pending" : "") + (failed > 0 ? ", " + failed + " FAILED" : "");
    }

    private StringBuilder page(String title) {
        return new StringBuilder("<!DOCTYPE html><html><head><meta charset='utf-8'><title>ich-node: ").append(esc(title))
                .append("</title><style>body{font-family:sans-serif;margin:1em 2em;color:#222}table{border-collapse:collapse;margin:.5em 0}"
                        + "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;font-size:13px}th{background:#eee}"
                        + "tr.positive td.call,h1.positive{color:#b00;font-weight:bold}tr.failed td{background:#fdd}"
                        + "nav a{margin-right:1.2em}.health{padding:6px;margin:.5em 0}.health.ok{background:#dfd}.health.degraded{background:#ffd}"
                        + ".health.unhealthy{background:#fcc}img.overlay{max-width:384px;margin:4px;border:1px solid #444}small{color:#666}</style>"
                        + "</head><body><nav><b>ich-node</b> &nbsp; <a href='/'>Studies</a><a href='/models'>Models</a><a href='/reports'>Reports</a>"
                        + "<a href='/health'>Health</a><a href='/metrics'>Metrics</a></nav>");
    }

    private static String end(StringBuilder b) {
        return b.append("<p><small>AI results, not for primary diagnosis.</small></p></body></html>").toString();
    }

    private static String row(String k, String v) { return "<tr><th>" + esc(k) + "</th>" + td(v) + "</tr>"; }

    private static String td(String v) { return "<td>" + esc(v) + "</td>"; }

    private static String time(Instant t) { return t == null ? "" : TIME.format(t); }

    private static String fmt(double v, int decimals) { return ResultSummary.fmt(v, decimals); }

    static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
