package org.ichnode.app.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bench faults} in small: a real node process killed with SIGKILL three times while DCMTK sends, the node segments
 * and delivers to DCMTK dcmqrscp; nothing acknowledged lost, each series processed once, each result object delivered
 * exactly once (the 100-kill run is the command, figures in docs/operations.md).
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
        java.util.Map<String, Integer> v = new java.util.HashMap<>();
        for (String kv : last.split(" ")) v.put(kv.substring(0, kv.indexOf('=')), Integer.parseInt(kv.substring(kv.indexOf('=') + 1)));
        assertEquals(3, v.get("faults_kills"), out);
        assertEquals(0, v.get("lost_acknowledged"), out);
        assertEquals(32, v.get("acknowledged"), out);
        assertEquals(0, v.get("series_not_processed_once"), out);
        assertEquals(0, v.get("deliveries_not_delivered"), out);
        assertEquals(0, v.get("result_objects_missing_at_pacs"), out);
        // an object tried before is looked up at the PACS before it is sent again
        assertEquals(0, v.get("duplicate_deliveries"), out);
        assertEquals(1, v.get("max_copies_of_one_object"), out);
        assertEquals(0, code, out);
    }
}
