package org.ichnode.ris.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LabelReportCliTest {

    @Test
    void printsOneJsonLineForTheReportOnStdin() {
        String report = "EXAM: CT HEAD WITHOUT CONTRAST\nHISTORY: r/o bleed\nFINDINGS: Acute left subdural hematoma, 6 mm.\n"
                + "IMPRESSION: Acute left subdural hematoma.\n";
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = LabelReportCli.run(new ByteArrayInputStream(report.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        assertEquals(0, rc);
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("{\"hemorrhage\":\"POSITIVE\",\"subtypes\":[{\"type\":\"SUBDURAL\",\"side\":\"LEFT\"}]"), out);
        assertTrue(out.endsWith("}" + System.lineSeparator()), out);
        assertEquals(1, out.lines().count());
    }

    @Test
    void emptyInputIsAnError() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(2, LabelReportCli.run(new ByteArrayInputStream(new byte[0]), new PrintStream(buf)));
        assertEquals(0, buf.size());
    }
}
