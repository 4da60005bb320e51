package org.ichnode.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.dicom.spool.HostileObjects;
import org.ichnode.dicom.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A poisoned file in the spool (an element claiming 2 GB: reading it at start-up ended the JVM, at every start) is
 * moved to spool/quarantine with its reason; the node starts, stores a real series, and the next start is clean.
 */
class QuarantineTest {
    @TempDir Path tmp;

    @Test
    void aPoisonedSpoolFileIsQuarantinedAtStartUpAndTheNodeServes() throws Exception {
        Path storage = tmp.resolve("storage");
        Path poisoned = HostileObjects.ct("1.2.826.0.1.3680043.8.498.30").lyingElement(0x0029, 0x1010, "UN", 0x7FFFFFF0L, 16)
                .writePart10(storage.resolve("spool/instances/ab/1.2.826.0.1.3680043.8.498.30.dcm"), "1.2.826.0.1.3680043.8.498.30");
        List<String> set = List.of("db.url=jdbc:h2:file:" + tmp.resolve("db"), "storage.dir=" + storage, "dicom.port=" + FreePorts.pick(),
                "http.port=0", "hl7.port=0", "series.stableSeconds=1", "storage.minFreeMb=0");
        try (IchNode node = new IchNode(Settings.load(null, Map.of(), set)).start()) {
            assertFalse(Files.exists(poisoned), "moved out of the spool");
            Path quarantine = storage.resolve("spool/quarantine");
            List<Path> q;
            try (Stream<Path> s = Files.list(quarantine)) { q = s.sorted().toList(); }
            assertEquals(2, q.size(), q.toString());
            String reason = Files.readString(q.stream().filter(p -> p.toString().endsWith(".reason.txt")).findFirst().orElseThrow());
            assertTrue(reason.contains("claims 2147483632 bytes"), reason);
            List<Path> files = Tools.files(Tools.realCt("philips-head-phantom-5mm")).subList(0, 3);
            var r = CrashRecoveryTest.send(node.dicomPort(), files);
            assertEquals(0, r.exitCode(), r.output());
        }
        try (IchNode again = new IchNode(Settings.load(null, Map.of(), set)).start();
             Stream<Path> s = Files.list(storage.resolve("spool/quarantine"))) {
            assertEquals(2, s.count(), "nothing new to quarantine at the next start");
        }
    }
}
