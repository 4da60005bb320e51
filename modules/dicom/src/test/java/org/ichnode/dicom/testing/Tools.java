package org.ichnode.dicom.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real peer tools (DCMTK, dicom3tools) and finds the shared real CT data. */
public final class Tools {
    private Tools() {}

    public record Result(int exitCode, String output) {}

    public static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, 120);
    }

    public static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        requireTool(command.get(0));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("TCP_NODELAY", "1"); // Debian's DCMTK leaves Nagle on otherwise
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command.get(0) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    public static void requireTool(String tool) {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) { found = true; break; }
        }
        Assumptions.assumeTrue(found, tool + " is not installed (scripts/setup.sh installs it): skipping");
    }

    /** ../shared/data/real-ct/NAME, or a skip with a clear message when the shared data is absent. */
    public static Path realCt(String name) {
        String shared = System.getProperty("ichnode.shared.dir", "../../../shared");
        Path dir = Path.of(shared, "data", "real-ct", name).toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isDirectory(dir), "real CT data not found at " + dir + ": skipping");
        return dir;
    }

    /** ../shared/data/ct-ich (the public CT-ICH set), or a skip with a clear message when it is absent. */
    public static Path ctIch() {
        String shared = System.getProperty("ichnode.shared.dir", "../../../shared");
        Path dir = Path.of(shared, "data", "ct-ich").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("hemorrhage_diagnosis.csv")),
                "CT-ICH data not found at " + dir + ": skipping");
        return dir;
    }

    public static List<Path> files(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            List<Path> files = new ArrayList<>(s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("LICENSE")
                    && !p.getFileName().toString().endsWith(".md")).sorted().toList());
            return files;
        }
    }
}
