package org.ichnode.app.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DCMTK dcmqrscp on loopback as a PACS that answers C-STORE and C-FIND (its own database), for the fault benchmark and
 * the delivery tests: AE title {@value #AET}, any caller, a child process per association, all logging verbosely to
 * one file, from which {@link #storedCopies()} counts every C-STORE it answered with Success (a second copy of an
 * object replaces the first in its database, so only its log shows duplicates).
 */
public final class LocalArchive implements AutoCloseable {
    public static final String AET = "PACS";
    private static final Pattern OUTGOING = Pattern.compile("OUTGOING DIMSE MESSAGE =+\\R(.*?)END DIMSE MESSAGE", Pattern.DOTALL);
    private static final Pattern STORE_SUCCESS = Pattern.compile(
            "(?s)Message Type\\s+: C-STORE RSP.*Affected SOP Instance UID\\s+: ([0-9.]+).*DIMSE Status\\s+: 0x0000");

    private final Process process;
    private final Path log;

    private LocalArchive(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Where the archive keeps its objects and index under {@code dir} (DCMTK's dcmqridx can add files to it). */
    public static Path databaseDir(Path dir) { return dir.resolve("db"); }

    /** Starts dcmqrscp with its configuration, database and log ({@code dcmqrscp.log}) in {@code dir}. */
    public static LocalArchive start(Path dir, int port) throws IOException, InterruptedException {
        Path db = Files.createDirectories(databaseDir(dir));
        Path cfg = dir.resolve("dcmqrscp.cfg");
        Files.writeString(cfg, "NetworkTCPPort = " + port + "\nMaxPDUSize = 65536\nMaxAssociations = 16\n"
                + "HostTable BEGIN\nHostTable END\nVendorTable BEGIN\nVendorTable END\n"
                + "AETable BEGIN\n" + AET + " " + db + " RW (500, 1024mb) ANY\nAETable END\n");
        Path log = dir.resolve("dcmqrscp.log");
        Process p = new ProcessBuilder("dcmqrscp", "-v", "-c", cfg.toString(), String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            LocalOrthanc.awaitPort(port, p, Duration.ofSeconds(10));
        } catch (IOException e) {
            p.destroyForcibly();
            throw new IOException("dcmqrscp did not start: " + e.getMessage() + "; its log: " + Files.readString(log), e);
        }
        return new LocalArchive(p, log);
    }

    public String log() throws IOException { return Files.readString(log); }

    /** SOP Instance UID -> how often the archive answered its C-STORE with Success (each time it stored a copy). */
    public Map<String, Integer> storedCopies() throws IOException {
        Map<String, Integer> stored = new HashMap<>();
        Matcher block = OUTGOING.matcher(log());
        while (block.find()) {
            Matcher m = STORE_SUCCESS.matcher(block.group(1));
            if (m.find()) stored.merge(m.group(1), 1, Integer::sum);
        }
        return stored;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
}
