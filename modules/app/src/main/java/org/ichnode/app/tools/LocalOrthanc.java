package org.ichnode.app.tools;

import org.ichnode.core.net.FreePorts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Orthanc (Debian package) on loopback as the PACS, for the demo, the e2e benchmark and the tests: its own
 * storage folder, the Lua rule from conf/route-head-ct.lua forwarding stable head CT series to ich-node, and a few
 * REST calls to see what came back.
 */
public final class LocalOrthanc implements AutoCloseable {
    public static final String AET = "ORTHANC";
    private static final Path BINARY = Path.of("/usr/sbin/Orthanc");
    /** The routing rule shipped in conf/, so the tests and the demo prove the example a site would use. */
    private static Path routingRule() throws IOException {
        String home = System.getProperty("ichnode.home", System.getProperty("ichnode.root.dir", "."));
        Path rule = Path.of(home, "conf", "route-head-ct.lua");
        if (!Files.isRegularFile(rule)) throw new IOException("routing rule not found: " + rule.toAbsolutePath());
        return rule;
    }

    private final Process process;
    private final int dicomPort;
    private final int httpPort;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LocalOrthanc(Process process, int dicomPort, int httpPort) {
        this.process = process;
        this.dicomPort = dicomPort;
        this.httpPort = httpPort;
    }

    public static boolean installed() { return Files.isExecutable(BINARY); }

    /** Starts Orthanc routing stable head CT series to the node at nodeAet@127.0.0.1:nodePort. */
    public static LocalOrthanc start(Path dir, String nodeAet, int nodePort, int stableAgeSeconds) throws IOException, InterruptedException {
        if (!installed()) throw new IOException("Orthanc is not installed (apt-get install orthanc)");
        Files.createDirectories(dir.resolve("db"));
        Path lua = Files.copy(routingRule(), dir.resolve("route-head-ct.lua"));
        int dicomPort = FreePorts.pick();
        int httpPort = FreePorts.pick();
        ObjectNode config = JSON.createObjectNode().put("Name", "PACS").put("StorageDirectory", dir.resolve("db").toString())
                .put("IndexDirectory", dir.resolve("db").toString()).put("DicomAet", AET).put("DicomPort", dicomPort)
                .put("HttpPort", httpPort).put("RemoteAccessAllowed", false).put("AuthenticationEnabled", false)
                .put("StableAge", stableAgeSeconds).put("DicomCheckCalledAet", true);
        config.putObject("DicomModalities").putArray("ichnode").add(nodeAet).add("127.0.0.1").add(nodePort);
        config.putArray("LuaScripts").add(lua.toString());
        config.putArray("Plugins");
        Path cfg = Files.writeString(dir.resolve("orthanc.json"), config.toPrettyString());
        ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), cfg.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("orthanc.log").toFile());
        pb.environment().put("TCP_NODELAY", "1");
        LocalOrthanc o = new LocalOrthanc(pb.start(), dicomPort, httpPort);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                if (JSON.readTree(o.get("/system")).has("DicomAet")) return o;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        o.close();
        throw new IOException("Orthanc did not start; see " + dir.resolve("orthanc.log"));
    }

    public int dicomPort() { return dicomPort; }

    public int httpPort() { return httpPort; }

    public String get(String path) throws IOException, InterruptedException {
        return new String(getBytes(path), StandardCharsets.UTF_8);
    }

    public byte[] getBytes(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() / 100 != 2) throw new IOException("GET " + path + " -> " + r.statusCode());
        return r.body();
    }

    public String post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) throw new IOException("POST " + path + " -> " + r.statusCode() + " " + r.body());
        return r.body();
    }

    /** Orthanc series ids of a study, grouped by modality (empty when the study is not there). */
    public Map<String, List<String>> seriesByModality(String studyInstanceUid) throws IOException, InterruptedException {
        ObjectNode query = JSON.createObjectNode().put("Level", "Study");
        query.putObject("Query").put("StudyInstanceUID", studyInstanceUid);
        JsonNode found = JSON.readTree(post("/tools/find", query.toString()));
        Map<String, List<String>> out = new HashMap<>();
        if (found.isEmpty()) return out;
        for (JsonNode series : JSON.readTree(get("/studies/" + found.get(0).asText() + "/series"))) {
            out.computeIfAbsent(series.path("MainDicomTags").path("Modality").asText(), k -> new ArrayList<>()).add(series.path("ID").asText());
        }
        return out;
    }

    /** The Part 10 bytes of the first instance of an Orthanc series. */
    public byte[] firstInstanceFile(String seriesId) throws IOException, InterruptedException {
        JsonNode instances = JSON.readTree(get("/series/" + seriesId + "/instances"));
        if (instances.isEmpty()) throw new IOException("series " + seriesId + " has no instance");
        return getBytes("/instances/" + instances.get(0).path("ID").asText() + "/file");
    }

    /** Sends files to Orthanc with DCMTK storescu (TCP_NODELAY). Returns storescu's exit code. */
    public int storescu(List<Path> files) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("storescu", "-aet", "MODALITY", "-aec", AET, "127.0.0.1", String.valueOf(dicomPort)));
        files.forEach(f -> cmd.add(f.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TCP_NODELAY", "1");
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }

    /** Waits until a peer process started here accepts connections on {@code port} (loopback). */
    public static void awaitPort(int port, Process peer, java.time.Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                if (!peer.isAlive()) throw new IOException("the peer process ended (exit " + peer.exitValue() + ") before listening on " + port);
                if (System.nanoTime() > deadline) throw new IOException("nothing listens on port " + port + " after " + timeout.toSeconds() + " s");
                Thread.sleep(50);
            }
        }
    }
}
