package org.ichnode.app.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bench faults} in small: a real node process killed with SIGKILL three times while DCMTK sends, the node segments
 * and delivers to DCMTK storescp; nothing acknowledged lost, each series processed once, each result object delivered
 * once (the 100-kill run is the command, figures in docs/operations.md).
 */
class BenchFaultsCommandTest {
    @Test
    void killedNodeLosesNothingAndDeliversEachObjectOnce() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = new BenchFaultsCommand().run(new Args(List.of("--kills", "3", "--series", "2", "--slices", "16", "--seed", "5")));
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        List<String> lines = out.lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("faults_kills=3 lost_acknowledged=0 duplicate_deliveries=0 acknowledged=32 series_not_processed_once=0 "
                + "deliveries_not_delivered=0 result_objects_missing_at_pacs=0"), out);
        assertEquals(0, code, out);
    }
}
