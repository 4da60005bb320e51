package org.ichnode.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.node.IchNode;
import org.ichnode.app.tools.LocalOrthanc;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomExporter;
import org.ichnode.store.Job;
import org.ichnode.store.StoreQueries;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code ./ichnode bench e2e}: a 64-slice 512x512 phantom study with hemorrhage goes storescu -> Orthanc ->
 * (Lua auto-routing when stable) -> ich-node (embedded defaults, baseline segmenter) -> SEG + SR (+ overlay) ->
 * Orthanc, and the alerts: an HL7 ORU^R01 to a HAPI MLLP receiver and a webhook POST to an HTTP receiver, both run
 * by the benchmark. Measures from the end of storescu to SEG and SR stored in Orthanc, broken down, and to each alert
 * received; prints {@code e2e_seconds_excluding_stable_wait=X} and last
 * {@code alert_seconds_after_series_end=Y} (the later of the two alerts). Both exclude the stable wait: Orthanc's
 * StableAge before it forwards the series.
 */
public final class BenchE2eCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    public int run(Args args) throws Exception {
        int slices = args.intOption("--slices", 64);
        int stableAge = args.intOption("--stable-age", 2);
        boolean overlay = Boolean.parseBoolean(args.option("--overlay", "true"));
        // the goal is stated for the HU baseline; --segmenter default (or a model folder) times a model instead
        String segmenter = args.option("--segmenter", "baseline");
        args.requireNoneLeft();
        if (!LocalOrthanc.installed()) {
            System.err.println("bench e2e needs Orthanc (apt-get install orthanc)");
            return 1;
        }
        Path work = Files.createTempDirectory("ichnode-e2e-");
        List<Path> ct = null;
        String studyUid = null;
        for (long seed = 1; ct == null; seed++) {
            PhantomExporter.ExportedStudy s = PhantomExporter.export(work.resolve("phantom-" + seed), seed, 1,
                    PhantomOptions.defaults().withSlices(slices, slices).withTilt(0, 0)).get(0);
            if (!s.hemorrhage()) continue;
            try (Stream<Path> f = Files.list(s.directory().resolve("dicom"))) {
                ct = f.sorted().toList();
            }
            studyUid = s.studyInstanceUid();
        }
        System.out.println("bench e2e: phantom study " + studyUid + ", " + ct.size() + " slices 512x512, in " + work);
        int nodePort = FreePorts.pick();
        System.out.println("segmenter: " + segmenter);
        AlertReceivers alerts = AlertReceivers.start();
        try (alerts; LocalOrthanc orthanc = LocalOrthanc.start(work.resolve("orthanc"), "ICHNODE", nodePort, stableAge);
             IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("storage.dir=" + work.resolve("node/storage"),
                     "db.url=jdbc:h2:file:" + work.resolve("node/db/ichnode"), "dicom.port=" + nodePort, "http.port=0", "hl7.port=0",
                     "storage.minFreeMb=0", "dicom.allowedCallers=ORTHANC@127.0.0.1",
                     "dicom.peers=ORTHANC@127.0.0.1:" + orthanc.dicomPort(), "results.overlay=" + overlay,
                     "model.dir=" + segmenter, "retrain.enabled=false", "alert.hl7.destination=127.0.0.1:" + alerts.hl7Port(),
                     "alert.webhook.url=" + alerts.webhookUrl()))).start()) {
            node.awaitWarmUp(); // a node in service has long finished its warm-up when a study arrives
            if (orthanc.storescu(ct) != 0) throw new IllegalStateException("storescu into Orthanc failed");
            Instant sent = Instant.now();
            Map<String, List<String>> series = Map.of();
            while (!(series.containsKey("SEG") && series.containsKey("SR"))) {
                if (Instant.now().isAfter(sent.plusSeconds(300))) throw new IllegalStateException("no SEG+SR in Orthanc after 300 s: " + series);
                Thread.sleep(50);
                series = orthanc.seriesByModality(studyUid);
            }
            Instant stored = Instant.now();

            StoreQueries q = new StoreQueries(node.database());
            String seriesUid = org.ichnode.dicom.spool.InstanceHeader.read(ct.get(0)).seriesInstanceUid();
            var row = q.findSeries(seriesUid).orElseThrow();
            Job job = q.jobsOfSeries(row.getId()).get(0);
            while (job.getResultJson() == null && Instant.now().isBefore(stored.plusSeconds(120))) { // overlay still being drawn
                Thread.sleep(100);
                job = q.jobsOfSeries(row.getId()).get(0);
            }
            Instant firstReceived = row.getFirstReceivedAt();
            Instant lastReceived = row.getLastReceivedAt();
            Instant[] recordedAndDelivered = segAndSrDelivery(node, job.getId());
            Map<String, Long> millis = stepMillis(job.getResultJson());

            double total = seconds(sent, stored);
            double stableWait = seconds(sent, firstReceived);
            System.out.printf(Locale.ROOT, "storescu end -> SEG+SR stored in Orthanc: %.2f s%n", total);
            System.out.printf(Locale.ROOT, "  stable wait (Orthanc StableAge %d s, then it starts forwarding): %.2f s%n", stableAge, stableWait);
            System.out.printf(Locale.ROOT, "  forward Orthanc -> node (%d instances): %.2f s%n", ct.size(), seconds(firstReceived, lastReceived));
            System.out.printf(Locale.ROOT, "  queue (completion + claim): %.2f s%n", seconds(lastReceived, job.getStartedAt()));
            System.out.printf(Locale.ROOT, "  load %.2f s, segment %.2f s, encode SEG+SR %.2f s%n", millis.getOrDefault("load", 0L) / 1e3,
                    millis.getOrDefault("segment", 0L) / 1e3, millis.getOrDefault("encode", 0L) / 1e3);
            System.out.printf(Locale.ROOT, "  deliver (SEG+SR recorded -> confirmed by Orthanc): %.2f s; seen in Orthanc's index %.2f s later"
                    + " (the overlay series follows)%n", seconds(recordedAndDelivered[0], recordedAndDelivered[1]),
                    seconds(recordedAndDelivered[1], stored));
            System.out.printf(Locale.ROOT, "e2e_seconds_excluding_stable_wait=%.2f%n", total - stableWait);
            Instant hl7 = alerts.awaitHl7(Instant.now().plusSeconds(60)), hook = alerts.awaitWebhook(Instant.now().plusSeconds(60));
            if (hl7 == null || hook == null) {
                System.out.println("alert not received within 60 s: hl7 " + hl7 + ", webhook " + hook);
                return 1;
            }
            System.out.printf(Locale.ROOT, "  HL7 ORU^R01 received by the RIS stand-in: %.2f s after storescu ended (%.2f s after the result was recorded)%n",
                    seconds(sent, hl7), seconds(recordedAndDelivered[0], hl7));
            System.out.printf(Locale.ROOT, "  webhook POST received: %.2f s after storescu ended (%.2f s after the result was recorded)%n",
                    seconds(sent, hook), seconds(recordedAndDelivered[0], hook));
            Instant later = hl7.isAfter(hook) ? hl7 : hook;
            System.out.printf(Locale.ROOT, "alert_seconds_after_series_end=%.2f%n", seconds(sent, later) - stableWait);
            return 0;
        }
    }

    /** When the result (SEG + SR) was recorded, and when the last of those two was confirmed delivered. */
    private static Instant[] segAndSrDelivery(IchNode node, long jobId) throws Exception {
        try (Connection c = node.database().dataSource().getConnection();
             PreparedStatement st = c.prepareStatement("SELECT min(r.created_at), max(d.delivered_at) FROM delivery d"
                     + " JOIN result r ON d.result_id = r.id WHERE r.job_id = ? AND d.sop_class_uid IN (?, ?)")) {
            st.setLong(1, jobId);
            st.setString(2, "1.2.840.10008.5.1.4.1.1.66.4");
            st.setString(3, "1.2.840.10008.5.1.4.1.1.88.33");
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                Timestamp recorded = rs.getTimestamp(1);
                Timestamp delivered = rs.getTimestamp(2);
                return new Instant[] {recorded == null ? Instant.now() : recorded.toInstant(),
                        delivered == null ? Instant.now() : delivered.toInstant()};
            }
        }
    }

    private static Map<String, Long> stepMillis(String resultJson) throws java.io.IOException {
        Map<String, Long> out = new java.util.HashMap<>();
        JsonNode millis = JSON.readTree(resultJson).findValue("millis");
        if (millis != null) millis.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
        return out;
    }

    /** The RIS's MLLP listener (HAPI's server) and a webhook endpoint (the JDK's HTTP server), noting when each alert arrives. */
    private static final class AlertReceivers implements AutoCloseable {
        private final ca.uhn.hl7v2.HapiContext hapi = new ca.uhn.hl7v2.DefaultHapiContext();
        private final ca.uhn.hl7v2.app.HL7Service hl7;
        private final com.sun.net.httpserver.HttpServer http;
        private final int hl7Port;
        private volatile Instant hl7At, webhookAt;

        private AlertReceivers() throws Exception {
            hl7Port = FreePorts.pick();
            hapi.getParserConfiguration().setIdGenerator(() -> "bench");
            hl7 = hapi.newServer(hl7Port, false);
            hl7.registerApplication("ORU", "R01", new ca.uhn.hl7v2.protocol.ReceivingApplication<ca.uhn.hl7v2.model.Message>() {
                @Override
                public ca.uhn.hl7v2.model.Message processMessage(ca.uhn.hl7v2.model.Message m, Map<String, Object> meta)
                        throws ca.uhn.hl7v2.HL7Exception {
                    if (hl7At == null) hl7At = Instant.now();
                    try {
                        return m.generateACK();
                    } catch (java.io.IOException e) {
                        throw new ca.uhn.hl7v2.HL7Exception(e);
                    }
                }

                @Override
                public boolean canProcess(ca.uhn.hl7v2.model.Message m) { return true; }
            });
            hl7.startAndWait();
            http = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 4);
            http.createContext("/alert", ex -> {
                ex.getRequestBody().readAllBytes();
                if (webhookAt == null) webhookAt = Instant.now();
                ex.sendResponseHeaders(204, -1);
                ex.close();
            });
            http.start();
        }

        static AlertReceivers start() throws Exception { return new AlertReceivers(); }

        int hl7Port() { return hl7Port; }

        String webhookUrl() { return "http://127.0.0.1:" + http.getAddress().getPort() + "/alert"; }

        Instant awaitHl7(Instant deadline) throws InterruptedException {
            while (hl7At == null && Instant.now().isBefore(deadline)) Thread.sleep(20);
            return hl7At;
        }

        Instant awaitWebhook(Instant deadline) throws InterruptedException {
            while (webhookAt == null && Instant.now().isBefore(deadline)) Thread.sleep(20);
            return webhookAt;
        }

        @Override
        public void close() throws Exception {
            http.stop(0);
            hl7.stopAndWait();
            hapi.close();
        }
    }

    private static double seconds(Instant a, Instant b) { return (b.toEpochMilli() - a.toEpochMilli()) / 1e3; }
}
