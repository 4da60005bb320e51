package org.ichnode.app.node;

import org.ichnode.dicom.testing.Tools;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real Orthanc (Debian package) on loopback as the PACS: its own storage folder, a Lua rule that forwards
 * stable head CT series to ich-node, and its REST API for the checks.
 */
final class OrthancProcess implements AutoCloseable {
    static final String AET = "ORTHANC";
    private static final Path BINARY = Path.of("/usr/sbin/Orthanc");

    private final Process process;
    final int dicomPort;
    final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private OrthancProcess(Process process, int dicomPort, int httpPort) {
        this.process = process;
        this.dicomPort = dicomPort;
        this.httpPort = httpPort;
    }

    /** Starts Orthanc routing stable head CT series to the node at nodeAet@127.0.0.1:nodePort. */
    static OrthancProcess start(Path dir, String nodeAet, int nodePort) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(BINARY), "Orthanc is not installed (scripts/setup.sh installs it in test mode): skipping");
        Files.createDirectories(dir.resolve("db"));
        Path lua = dir.resolve("route.lua");
        Files.copy(Path.of(System.getProperty("ichnode.root.dir", "../..")).resolve("conf/route-head-ct.lua"), lua);
        int dicomPort = NodeProcess.freePort();
        int httpPort = NodeProcess.freePort();
        String config = """
                {
                  "Name": "PACS", "StorageDirectory": "%s", "IndexDirectory": "%s",
                  "DicomAet": "%s", "DicomPort": %d, "HttpPort": %d, "RemoteAccessAllowed": false,
                  "AuthenticationEnabled": false, "StableAge": 2, "DicomCheckCalledAet": true,
                  "DicomModalities": { "ichnode": ["%s", "127.0.0.1", %d] },
                  "LuaScripts": ["%s"], "Plugins": []
                }""".formatted(dir.resolve("db"), dir.resolve("db"), AET, dicomPort, httpPort, nodeAet, nodePort, lua);
        Path cfg = dir.resolve("orthanc.json");
        Files.writeString(cfg, config);
        ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), cfg.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("orthanc.log").toFile());
        pb.environment().put("TCP_NODELAY", "1");
        OrthancProcess o = new OrthancProcess(pb.start(), dicomPort, httpPort);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                if (o.get("/system").contains("\"DicomAet\"")) return o;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        o.close();
        throw new IllegalStateException("Orthanc did not start; see " + dir.resolve("orthanc.log"));
    }

    String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) throw new IOException("GET " + path + " -> " + r.statusCode());
        return r.body();
    }

    byte[] getBytes(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() / 100 != 2) throw new IOException("GET " + path + " -> " + r.statusCode());
        return r.body();
    }

    String post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) throw new IOException("POST " + path + " -> " + r.statusCode() + " " + r.body());
        return r.body();
    }

    /** storescu into Orthanc. */
    Tools.Result store(java.util.List<Path> files) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("storescu", "-aet", "MODALITY", "-aec", AET, "127.0.0.1", String.valueOf(dicomPort)));
        files.forEach(f -> cmd.add(f.toString()));
        return Tools.run(cmd);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
}
