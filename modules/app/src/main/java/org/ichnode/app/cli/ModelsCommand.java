package org.ichnode.app.cli;

import org.ichnode.node.config.Settings;
import org.ichnode.store.Database;
import org.ichnode.store.ModelRegistry;
import org.ichnode.store.ModelVersion;
import org.ichnode.store.TrainingRun;
import org.ichnode.store.TrainingRuns;

import java.io.PrintStream;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code ./ichnode models [--config FILE] [--set k=v]}: model versions and the latest runs;
 * {@code ./ichnode models activate VERSION [--why TEXT]}: make a version active (sign-off of an approved candidate,
 * rollback or roll forward), recorded with the operating-system user and the reason.
 */
public final class ModelsCommand {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final PrintStream out;
    private final PrintStream err;

    public ModelsCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public int run(List<String> argv) {
        String sub = argv.isEmpty() || argv.get(0).startsWith("--") ? "list" : argv.get(0);
        Args args = new Args(sub.equals("list") ? argv : argv.subList(1, argv.size()));
        return switch (sub) {
            case "list" -> {
                Settings settings = NodeDatabase.settings(args);
                args.requireNoneLeft();
                try (Database db = NodeDatabase.open(settings)) {
                    list(new ModelRegistry(db).list(), new TrainingRuns(db).latest(3));
                }
                yield 0;
            }
            case "activate" -> {
                List<String> rest = argv.subList(1, argv.size());
                if (rest.isEmpty() || rest.get(0).startsWith("--")) {
                    err.println("ichnode: models activate needs a version (./ichnode models lists them)");
                    yield 2;
                }
                String version = rest.get(0);
                Args opts = new Args(rest.subList(1, rest.size()));
                String why = opts.option("--why", "activated by hand (./ichnode models activate)");
                Settings settings = NodeDatabase.settings(opts);
                opts.requireNoneLeft();
                try (Database db = NodeDatabase.open(settings)) {
                    ModelVersion v = new ModelRegistry(db).activate(version, why,
                            System.getProperty("user.name", "unknown") + " (command line)");
                    String actor = System.getProperty("user.name", "unknown") + " (command line)";
                    try (var audit = new org.ichnode.node.AuditLog(settings.getPath(org.ichnode.node.config.Keys.STORAGE_DIR).toAbsolutePath(),
                            "cli-" + java.net.InetAddress.getLocalHost().getHostName())) {
                        audit.record("model.activated", actor, java.util.Map.of("version", v.version(), "why", why));
                    } catch (java.io.IOException e) {
                        err.println("ichnode: the activation is done but not in the audit log: " + e.getMessage());
                    }
                    out.println("model version " + v.version() + " is active (" + v.artifactPath() + "); running nodes use it"
                            + " from their next job within 30 s");
                    yield 0;
                } catch (IllegalArgumentException e) {
                    err.println("ichnode: " + e.getMessage() + "; the active model is unchanged");
                    yield 1;
                }
            }
            default -> {
                err.println("ichnode: models knows 'activate VERSION' or no sub-command (list), not '" + sub + "'");
                yield 2;
            }
        };
    }

    private void list(List<ModelVersion> versions, List<TrainingRun> runs) {
        if (versions.isEmpty()) {
            out.println("no model versions yet: serving uses the HU threshold baseline");
        } else {
            out.printf(Locale.ROOT, "%-24s %-9s %-16s %-7s %-8s %s%n", "VERSION", "STATE", "CREATED (UTC)", "DICE", "STUDIES", "METRICS");
            for (ModelVersion v : versions) {
                Double dice = v.metrics().get("dice");
                String others = v.metrics().entrySet().stream().filter(e -> !e.getKey().equals("dice"))
                        .map(e -> e.getKey() + "=" + fmt(e.getValue())).collect(Collectors.joining(" "));
                out.printf(Locale.ROOT, "%-24s %-9s %-16s %-7s %-8s %s%n", v.version(), v.state().dbValue(), TIME.format(v.createdAt()),
                        dice == null ? "-" : fmt(dice), v.datasetStudies() == null ? "-" : v.datasetStudies(), others);
                if (v.decisionReason() != null) out.println("    " + v.decisionReason());
            }
        }
        for (TrainingRun r : runs) {
            out.printf(Locale.ROOT, "run %d %s on %s, started %s%s%s%n", r.id(), r.state().dbValue(), r.nodeId(), TIME.format(r.startedAt()),
                    r.candidateVersion() == null ? "" : ", candidate " + r.candidateVersion(),
                    r.reason() != null ? ": " + r.reason() : r.progress() != null ? ": " + r.progress() : "");
        }
    }

    private static String fmt(Double d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.4f", d);
    }
}
