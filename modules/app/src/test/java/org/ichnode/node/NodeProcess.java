package org.ichnode.node;

import org.ichnode.core.net.FreePorts;
import org.ichnode.dicom.testing.Tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code ichnode serve} as a real child process (same classpath), for kill -9 and multi-node tests. */
public final class NodeProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    public final int dicomPort;

    private NodeProcess(Process process, Path log, int dicomPort) {
        this.process = process;
        this.log = log;
        this.dicomPort = dicomPort;
    }

    public static NodeProcess start(Path log, String dbUrl, Path storage, String nodeId, String... extraSettings) throws Exception {
        return start(List.of("org.ichnode.app.Main", "serve"), log, dbUrl, storage, nodeId, extraSettings);
    }

    /** @param launcher main class and its first arguments, e.g. a test main that serves with a test trainer */
    public static NodeProcess start(List<String> launcher, Path log, String dbUrl, Path storage, String nodeId, String... extraSettings)
            throws Exception {
        int port = FreePorts.pick();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(launcher);
        cmd.addAll(List.of("--set", "db.url=" + dbUrl, "--set", "storage.dir=" + storage, "--set", "dicom.port=" + port,
                "--set", "http.port=0", "--set", "hl7.port=0", "--set", "node.id=" + nodeId, "--set", "storage.minFreeMb=0"));
        for (String s : extraSettings) {
            cmd.add("--set");
            cmd.add(s);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        NodeProcess node = new NodeProcess(p, log, port);
        node.awaitEcho();
        return node;
    }

    private void awaitEcho() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("node exited with " + process.exitValue() + ":\n" + log());
            if (Tools.run(List.of("echoscu", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(dicomPort)), 10).exitCode() == 0) return;
            Thread.sleep(200);
        }
        throw new IllegalStateException("node did not answer C-ECHO in 90 s:\n" + log());
    }

    /** SIGKILL: no shutdown hook, no clean close. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public String log() throws IOException { return Files.readString(log, StandardCharsets.UTF_8); }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
}
