package org.ichnode.app.cli;

import org.ichnode.dicom.testing.Tools;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The load run in small: 20 storescu processes at once against a node limited to 4 associations. Some are rejected
 * (A-ASSOCIATE-RJ, none hangs), every acknowledged instance is recorded with an intact file. The full run
 * ({@code ./ichnode bench load}, 50 associations) is in docs/operations.md.
 */
class BenchLoadTest {

    @Test
    void everyAcknowledgedInstanceIsStoredAndTheRestAreRejectedCleanly() throws Exception {
        Tools.requireTool("storescu");
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = new BenchLoadCommand().run(new Args(List.of("--associations", "20", "--max-associations", "4", "--slices", "4")));
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("load_associations=20 acknowledged=(\\d+) stored=(\\d+) rejected_associations=(\\d+) hung=(\\d+) lost=(\\d+)")
                .matcher(printed);
        assertTrue(m.find(), printed);
        assertEquals(0, code, printed);
        int acknowledged = Integer.parseInt(m.group(1)), stored = Integer.parseInt(m.group(2)), rejected = Integer.parseInt(m.group(3));
        assertEquals("0", m.group(4), "no association hangs");
        assertEquals("0", m.group(5), "no acknowledged instance lost");
        assertEquals(acknowledged, stored, "nothing stored that was not acknowledged, nothing acknowledged that was not stored");
        assertTrue(acknowledged >= 4 * 4, "at least the first four associations got through: " + printed);
        assertEquals(0, acknowledged % 4, "whole series: " + printed);
        assertEquals(20 - acknowledged / 4, rejected, "every association either stored its series or was rejected: " + printed);
    }
}
