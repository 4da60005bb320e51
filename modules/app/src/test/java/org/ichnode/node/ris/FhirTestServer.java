package org.ichnode.node.ris;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.IdType;

/**
 * A FHIR R4 endpoint for the tests: HAPI's RestfulServer in an embedded Jetty on 127.0.0.1 (a free port), serving
 * DiagnosticReports from memory with search by _lastUpdated and category, _sort=_lastUpdated and paging (next links). Requests
 * without the expected Authorization header are answered 401; every request's Authorization header and query are
 * recorded.
 */
final class FhirTestServer implements AutoCloseable {
    /** One request as it arrived. */
    record Request(String query, String authorization) {}

    private final Server jetty;
    private final ServerConnector connector;
    private final Reports reports = new Reports();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final String requiredAuthorization;

    FhirTestServer(String requiredAuthorization) throws Exception {
        this.requiredAuthorization = requiredAuthorization;
        RestfulServer fhir = new RestfulServer(FhirContext.forR4Cached());
        fhir.setResourceProviders(reports);
        FifoMemoryPagingProvider paging = new FifoMemoryPagingProvider(100);
        paging.setDefaultPageSize(10);
        paging.setMaximumPageSize(100);
        fhir.setPagingProvider(paging);
        fhir.registerInterceptor(this);
        jetty = new Server();
        connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(fhir), "/fhir/*");
        jetty.setHandler(context);
        jetty.start();
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public boolean recordAndCheck(HttpServletRequest request) {
        String auth = request.getHeader("Authorization");
        requests.add(new Request(request.getQueryString(), auth));
        if (requiredAuthorization != null && !requiredAuthorization.equals(auth)) {
            throw new AuthenticationException("missing or wrong Authorization");
        }
        return true;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + connector.getLocalPort() + "/fhir";
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    void clearRequests() {
        requests.clear();
    }

    /** Adds the resource, or a new version of it (same id), with this meta.lastUpdated. */
    void put(DiagnosticReport report, Instant lastUpdated) {
        reports.put(report, lastUpdated);
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
    }

    /** The current version of each DiagnosticReport, in memory. */
    public static final class Reports implements IResourceProvider {
        private final Map<String, DiagnosticReport> current = new LinkedHashMap<>();

        @Override
        public Class<DiagnosticReport> getResourceType() {
            return DiagnosticReport.class;
        }

        synchronized void put(DiagnosticReport report, Instant lastUpdated) {
            String id = report.getIdElement().getIdPart();
            DiagnosticReport before = current.get(id);
            int version = before == null ? 1 : Integer.parseInt(before.getMeta().getVersionId()) + 1;
            DiagnosticReport r = report.copy();
            r.setId(new IdType("DiagnosticReport", id, Integer.toString(version)));
            r.getMeta().setVersionId(Integer.toString(version)).setLastUpdated(Date.from(lastUpdated));
            current.put(id, r);
        }

        @Search
        public synchronized IBundleProvider search(@OptionalParam(name = "_lastUpdated") DateRangeParam lastUpdated,
                                                   @OptionalParam(name = "category") TokenParam category,
                                                   @Sort SortSpec sort) {
            List<DiagnosticReport> out = new ArrayList<>();
            for (DiagnosticReport r : current.values()) {
                Date t = r.getMeta().getLastUpdated();
                if (lastUpdated != null && lastUpdated.getLowerBoundAsInstant() != null && t.before(lastUpdated.getLowerBoundAsInstant())) continue;
                if (lastUpdated != null && lastUpdated.getUpperBoundAsInstant() != null && t.after(lastUpdated.getUpperBoundAsInstant())) continue;
                if (category != null && r.getCategory().stream().flatMap(c -> c.getCoding().stream()).noneMatch(c ->
                        (category.getSystem() == null || category.getSystem().equals(c.getSystem())) && category.getValue().equals(c.getCode()))) {
                    continue;
                }
                out.add(r.copy());
            }
            if (sort != null && "_lastUpdated".equals(sort.getParamName())) {
                out.sort(Comparator.comparing(r -> r.getMeta().getLastUpdated())); // stable: ties keep insertion order
            }
            return new SimpleBundleProvider(new ArrayList<>(out));
        }
    }
}
