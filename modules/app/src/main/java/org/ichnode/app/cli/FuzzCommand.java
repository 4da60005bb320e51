package org.ichnode.app.cli;

import org.ichnode.app.fuzz.FuzzCampaign;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code ./ichnode fuzz dicom|hl7 [--cases N] [--seed S] [--batch B]}: a fuzzing campaign against a node started for it
 * ({@link FuzzCampaign}); prints progress per batch, the outcomes by case kind, and a last line
 * {@code fuzz protocol=... cases=N seed=S hung=0 false_success=0 ... health_failures=0 stack_traces=0 ...}. Exit 0 when
 * the node came through: nothing hung, no false success, healthy after every batch, bounded, no stack trace logged.
 */
public final class FuzzCommand {
    public int run(String protocolName, Args args) throws Exception {
        FuzzCampaign.Protocol protocol = switch (protocolName) {
            case "dicom" -> FuzzCampaign.Protocol.DICOM;
            case "hl7" -> FuzzCampaign.Protocol.HL7;
            default -> throw new IllegalArgumentException("fuzz needs a protocol: dicom or hl7");
        };
        int cases = args.intOption("--cases", 2000);
        long seed = args.intOption("--seed", 1);
        int batch = args.intOption("--batch", 500);
        args.requireNoneLeft();
        if (cases < 1 || batch < 1) throw new IllegalArgumentException("--cases and --batch must be at least 1");
        Path work = Files.createTempDirectory("ichnode-fuzz-");
        System.out.printf("fuzz %s: %d cases, seed %d, health check every %d, node in %s%n", protocolName, cases, seed, batch, work);
        FuzzCampaign.Result r = FuzzCampaign.run(protocol, cases, seed, batch, work, System.out);
        for (Map.Entry<String, Map<String, Integer>> e : r.tally().byKind().entrySet()) System.out.printf("  %-20s %s%n", e.getKey(), e.getValue());
        System.out.printf("  %-20s %s%n", "slow senders", r.slowSenders().byKind().getOrDefault("slow", Map.of()));
        r.healthFailures().forEach(f -> System.out.println("  health check failed " + f));
        r.stackTraces().forEach(t -> System.out.println("  stack trace logged: " + t));
        System.out.println(r.lastLine());
        return r.passed() ? 0 : 1;
    }
}
