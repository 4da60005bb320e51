package org.ichnode.node;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.HL7Service;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.protocol.ReceivingApplication;
import ca.uhn.hl7v2.util.Terser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.store.Alert;
import org.ichnode.store.AlertQueue;
import org.ichnode.store.DeliveryState;
import org.ichnode.store.Series;
import org.ichnode.store.SeriesState;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A positive study alerts the RIS (HL7 ORU^R01 to HAPI's own MLLP server) and a webhook (a real HTTP server that
 * answers 503 once, so the retry is exercised); a negative study alerts nobody. The node runs the HU baseline, so the
 * calls are the phantom's truth.
 */
class AlertTest {
    @TempDir Path tmp;

    private record Hook(String body, String signature) {}

    @Test
    void positiveStudyAlertsRisAndWebhookNegativeStaysQuiet() throws Exception {
        List<Message> hl7 = new CopyOnWriteArrayList<>();
        List<Hook> hooks = new CopyOnWriteArrayList<>();
        AtomicInteger posts = new AtomicInteger();
        HapiContext hapi = new DefaultHapiContext();
        hapi.getParserConfiguration().setIdGenerator(new ca.uhn.hl7v2.util.idgenerator.InMemoryIDGenerator()); // no id_file in the working folder
        int hl7Port = FreePorts.pick();
        HL7Service ris = hapi.newServer(hl7Port, false);
        ris.registerApplication("ORU", "R01", new ReceivingApplication<Message>() {
            @Override
            public Message processMessage(Message m, Map<String, Object> meta) throws HL7Exception {
                hl7.add(m);
                try {
                    return m.generateACK();
                } catch (IOException e) {
                    throw new HL7Exception(e);
                }
            }

            @Override
            public boolean canProcess(Message m) { return true; }
        });
        ris.startAndWait();
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        webhook.createContext("/ich", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int n = posts.incrementAndGet();
            if (n > 1) hooks.add(new Hook(body, ex.getRequestHeaders().getFirst("X-Ichnode-Signature")));
            ex.sendResponseHeaders(n == 1 ? 503 : 204, -1); // the first attempt is refused: the node must retry
            ex.close();
        });
        webhook.start();
        List<Path> positive = Phantoms.study(tmp.resolve("pos"), true);
        List<Path> negative = Phantoms.study(tmp.resolve("neg"), false);
        try (TestPostgres pg = new TestPostgres();
             IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + pg.url(), "storage.dir=" + tmp.resolve("storage"),
                     "dicom.port=" + FreePorts.pick(), "http.port=0", "hl7.port=0", "series.stableSeconds=1", "storage.minFreeMb=0",
                     "model.dir=baseline", "retrain.enabled=false",
                     "alert.hl7.destination=127.0.0.1:" + hl7Port, "alert.hl7.receivingApplication=CITYRIS",
                     "alert.webhook.url=http://127.0.0.1:" + webhook.getAddress().getPort() + "/ich",
                     "alert.webhook.secret=s3cret", "alert.backoffSeconds=1", "http.publicUrl=https://ichnode.test:8787/")))
                     .start()) {
            send(node, negative);
            send(node, positive);
            StoreQueries q = new StoreQueries(node.database());
            Series neg = await(q, InstanceHeader.read(negative.get(0)).seriesInstanceUid());
            Series pos = await(q, InstanceHeader.read(positive.get(0)).seriesInstanceUid());
            assertEquals(SeriesState.DONE, neg.getState(), neg.getStateReason());
            assertEquals(SeriesState.DONE, pos.getState(), pos.getStateReason());

            AlertQueue alerts = new AlertQueue(node.database());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (alerts.countsByState().get(DeliveryState.DELIVERED) < 2 && System.nanoTime() < deadline) Thread.sleep(100);
            assertEquals(2L, alerts.countsByState().get(DeliveryState.DELIVERED), "both alerts delivered: " + alerts.countsByState());
            assertEquals(2L, alerts.countsByState().values().stream().mapToLong(Long::longValue).sum(), "the negative study raised none");

            InstanceHeader h = InstanceHeader.read(positive.get(0));
            assertEquals(1, hl7.size());
            Terser t = new Terser(hl7.get(0));
            assertEquals("CITYRIS", t.get("MSH-5"));
            assertEquals("ORU", t.get("MSH-9-1"));
            if (h.accessionNumber() != null) assertEquals(h.accessionNumber(), t.get("/PATIENT_RESULT/ORDER_OBSERVATION/OBR-18"));
            assertEquals("SUSPECTED HEMORRHAGE", t.get("/PATIENT_RESULT/ORDER_OBSERVATION/OBSERVATION(0)/OBX-5"));
            assertEquals(h.studyInstanceUid(), t.get("/PATIENT_RESULT/ORDER_OBSERVATION/OBSERVATION(5)/OBX-5"));

            assertEquals(2, posts.get(), "the webhook was retried once after its 503");
            assertEquals(1, hooks.size());
            JsonNode json = new ObjectMapper().readTree(hooks.get(0).body());
            assertEquals("ich.suspected_hemorrhage", json.get("event").asText());
            assertEquals(h.studyInstanceUid(), json.get("studyInstanceUid").asText());
            assertTrue(json.get("volumeMl").asDouble() > 0);
            assertTrue(json.get("resultUrl").asText().startsWith("https://ichnode.test:8787/results/"), json.toString());
            assertFalse(hooks.get(0).body().contains(h.patientId() == null ? "\u0000" : h.patientId()), "no patient ID in a webhook");
            assertEquals("sha256=" + WebhookSender.hmacSha256Hex("s3cret", hooks.get(0).body()), hooks.get(0).signature());
            Alert hook = alerts.alertsOf(json.get("resultId").asLong()).stream().filter(a -> a.channel().equals("webhook")).findFirst().orElseThrow();
            assertEquals(2, hook.attempts());

            // the audit trail: one JSON line per event, apart from the application log, no patient identifiers
            List<String> audit = java.nio.file.Files.readAllLines(tmp.resolve("storage/audit").resolve(
                    java.nio.file.Files.list(tmp.resolve("storage/audit")).findFirst().orElseThrow().getFileName()));
            List<JsonNode> events = new ArrayList<>();
            for (String line : audit) events.add(new ObjectMapper().readTree(line));
            assertEquals(2, events.stream().filter(e -> e.get("action").asText().equals("series.complete")).count(), audit.toString());
            assertEquals(2, events.stream().filter(e -> e.get("action").asText().equals("result.recorded")).count(), audit.toString());
            assertEquals(2, events.stream().filter(e -> e.get("action").asText().equals("alert.delivered")).count(), audit.toString());
            assertEquals(1, events.stream().filter(e -> e.get("action").asText().equals("alert.failed")
                    && e.get("answer").asText().equals("HTTP 503")).count(), audit.toString());
            if (h.patientId() != null) assertFalse(String.join("\n", audit).contains(h.patientId()), "no patient ID in the audit log");
            if (h.accessionNumber() != null) assertFalse(String.join("\n", audit).contains(h.accessionNumber()), "no accession in the audit log");
        } finally {
            webhook.stop(0);
            ris.stopAndWait();
            hapi.close();
        }
    }

    private static void send(IchNode node, List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("storescu", "-aet", "PACS", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(node.dicomPort())));
        files.forEach(f -> cmd.add(f.toString()));
        Tools.Result r = Tools.run(cmd);
        assertEquals(0, r.exitCode(), r.output());
    }

    private static Series await(StoreQueries q, String uid) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            var s = q.findSeries(uid);
            if (s.isPresent() && (s.get().getState() == SeriesState.DONE || s.get().getState() == SeriesState.FAILED
                    || s.get().getState() == SeriesState.IGNORED)) return s.get();
            Thread.sleep(100);
        }
        throw new AssertionError("series did not finish: " + q.findSeries(uid).map(Series::getState));
    }
}
