package org.ichnode.node.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The shipped logback.xml escapes control characters in every message: a peer cannot forge a log line. */
class EscapedMessageConverterTest {
    @Test
    void escapesControlCharactersOnly() {
        assertEquals("AE\\nFORGED INFO line\\r\\t\\x00\\x1B[31m", EscapedMessageConverter.escape("AE\nFORGED INFO line\r\t\0\u001b[31m"));
        String plain = "assoc #3 CT_SCANNER from 10.0.0.7:4100 Müller 1.2.840.10008";
        assertSame(plain, EscapedMessageConverter.escape(plain));
    }

    @Test
    void shippedConfigurationUsesIt() throws Exception {
        URL shipped = Path.of("src/main/resources/logback.xml").toUri().toURL();
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(ctx);
            configurator.doConfigure(shipped);
            ctx.getLogger("probe").warn("calling AE {} refused", "EVIL\n2026-12-06T00:00:00Z INFO  [main] Admin - login ok");
            ctx.stop();
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.lines().count(), out + ctx.getStatusManager().getCopyOfStatusList());
        assertTrue(out.contains("EVIL\\n2026-12-06T00:00:00Z INFO"), out);
    }
}
