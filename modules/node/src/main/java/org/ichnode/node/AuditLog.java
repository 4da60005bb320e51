package org.ichnode.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;

/**
 * The audit trail, apart from the application log: one JSON object per line ({@code at}, {@code node}, {@code action},
 * {@code actor}, then the details) appended to {@code <storage.dir>/audit/<node.id>.jsonl} and forced to disk before
 * the call returns. Nothing ever rewrites or truncates it. Details name UIDs, AE titles, destinations and model
 * versions; never a patient name, patient ID or accession number.
 *
 * <p>Actions: {@code series.complete}, {@code result.recorded}, {@code results.sent}, {@code alert.delivered},
 * {@code alert.failed}, {@code model.in_service}, {@code model.activated}, {@code http.post} (every state-changing
 * request with the caller's address).
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

    private final FileChannel out;
    private final String nodeId;
    private final Path file;

    public AuditLog(Path storage, String nodeId) throws IOException {
        Path dir = Files.createDirectories(storage.resolve("audit"));
        this.file = dir.resolve(nodeId.replaceAll("[^A-Za-z0-9._-]", "_") + ".jsonl");
        this.out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        this.nodeId = nodeId;
    }

    public Path file() { return file; }

    /** Appends one event. An audit write that fails is an error in the application log; the work it records goes on. */
    public void record(String action, String actor, Map<String, ?> details) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("at", Instant.now().toString());
        n.put("node", nodeId);
        n.put("action", action);
        n.put("actor", actor);
        new java.util.TreeMap<String, Object>(details).forEach((k, v) -> n.set(k, Json.MAPPER.valueToTree(v))); // sorted: the same event, the same line
        byte[] line = (n + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            try {
                ByteBuffer b = ByteBuffer.wrap(line);
                while (b.hasRemaining()) out.write(b);
                out.force(false);
            } catch (IOException e) {
                log.error("audit event {} not written to {}: {}", action, file, e.toString());
            }
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            log.warn("closing the audit log: {}", e.toString());
        }
    }
}
