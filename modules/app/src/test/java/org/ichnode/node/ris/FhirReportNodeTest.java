package org.ichnode.node.ris;

import static org.junit.jupiter.api.Assertions.*;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Identifier;
import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.node.IchNode;
import org.ichnode.store.ReportStore;
import org.ichnode.store.StoredReport;
import org.ichnode.store.testing.TestH2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node with fhir.baseUrl set pulls on its own, and /status shows the pull's counts and cursor. */
class FhirReportNodeTest {
    private static final String TOKEN = "Bearer node-test-secret";
    @TempDir Path tmp;

    @Test
    void theNodePullsWhenConfiguredAndShowsItInStatus() throws Exception {
        try (FhirTestServer server = new FhirTestServer(TOKEN); TestH2 h2 = new TestH2()) {
            DiagnosticReport r = new DiagnosticReport();
            r.setId("n1");
            r.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
            r.addIdentifier(new Identifier().setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "ACSN", null)))
                    .setValue("N1001"));
            r.setConclusion("IMPRESSION: Acute left SDH.");
            Instant lastUpdated = Instant.parse("2025-04-01T08:00:00.250Z");
            server.put(r, lastUpdated);

            int http = FreePorts.pick();
            Settings settings = Settings.load(null, Map.of("ICHNODE_FHIR_AUTHORIZATION", TOKEN), List.of("db.url=" + h2.url(),
                    "storage.dir=" + tmp.resolve("storage"), "dicom.port=" + FreePorts.pick(), "http.port=" + http, "hl7.port=0",
                    "storage.minFreeMb=0", "worker.threads=0", "delivery.threads=0",
                    "fhir.baseUrl=" + server.baseUrl(), "fhir.pollSeconds=10", "fhir.pageSize=2"));
            assertFalse(settings.describe().toString().contains("node-test-secret"), "the secret is masked");
            try (IchNode node = new IchNode(settings).start()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (node.fhirPuller().stats().pulls() == 0 && System.nanoTime() < deadline) Thread.sleep(100);
                while (node.fhirPuller().stats().lastPullAt() != null && node.fhirPuller().stats().stored() == 0
                        && node.fhirPuller().stats().failedPulls() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                StoredReport stored = new ReportStore(node.database()).versions("N1001", null).get(0);
                assertEquals("fhir", stored.source());
                assertEquals("positive", stored.label());
                assertEquals(TOKEN, server.requests().get(0).authorization());

                HttpResponse<String> status = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/status")).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                assertEquals(200, status.statusCode());
                String body = status.body();
                assertTrue(body.contains("\"fhir\":{\"baseUrl\":\"" + server.baseUrl() + "\",\"searchParams\":\"\",\"pulls\":1,\"failedPulls\":0,\"fetched\":1,"
                        + "\"stored\":1,\"duplicates\":0,\"skipped\":0,\"cursor\":\"2025-04-01T08:00:00.250Z\""), body);
                assertTrue(body.contains("\"lastError\":null"), body);
                assertFalse(body.contains("node-test-secret"), body);
            }
        }
    }
}
