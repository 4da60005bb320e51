package org.ichnode.ris.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.ichnode.ris.hl7.IncomingReport;
import org.ichnode.ris.hl7.ReportSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls FHIR R4 DiagnosticReport resources from a server and hands each to a {@link ReportSink} (the same one the HL7
 * listener uses, labeller and report store behind it). One {@link #pullOnce()} asks
 * {@code DiagnosticReport?<searchParams>&_lastUpdated=ge<cursor>&_sort=_lastUpdated&_count=<pageSize>} (no lower
 * bound the first time) and follows the {@code next} links to the end. The cursor ({@link PullCursor}) is saved after every page, so
 * an interrupted pull resumes where it stopped; a resource stored but not yet in the saved cursor is pulled again and
 * recognised as stored by the report store.
 *
 * <p>A resource that cannot be mapped (or that the sink refuses) is skipped with its id and the reason in the log,
 * counted, and the cursor moves past it. A failure of the server or of the sink (database down) ends the pull; the next
 * pull starts from the last resource handled. The Authorization header value is never logged, nor any report content
 * or patient data: logs carry resource ids and counts.
 *
 * <p>Next links must lie under the configured base URL (they carry the Authorization header); others end the pull.
 */
public final class FhirReportPuller {
    private static final Logger log = LoggerFactory.getLogger(FhirReportPuller.class);

    /**
     * @param baseUrl       the FHIR server's base, e.g. https://ris.example.org/fhir (no user info: use authorization)
     * @param authorization the Authorization header value (e.g. "Bearer ..."), or null for none
     * @param searchParams  further search parameters, e.g. {@code category=http://terminology.hl7.org/CodeSystem/v2-0074|RAD}
     *                      ("" for none; see {@link #checkSearchParams})
     * @param pageSize      _count per page
     * @param timeout       connect, connection-pool and read timeout of each request
     */
    public record Settings(URI baseUrl, String authorization, String searchParams, int pageSize, Duration timeout) {
        private static final java.util.Set<String> OURS = java.util.Set.of("_lastUpdated", "_sort", "_count");

        public Settings {
            Objects.requireNonNull(baseUrl, "baseUrl");
            if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
                throw new IllegalArgumentException("FHIR base URL must be http or https");
            }
            if (baseUrl.getRawUserInfo() != null) throw new IllegalArgumentException("FHIR base URL must not carry user info");
            if (authorization != null && authorization.isBlank()) authorization = null;
            if (authorization != null && authorization.chars().anyMatch(c -> c == '\r' || c == '\n')) {
                throw new IllegalArgumentException("Authorization value must be one line");
            }
            searchParams = checkSearchParams(searchParams);
            if (pageSize < 1) throw new IllegalArgumentException("pageSize must be at least 1");
            Objects.requireNonNull(timeout, "timeout");
        }

        /**
         * Further search parameters as {@code name=value} joined by {@code &} (values as FHIR writes them, HAPI encodes
         * them); not the ones the pull sets itself (_lastUpdated, _sort, _count). Returns them without a leading ? or &.
         *
         * @throws IllegalArgumentException with the reason
         */
        public static String checkSearchParams(String params) {
            if (params == null) return "";
            String p = params.strip();
            while (p.startsWith("?") || p.startsWith("&")) p = p.substring(1);
            if (p.isEmpty()) return "";
            if (p.chars().anyMatch(c -> c <= 0x20 || c == 0x7F || c == '#')) {
                throw new IllegalArgumentException("search parameters must not contain spaces, control characters or #");
            }
            for (String part : p.split("&")) {
                int eq = part.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("'" + part + "' is not name=value");
                String name = part.substring(0, eq).split(":")[0];
                if (OURS.contains(name)) throw new IllegalArgumentException(name + " is set by the pull itself");
            }
            return p;
        }

        /** The base URL without a trailing slash: the sender stored with each report. */
        public String base() {
            String s = baseUrl.toString();
            return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        }

        /**
         * The cursor's key: the base URL, with the search parameters when there are any (a cursor is only valid for
         * the search it was made by; a changed filter starts from the beginning).
         */
        public String sourceKey() {
            return searchParams.isEmpty() ? base() : base() + "?" + searchParams;
        }

        @Override
        public String toString() { // the secret stays out of logs
            return "FHIR " + base() + (searchParams.isEmpty() ? "" : " (" + searchParams + ")") + " (page size " + pageSize + ", timeout " + timeout + (authorization != null ? ", with Authorization" : "") + ")";
        }
    }

    /** What one pull did. {@code error} is null when it went to the end. */
    public record PullResult(int pages, int fetched, int stored, int duplicates, int alreadySeen, int skipped,
                             PullCursor cursor, String error) {
        public boolean ok() {
            return error == null;
        }
    }

    /** Totals since start, for the status page. */
    public record Stats(long pulls, long failedPulls, long fetched, long stored, long duplicates, long skipped,
                        Instant cursor, Instant lastPullAt, String lastError) {
    }

    private final Settings settings;
    private final ReportSink sink;
    private final PullCursor.Store cursors;
    private final DiagnosticReportMapper mapper;
    private final IGenericClient client;

    private final AtomicLong pulls = new AtomicLong();
    private final AtomicLong failedPulls = new AtomicLong();
    private final AtomicLong fetched = new AtomicLong();
    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile Instant lastCursor;
    private volatile Instant lastPullAt;
    private volatile String lastError;

    public FhirReportPuller(Settings settings, ReportSink sink, PullCursor.Store cursors) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.cursors = Objects.requireNonNull(cursors, "cursors");
        this.mapper = new DiagnosticReportMapper(clip(settings.base(), 200));
        // A context of our own: the timeouts are set on its client factory, which is shared by its clients.
        FhirContext ctx = FhirContext.forR4();
        var factory = ctx.getRestfulClientFactory();
        int ms = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
        factory.setConnectTimeout(ms);
        factory.setSocketTimeout(ms);
        factory.setConnectionRequestTimeout(ms);
        // no GET /metadata before the first request: the pull needs nothing from the capability statement
        factory.setServerValidationMode(ServerValidationModeEnum.NEVER);
        client = ctx.newRestfulGenericClient(settings.base());
        client.setEncoding(EncodingEnum.JSON);
        if (settings.authorization() != null) {
            String value = settings.authorization();
            client.registerInterceptor(new IClientInterceptor() {
                @Override
                public void interceptRequest(IHttpRequest request) {
                    request.addHeader("Authorization", value);
                }

                @Override
                public void interceptResponse(IHttpResponse response) {
                    // nothing
                }
            });
        }
    }

    public Settings settings() {
        return settings;
    }

    /** The pull's progress: cursor as it moves, counts. */
    private static final class Progress {
        Instant at;
        final Set<String> ids = new HashSet<>();
        boolean moved;
        boolean unsortedWarned;
        int pages, fetched, stored, duplicates, alreadySeen, skipped;

        Progress(PullCursor start) {
            if (start != null) {
                at = start.lastUpdated();
                ids.addAll(start.idsAtLastUpdated());
            }
        }

        boolean seen(Instant lastUpdated, String key) {
            return at != null && at.equals(lastUpdated) && ids.contains(key);
        }

        void handled(Instant lastUpdated, String key) {
            if (lastUpdated == null) return;
            if (at == null || lastUpdated.isAfter(at)) {
                at = lastUpdated;
                ids.clear();
            } else if (lastUpdated.isBefore(at)) {
                if (!unsortedWarned) log.warn("FHIR server returned DiagnosticReport {} out of _lastUpdated order; the cursor ignores it", key);
                unsortedWarned = true;
                return;
            }
            ids.add(key);
            moved = true;
        }

        PullCursor cursor() {
            return at == null ? null : new PullCursor(at, ids);
        }
    }

    /**
     * One pull to the end of the search (all pages). Never throws: a failure ends the pull, is logged, counted and
     * returned in {@link PullResult#error()}; what was handled before it stays handled. Not run twice at once.
     */
    public synchronized PullResult pullOnce() {
        pulls.incrementAndGet();
        lastPullAt = Instant.now();
        Progress p;
        try {
            p = new Progress(cursors.load().orElse(null));
        } catch (RuntimeException e) {
            return failed(new Progress(null), "cursor could not be read: " + e);
        }
        String error = null;
        try {
            Bundle page = client.search().byUrl(firstPageUrl(p.at)).returnBundle(Bundle.class).execute();
            while (true) {
                p.pages++;
                boolean stop = handlePage(page, p);
                saveCursor(p);
                if (stop) {
                    error = "report could not be stored; the next pull resumes here";
                    break;
                }
                Bundle.BundleLinkComponent next = page.getLink(Bundle.LINK_NEXT);
                if (next == null || next.getUrl() == null || next.getUrl().isBlank()) break;
                if (!next.getUrl().startsWith(settings.base() + "/") && !next.getUrl().startsWith(settings.base() + "?")) {
                    error = "next link outside the base URL " + settings.base() + " not followed";
                    break;
                }
                page = client.loadPage().next(page).execute();
            }
        } catch (RuntimeException e) {
            error = "FHIR request failed: " + describe(e);
            try {
                saveCursor(p);
            } catch (RuntimeException e2) {
                e.addSuppressed(e2);
            }
        }
        if (error != null) return failed(p, error);
        lastError = null;
        PullResult r = result(p, null);
        if (r.fetched() > 0) {
            log.info("FHIR pull from {}: {} DiagnosticReport(s) on {} page(s): {} stored, {} stored before, {} seen before, {} skipped; cursor {}",
                    settings.base(), r.fetched(), r.pages(), r.stored(), r.duplicates(), r.alreadySeen(), r.skipped(), p.at);
        } else {
            log.debug("FHIR pull from {}: nothing new since {}", settings.base(), p.at);
        }
        return r;
    }

    /** First page URL: the search, relative to the base. The instant goes in full (milliseconds) and in UTC. */
    String firstPageUrl(Instant since) {
        StringBuilder b = new StringBuilder(settings.base()).append("/DiagnosticReport?");
        if (!settings.searchParams().isEmpty()) b.append(settings.searchParams()).append('&');
        if (since != null) b.append("_lastUpdated=ge").append(since.truncatedTo(ChronoUnit.MILLIS)).append('&');
        return b.append("_sort=_lastUpdated&_count=").append(settings.pageSize()).toString();
    }

    /** @return true when the sink failed (the pull must stop before the resource it could not store) */
    private boolean handlePage(Bundle page, Progress p) {
        for (Bundle.BundleEntryComponent e : page.getEntry()) {
            if (!(e.getResource() instanceof DiagnosticReport r)) continue; // included resources, OperationOutcome
            if (e.hasSearch() && e.getSearch().hasMode() && e.getSearch().getMode() != Bundle.SearchEntryMode.MATCH) continue;
            p.fetched++;
            fetched.incrementAndGet();
            Instant lastUpdated = r.getMeta().hasLastUpdated() ? r.getMeta().getLastUpdated().toInstant() : null;
            String key = DiagnosticReportMapper.versionKey(r);
            if (lastUpdated != null && p.seen(lastUpdated, key)) {
                p.alreadySeen++;
                continue;
            }
            IncomingReport report;
            try {
                report = mapper.map(r);
            } catch (DiagnosticReportMapper.Unmappable u) {
                skip(p, key, lastUpdated, u.getMessage());
                continue;
            }
            try {
                ReportSink.Stored s = sink.accept(report);
                if (s.duplicate()) {
                    p.duplicates++;
                    duplicates.incrementAndGet();
                } else {
                    p.stored++;
                    stored.incrementAndGet();
                    log.debug("FHIR {} stored as report {}", key, s.reportId()); // the report store logs it at INFO
                }
            } catch (ReportSink.ReportRejectedException rejected) {
                skip(p, key, lastUpdated, "refused: " + rejected.getMessage());
                continue;
            } catch (Exception failure) {
                log.error("FHIR {} could not be stored; the pull stops here", key, failure);
                return true;
            }
            p.handled(lastUpdated, key);
        }
        return false;
    }

    private void skip(Progress p, String key, Instant lastUpdated, String reason) {
        p.skipped++;
        skipped.incrementAndGet();
        log.warn("FHIR {} skipped: {}", key, reason);
        p.handled(lastUpdated, key);
    }

    private void saveCursor(Progress p) {
        if (!p.moved) return;
        PullCursor c = p.cursor();
        cursors.save(c);
        lastCursor = c.lastUpdated();
        p.moved = false;
    }

    private PullResult failed(Progress p, String error) {
        failedPulls.incrementAndGet();
        lastError = error;
        log.error("FHIR pull from {} failed after {} page(s), {} stored, {} skipped: {}", settings.base(), p.pages, p.stored, p.skipped, error);
        return result(p, error);
    }

    private static PullResult result(Progress p, String error) {
        return new PullResult(p.pages, p.fetched, p.stored, p.duplicates, p.alreadySeen, p.skipped, p.cursor(), error);
    }

    /** HAPI's exception message (status code and text); it carries no request headers. */
    private static String describe(RuntimeException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + clip(m.replaceAll("\\s+", " "), 300));
    }

    public Stats stats() {
        return new Stats(pulls.get(), failedPulls.get(), fetched.get(), stored.get(), duplicates.get(), skipped.get(),
                lastCursor, lastPullAt, lastError);
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
