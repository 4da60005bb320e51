package org.ichnode.app.cli;

import org.ichnode.app.tools.LocalArchive;
import org.ichnode.app.tools.LocalOrthanc;
import org.ichnode.core.net.FreePorts;
import org.ichnode.dicom.spool.DicomSpool;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.store.Database;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./ichnode bench faults [--kills 100] [--series 30] [--slices 16] [--seed 1]}: a node (child process, embedded
 * defaults in a folder of its own, the HU baseline segmenter) killed with SIGKILL at random moments while DCMTK storescu
 * keeps sending phantom series and the node segments them and delivers SEG, SR and overlays to a DCMTK dcmqrscp "PACS"
 * (C-STORE into its own database, C-FIND on it; every C-STORE it answers with Success is counted from its log). After the
 * last kill the node runs until everything is processed and delivered, then stops, and the books are checked: every
 * instance acknowledged with Success is recorded with an intact file; every series has exactly one result; every result
 * object reached the PACS exactly once. Each delivery is recorded as its C-STORE response arrives, and an object tried
 * before is looked up at the PACS (C-FIND) before it is sent again, so a kill between the PACS's store and the node's
 * record of it does not make a second copy. Last line {@code faults_kills=N lost_acknowledged=L duplicate_deliveries=D ...}.
 */
public final class BenchFaultsCommand {
    private static final Pattern SENT = Pattern.compile("Sending Store Request \\(MsgID (\\d+)");
    private static final Pattern RESPONSE = Pattern.compile("Received Store Response \\(([^)]*)\\)");
    private static final Pattern GAUGE = Pattern.compile("^ichnode_(series|jobs|deliveries)\\{state=\"([a-z_]+)\".*\\} ([0-9.eE+-]+)$", Pattern.MULTILINE);

