package org.ichnode.core.net;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {
    @Test
    void portsAreDistinctBindableAndBelowTheEphemeralRange() throws Exception {
        int ephemeralLow = 32768;
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        // readAllLines, not readString: /proc files report size 0 and readString then returns the first byte only
        if (Files.isReadable(range)) ephemeralLow = Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int port = FreePorts.pick();
            assertTrue(seen.add(port), "handed out twice: " + port);
            assertTrue(port < ephemeralLow, port + " lies in the ephemeral range from " + ephemeralLow);
            assertTrue(port >= FreePorts.LOW && port < FreePorts.HIGH, String.valueOf(port));
        }
        int port = FreePorts.pick();
        try (ServerSocket s = new ServerSocket(port)) {
            assertEquals(port, s.getLocalPort());
        }
    }

    @Test
    void aPortSomebodyListensOnIsNeverPicked() throws Exception {
        // hold 500 ports of the range (1 in 24) that FreePorts did not hand out: 300 picks that skipped the bind
        // check would land on one of them with probability 1 - (23/24)^300, above 0.99999
        List<ServerSocket> held = new ArrayList<>();
        Set<Integer> heldPorts = new HashSet<>();
        try {
            for (int port = FreePorts.HIGH - 1; held.size() < 500 && port >= FreePorts.LOW; port -= 24) {
                try {
                    held.add(new ServerSocket(port));
                    heldPorts.add(port);
                } catch (IOException taken) {
                    // already in use: as good for the test
                }
            }
            for (int i = 0; i < 300; i++) {
                int port = FreePorts.pick();
                assertFalse(heldPorts.contains(port), "picked a port somebody listens on: " + port);
            }
        } finally {
            for (ServerSocket s : held) s.close();
        }
    }
}
