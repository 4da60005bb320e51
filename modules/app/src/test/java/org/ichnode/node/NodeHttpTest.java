package org.ichnode.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.store.SeriesState;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.testing.TestH2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** /health, /metrics, /status and the resend endpoints over real HTTP, on a node that has processed one study. */
class NodeHttpTest {
    @TempDir Path tmp;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void healthChecksEveryPartAndMetricsCountWhatHappened() throws Exception {
        List<Path> study = Phantoms.study(tmp.resolve("neg"), false);
        try (TestH2 h2 = new TestH2();
             IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + h2.url(), "storage.dir=" + tmp.resolve("storage"),
                     "dicom.port=" + FreePorts.pick(), "http.port=" + FreePorts.pick(), "hl7.port=0", "series.stableSeconds=1",
                     "storage.minFreeMb=0", "model.dir=baseline", "retrain.enabled=false"))).start()) {
            URI base = URI.create("http://127.0.0.1:" + node.httpPort());
            List<String> cmd = new ArrayList<>(List.of("storescu", "-aet", "PACS", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(node.dicomPort())));
            study.forEach(f -> cmd.add(f.toString()));
            assertEquals(0, Tools.run(cmd).exitCode());
            String uid = InstanceHeader.read(study.get(0)).seriesInstanceUid();
            StoreQueries q = new StoreQueries(node.database());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && q.findSeries(uid).map(s -> s.getState() != SeriesState.DONE).orElse(true)) Thread.sleep(100);
            assertEquals(SeriesState.DONE, q.findSeries(uid).orElseThrow().getState());

            HttpResponse<String> health = get(base.resolve("/health"));
            JsonNode h = new ObjectMapper().readTree(health.body());
            // no dicom.peers: results cannot leave the node, which a restart does not fix: degraded, still 200
            assertEquals(200, health.statusCode(), health.body());
            assertEquals("degraded", h.get("status").asText(), health.body());
            for (String part : List.of("database", "dicom", "workers", "deliveries", "alerts", "disk", "model")) {
                assertTrue(h.get("checks").get(part).get("ok").asBoolean(), part + ": " + health.body());
            }
            assertFalse(h.get("checks").get("destinations").get("ok").asBoolean());
            assertTrue(h.get("checks").get("destinations").get("detail").asText().contains("dicom.peers is empty"), health.body());
            assertTrue(h.get("checks").get("model").get("detail").asText().contains("baseline"), health.body());

            HttpResponse<String> metrics = get(base.resolve("/metrics"));
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            String m = metrics.body();
            assertEquals(study.size(), value(m, "ichnode_instances_received_total"), 0);
            assertEquals(0, value(m, "ichnode_instances_refused_total"), 0);
            assertTrue(value(m, "ichnode_received_bytes_total") > 24 * 256 * 256 * 2, m);
            assertEquals(1, value(m, "ichnode_series{state=\"done\"}"), 0);
            assertEquals(1, value(m, "ichnode_jobs{state=\"done\"}"), 0);
            assertEquals(1, value(m, "ichnode_job_step_seconds_count{step=\"segment\"}"), 0);
            assertTrue(value(m, "ichnode_disk_free_bytes") > 0);
            assertTrue(m.contains("ichnode_model_in_service{registry_active=\"none\",serving=\"ich-node HU baseline"), m);

            JsonNode status = new ObjectMapper().readTree(get(base.resolve("/status")).body());
            assertEquals(1, status.get("series").get("done").asInt());
            assertEquals(0, status.get("alerts").get("pending").asInt());

            assertEquals(409, post(base.resolve("/alerts/resend?alert=999")).statusCode(), "no such failed alert");
            assertEquals(400, post(base.resolve("/alerts/resend?alert=abc")).statusCode());
            assertEquals(400, post(base.resolve("/deliveries/resend")).statusCode());
            assertEquals(409, post(base.resolve("/retrain")).statusCode(), "retraining is off on this node");
        }
    }

    private HttpResponse<String> get(URI u) throws Exception {
        return http.send(HttpRequest.newBuilder(u).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(URI u) throws Exception {
        return http.send(HttpRequest.newBuilder(u).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one sample line of the Prometheus text format. */
    static double value(String exposition, String sample) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(exposition);
        assertTrue(matcher.find(), sample + " not in the metrics");
        return Double.parseDouble(matcher.group(1));
    }
}