    public int run(Args args) throws Exception {
        int kills = args.intOption("--kills", 100);
        int seriesCount = args.intOption("--series", 30);
        int slices = args.intOption("--slices", 16);
        long seed = args.intOption("--seed", 1);
        args.requireNoneLeft();
        if (slices < 16) throw new IllegalArgumentException("--slices must be at least 16: shorter series are ignored by the node (selection.minSlices)");
        Path work = Files.createTempDirectory("ichnode-faults-");
        Random random = new Random(seed);
        List<List<Path>> series = org.ichnode.training.data.PhantomStudies.dicomSeries(work, seriesCount, 7000, slices);
        System.out.printf("bench faults: %d kills, %d series of %d slices, in %s%n", kills, seriesCount, slices, work);
        Path pacsDir = Files.createDirectories(work.resolve("pacs"));
        int pacsPort = FreePorts.pick();
        LocalArchive pacs = LocalArchive.start(pacsDir, pacsPort);
        String dbUrl = "jdbc:h2:file:" + work.resolve("node/db/ichnode");
        int dicomPort = FreePorts.pick();
        List<String> settings = List.of("db.url=" + dbUrl, "storage.dir=" + work.resolve("node/storage"), "dicom.port=" + dicomPort,
                "hl7.port=0", "storage.minFreeMb=0", "retrain.enabled=false", "model.dir=baseline", "series.stableSeconds=600",
                "dicom.peers=PACS@127.0.0.1:" + pacsPort, "delivery.destinations=PACS", "delivery.backoffSeconds=1", "delivery.threads=1",
                "worker.leaseSeconds=30");
        Sender sender = new Sender(series, dicomPort, work, random.nextLong());
        Map<String, Integer> phases = new TreeMap<>();
        long t0 = System.nanoTime();
        try {
            sender.start();
            for (int k = 1; k <= kills; k++) {
                ChildNode node = ChildNode.start(work, settings);
                long delay = 300 + random.nextInt(7000);
                Thread.sleep(delay);
                String phase = phase(node.metrics());
                phases.merge(phase, 1, Integer::sum);
                node.kill9();
                if (k % 10 == 0 || k == kills)
                    System.out.printf("bench faults: %d/%d kills (%s), %d of %d instances acknowledged, %.0f s%n", k, kills, phases,
                            sender.acknowledged.size(), seriesCount * slices, (System.nanoTime() - t0) / 1e9);
            }
            ChildNode node = ChildNode.start(work, settings);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
            boolean drained = false;
            while (System.nanoTime() < deadline) {
                if (sender.done() && drained(node.metrics(), seriesCount)) {
                    drained = true;
                    break;
                }
                Thread.sleep(1000);
            }
            node.stop();
            if (!drained) System.out.println("bench faults: not everything was processed and delivered within 15 minutes after the last kill");
        } finally {
            sender.stop();
            pacs.close();
        }

        int lost = 0;
        int notOnce = 0, undelivered = 0, missing = 0;
        Map<String, Integer> received = pacs.storedCopies();
        int duplicates = received.values().stream().mapToInt(n -> n - 1).sum();
        int maxCopies = received.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        try (Database db = Database.open(dbUrl); Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            Map<String, String[]> recorded = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT sop_instance_uid, file_path, sha256 FROM instance")) {
                while (rs.next()) recorded.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)});
            }
            for (String uid : sender.acknowledged) {
                String[] row = recorded.get(uid);
                if (row == null || !Files.isRegularFile(Path.of(row[0]))) lost++;
                else if (!row[0].contains("/slots/") && !DicomSpool.sha256Of(Path.of(row[0])).equals(row[1])) lost++;
            }
            try (ResultSet rs = st.executeQuery("SELECT s.id, COUNT(r.id) FROM series s LEFT JOIN result r ON r.series_id = s.id GROUP BY s.id")) {
                int n = 0;
                while (rs.next()) {
                    n++;
                    if (rs.getInt(2) != 1) notOnce++;
                }
                notOnce += Math.max(0, seriesCount - n);
            }
            try (ResultSet rs = st.executeQuery("SELECT sop_instance_uid, state FROM delivery")) {
                while (rs.next()) {
                    if (!rs.getString(2).equals("delivered")) undelivered++;
                    if (!received.containsKey(rs.getString(1))) missing++;
                }
            }
        }
        System.out.printf("bench faults: kills by what the node was doing (from its metrics just before): %s; %.0f s in all%n", phases,
                (System.nanoTime() - t0) / 1e9);
        System.out.printf("faults_kills=%d lost_acknowledged=%d duplicate_deliveries=%d acknowledged=%d series_not_processed_once=%d "
                        + "deliveries_not_delivered=%d result_objects_missing_at_pacs=%d max_copies_of_one_object=%d%n",
                kills, lost, duplicates, sender.acknowledged.size(), notOnce, undelivered, missing, maxCopies);
        return lost == 0 && duplicates == 0 && notOnce == 0 && undelivered == 0 && missing == 0 ? 0 : 1;
    }

    /** What the node was busy with, by its own gauges: delivering, processing, receiving, or idle. */
    static String phase(Map<String, Double> m) {
        if (m.isEmpty()) return "starting";
        if (m.getOrDefault("deliveries.pending", 0.0) > 0) return "delivering";
        if (m.getOrDefault("jobs.running", 0.0) + m.getOrDefault("jobs.queued", 0.0) > 0) return "processing";
        if (m.getOrDefault("series.receiving", 0.0) > 0) return "receiving";
        return "idle";
    }

    private static boolean drained(Map<String, Double> m, int seriesCount) {
        double finished = m.getOrDefault("series.done", 0.0) + m.getOrDefault("series.failed", 0.0) + m.getOrDefault("series.ignored", 0.0);
        return finished >= seriesCount && m.getOrDefault("deliveries.pending", 0.0) == 0 && m.getOrDefault("jobs.running", 0.0) == 0
                && m.getOrDefault("jobs.queued", 0.0) == 0;
    }

    /** {@code ichnode serve} as a child process on the same class path, its output appended to node.log. */
    private record ChildNode(Process process, int httpPort) {
        static ChildNode start(Path work, List<String> settings) throws Exception {
            int httpPort = FreePorts.pick();
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"), "org.ichnode.app.Main", "serve"));
            for (String s : settings) cmd.addAll(List.of("--set", s));
            cmd.addAll(List.of("--set", "http.port=" + httpPort));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("node.log").toFile())).start();
            ChildNode node = new ChildNode(p, httpPort);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (node.metrics().isEmpty()) {
                if (!p.isAlive()) throw new IllegalStateException("the node exited with " + p.exitValue() + ", see " + work.resolve("node.log"));
                if (System.nanoTime() > deadline) throw new IllegalStateException("the node did not start in 120 s, see " + work.resolve("node.log"));
                Thread.sleep(200);
            }
            return node;
        }

        /** The node's queue gauges as "series.done" -> 3.0; empty while it does not answer. */
        Map<String, Double> metrics() {
            try {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) return Map.of();
                Map<String, Double> m = new HashMap<>();
                Matcher g = GAUGE.matcher(r.body());
                while (g.find()) m.put(g.group(1) + "." + g.group(2), Double.parseDouble(g.group(3)));
                m.putIfAbsent("up", 1.0);
                return m;
            } catch (IOException e) {
                return Map.of();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Map.of();
            }
        }

        void kill9() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }

    /**
     * Sends every series with storescu, one after another with pauses, each until all its instances are acknowledged:
     * an association cut by a kill is tried again with the instances not yet acknowledged (a lost response means the
     * instance is sent again, as a modality would).
     */
    private static final class Sender {
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        private final List<List<Path>> series;
        private final int port;
        private final Path work;
        private final Random random;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicBoolean finished = new AtomicBoolean();
        private final Thread thread;

        Sender(List<List<Path>> series, int port, Path work, long seed) {
            this.series = series;
            this.port = port;
            this.work = work;
            this.random = new Random(seed);
            this.thread = new Thread(this::loop, "faults-sender");
            thread.setDaemon(true);
        }

        void start() { thread.start(); }

        boolean done() { return finished.get(); }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(60_000);
        }

        private void loop() {
            try {
                int attempt = 0;
                for (List<Path> files : series) {
                    List<Path> left = new ArrayList<>(files);
                    while (!left.isEmpty() && !stop.get()) {
                        List<String> cmd = new ArrayList<>(List.of("storescu", "-v", "-aet", "MODALITY", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(port)));
                        left.forEach(f -> cmd.add(f.toString()));
                        Path log = work.resolve("storescu-" + (attempt++) + ".log");
                        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
                        pb.environment().put("TCP_NODELAY", "1");
                        Process p = pb.start();
                        if (!p.waitFor(120, TimeUnit.SECONDS)) p.destroyForcibly();
                        String out = Files.readString(log);
                        Matcher sent = SENT.matcher(out), response = RESPONSE.matcher(out);
                        List<String> statuses = new ArrayList<>();
                        while (response.find()) statuses.add(response.group(1));
                        List<Path> stillLeft = new ArrayList<>(left);
                        int n = 0;
                        while (sent.find()) {
                            if (n < statuses.size() && statuses.get(n).startsWith("Success")) {
                                Path f = left.get(Integer.parseInt(sent.group(1)) - 1);
                                acknowledged.add(InstanceHeader.read(f).sopInstanceUid());
                                stillLeft.remove(f);
                            }
                            n++;
                        }
                        left = stillLeft;
                        if (!left.isEmpty()) Thread.sleep(500);
                    }
                    Thread.sleep(random.nextInt(10_000)); // series arrive spread over the kills
                }
                finished.set(!stop.get());
            } catch (Exception e) {
                System.out.println("bench faults: the sender stopped: " + e);
            }
        }
    }
}
