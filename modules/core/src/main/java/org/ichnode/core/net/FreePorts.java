package org.ichnode.core.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A TCP port that nothing listens on, for a listener started a moment later (tests, benches, the demo's peers).
 *
 * <p>Ports come from below the kernel's ephemeral range (Linux: 32768-60999), never from {@code new ServerSocket(0)}:
 * a port from the ephemeral range can be taken by any outgoing connection between the check and the listener's bind
 * (CI saw "Port already in use" that way). Within one JVM no port is handed out twice.
 */
public final class FreePorts {
    static final int LOW = 20000, HIGH = 32000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {}

    /** A port in [{@value #LOW}, {@value #HIGH}) that could be bound on every interface just now. */
    public static int pick() {
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
            if (!HANDED_OUT.add(port)) continue;
            try (ServerSocket ignored = new ServerSocket(port)) {
                return port;
            } catch (IOException taken) {
                // someone listens there: try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port in [" + LOW + ", " + HIGH + ") after 500 tries"));
    }
}
