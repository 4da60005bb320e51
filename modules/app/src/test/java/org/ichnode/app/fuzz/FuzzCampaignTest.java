package org.ichnode.app.fuzz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A few thousand fuzz cases per protocol against a real node over real sockets (the 10,000-case runs are
 * {@code ./ichnode fuzz dicom|hl7 --cases 10000}, figures in docs/security.md).
 */
class FuzzCampaignTest {
    @TempDir Path tmp;

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void dicomNodeSurvivesMutatedTraffic() throws Exception {
        FuzzCampaign.Result r = FuzzCampaign.run(FuzzCampaign.Protocol.DICOM, 1500, 11, 500, tmp, QUIET);
        Map<String, Map<String, Integer>> kinds = r.tally().byKind();
        String report = r.lastLine() + "\n" + kinds + "\n" + r.healthFailures() + "\n" + r.stackTraces();
        assertTrue(r.passed(), report);
        assertEquals(3, r.healthChecks(), report);
        // every kind was tried, and the cases that must fail did reach the node's checks (a status, not only a closed socket)
        for (DicomFuzzer.Kind k : DicomFuzzer.Kind.values()) assertTrue(kinds.containsKey(k.name()), k + " never ran: " + report);
        assertTrue(kinds.get("DATASET_TRUNCATED").getOrDefault("refused_status", 0) > 0, report);
        assertTrue(kinds.get("PIXEL_MISMATCH").getOrDefault("refused_status", 0) > 0, report);
        assertTrue(kinds.get("DEEP_SEQUENCE").getOrDefault("refused_status", 0) > 0, report);
        // some random header mutations still make valid instances: the fuzzer's stores are real stores
        assertTrue(kinds.get("DATASET_MUTANT").getOrDefault("stored", 0) > 0, report);
        // a slow association request is cut by the ARTIM timer (20 s), never trickled to its end
        assertTrue(r.slowSenders().cases() >= 2, report);
        assertEquals(r.slowSenders().total("cut_by_node"), r.slowSenders().cases(), report + "\n" + r.slowSenders().byKind());
    }

    @Test
    void hl7ListenerSurvivesMutatedTraffic() throws Exception {
        FuzzCampaign.Result r = FuzzCampaign.run(FuzzCampaign.Protocol.HL7, 1000, 12, 500, tmp, QUIET);
        Map<String, Map<String, Integer>> kinds = r.tally().byKind();
        String report = r.lastLine() + "\n" + kinds + "\n" + r.healthFailures() + "\n" + r.stackTraces();
        assertTrue(r.passed(), report);
        for (Hl7Fuzzer.Kind k : Hl7Fuzzer.Kind.values()) assertTrue(kinds.containsKey(k.name()), k + " never ran: " + report);
        assertEquals(Map.of("closed", kinds.get("OVERSIZE").values().stream().mapToInt(Integer::intValue).sum()), kinds.get("OVERSIZE"), report);
        assertTrue(r.tally().total("ack_AE") > 0, report);
        assertTrue(kinds.get("PIPELINED").keySet().stream().anyMatch(k -> k.contains("AA")), report);
    }
}
