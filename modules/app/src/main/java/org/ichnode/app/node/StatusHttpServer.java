package org.ichnode.app.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.ichnode.store.StoreQueries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * Plain HTTP for operations: {@code GET /health} (200 when the database answers, 503 otherwise) and
 * {@code GET /status} (series and job counts by state, as JSON). No patient data is served.
 */
final class StatusHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusHttpServer.class);

    private final HttpServer server;

    StatusHttpServer(InetAddress bind, int port, StoreQueries queries, String nodeId) throws IOException {
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
                        + ",\"jobs\":" + json(queries.jobCountsByState()) + "}");
            } catch (RuntimeException e) {
                send(ex, 503, "{\"status\":\"database unavailable\"}");
            }
        });
        server.start();
        log.info("HTTP status on {}:{} (/health, /status)", bind.getHostAddress(), server.getAddress().getPort());
    }

    private static String json(Map<?, Long> counts) {
        return counts.entrySet().stream().map(e -> "\"" + e.getKey().toString().toLowerCase() + "\":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
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
