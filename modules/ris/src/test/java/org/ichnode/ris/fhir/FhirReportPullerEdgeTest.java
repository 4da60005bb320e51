package org.ichnode.ris.fhir;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.ichnode.ris.hl7.IncomingReport;
import org.ichnode.ris.hl7.ReportSink;
import org.junit.jupiter.api.Test;

/**
 * What the pull does when the server misbehaves, on real sockets: a server that never answers (the timeout), and a
 * next link to another host (not followed, so the Authorization header does not go there).
 */
class FhirReportPullerEdgeTest {

    /** Cursor kept in memory: these tests are about the HTTP side. */
    private static final class MemoryCursor implements PullCursor.Store {
        PullCursor cursor;

        @Override
        public Optional<PullCursor> load() {
            return Optional.ofNullable(cursor);
        }

        @Override
        public void save(PullCursor c) {
            cursor = c;
        }
    }

    private static final String BUNDLE = """
            {"resourceType":"Bundle","type":"searchset",
             "link":[{"relation":"self","url":"%1$s/DiagnosticReport"},{"relation":"next","url":"%2$s"}],
             "entry":[{"fullUrl":"%1$s/DiagnosticReport/e1","search":{"mode":"match"},"resource":
               {"resourceType":"DiagnosticReport","id":"e1","meta":{"versionId":"1","lastUpdated":"2025-03-01T10:00:00.000Z"},
                "status":"final","code":{"text":"CT head"},
                "identifier":[{"type":{"coding":[{"code":"ACSN"}]},"value":"E1"}],"conclusion":"No hemorrhage."}}]}""";

    @Test
    void aServerThatNeverAnswersFailsThePullAfterTheTimeout() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) held.add(silent.accept()); // accepts, reads nothing, answers nothing
                } catch (Exception e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            List<IncomingReport> got = new CopyOnWriteArrayList<>();
            MemoryCursor cursor = new MemoryCursor();
            FhirReportPuller puller = new FhirReportPuller(new FhirReportPuller.Settings(
                    URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/fhir"), null, "", 10, Duration.ofSeconds(1)),
                    r -> { got.add(r); return new ReportSink.Stored(1, false, null); }, cursor);
            long start = System.nanoTime();
            FhirReportPuller.PullResult r = puller.pullOnce();
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertFalse(r.ok());
            assertTrue(r.error().contains("FHIR request failed"), r.error());
            assertTrue(ms < 5_000, "gave up after " + ms + " ms (HAPI's default read timeout is 10 s)");
            assertTrue(got.isEmpty());
            assertNull(cursor.cursor);
            assertEquals(1, puller.stats().failedPulls());
        } finally {
            for (Socket s : held) s.close();
        }
    }

    @Test
    void aNextLinkToAnotherHostIsNotFollowed() throws Exception {
        List<String> elsewhereAuth = new CopyOnWriteArrayList<>();
        HttpServer elsewhere = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
        elsewhere.createContext("/", ex -> {
            elsewhereAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        HttpServer fhir = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
        List<String> fhirAuth = new CopyOnWriteArrayList<>();
        elsewhere.start();
        fhir.start();
        String base = "http://127.0.0.1:" + fhir.getAddress().getPort() + "/fhir";
        String foreignNext = "http://localhost:" + elsewhere.getAddress().getPort() + "/fhir?_getpages=x";
        fhir.createContext("/fhir", ex -> {
            fhirAuth.add(ex.getRequestHeaders().getFirst("Authorization"));
            byte[] body = String.format(BUNDLE, base, foreignNext).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/fhir+json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        try {
            List<IncomingReport> got = new CopyOnWriteArrayList<>();
            MemoryCursor cursor = new MemoryCursor();
            FhirReportPuller puller = new FhirReportPuller(new FhirReportPuller.Settings(URI.create(base + "/"), "Basic c2VjcmV0", null, 10,
                    Duration.ofSeconds(5)), r -> { got.add(r); return new ReportSink.Stored(got.size(), false, null); }, cursor);
            FhirReportPuller.PullResult r = puller.pullOnce();
            assertFalse(r.ok());
            assertTrue(r.error().contains("not followed"), r.error());
            assertEquals(1, got.size(), "the first page is stored");
            assertEquals("E1", got.get(0).accessionNumber());
            assertEquals(base, got.get(0).sender(), "the base without its trailing slash");
            assertNotNull(cursor.cursor, "and its cursor saved");
            assertEquals(List.of("Basic c2VjcmV0"), fhirAuth);
            assertTrue(elsewhereAuth.isEmpty(), "nothing went to the other host");
        } finally {
            fhir.stop(0);
            elsewhere.stop(0);
        }
    }
}
