package org.ichnode.node;

import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.store.testing.TestH2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Slow clients do not block the HTTP side (with the JDK's server two of them held /health): 40 connections that each
 * sent half a request line and then nothing, and the health check still answers.
 */
class SlowHttpTest {
    @TempDir Path tmp;

    @Test
    void halfSentRequestsDoNotBlockTheHealthCheck() throws Exception {
        try (TestH2 h2 = new TestH2();
             IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + h2.url(), "storage.dir=" + tmp.resolve("storage"),
                     "dicom.port=" + FreePorts.pick(), "http.port=" + FreePorts.pick(), "hl7.port=0", "storage.minFreeMb=0",
                     "model.dir=baseline", "retrain.enabled=false", "worker.threads=0"))).start()) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    Socket s = new Socket("127.0.0.1", node.httpPort());
                    OutputStream out = s.getOutputStream();
                    out.write("GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    slow.add(s);
                }
                HttpResponse<String> health = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                        .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/health"))
                                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, health.statusCode(), health.body());
            } finally {
                for (Socket s : slow) s.close();
            }
        }
    }
}
