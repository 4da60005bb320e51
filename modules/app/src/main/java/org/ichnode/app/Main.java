package org.ichnode.app;

import org.ichnode.app.cli.Args;
import org.ichnode.app.cli.BenchE2eCommand;
import org.ichnode.app.cli.BenchIngestCommand;
import org.ichnode.app.cli.DemoCommand;
import org.ichnode.app.cli.ModelsCommand;
import org.ichnode.app.cli.RetrainCommand;
import org.ichnode.app.cli.PhantomCommand;
import org.ichnode.node.config.ConfigException;
import org.ichnode.node.config.Settings;
import org.ichnode.node.IchNode;
import org.ichnode.node.retrain.CandidateTrainer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** {@code ./ichnode <command>}: thin entry point; each command is a small class. */
public final class Main {
    private Main() {}

    static final String HELP = """
            usage: ./ichnode <command> [options]

            commands:
              serve [--config FILE] [--set key=value ...]
                    run the node: DICOM storage SCP, series completion, workers, HTTP status.
                    Every key can also be set as ICHNODE_<KEY> (upper case, dots as underscores).
                    Defaults: embedded H2 database and storage under ./var; docs/configuration.md lists the keys.
              phantom --out DIR [--seed N] [--studies K] [--size PIXELS | --small]
                    write synthetic head CT studies (DICOM) with true hemorrhage masks and labels.
              bench ingest [--runs N] [--slices N]
                    C-STORE throughput of the node vs DCMTK storescp (one and four associations);
                    last line: ingest_ratio_single=X ingest_ratio_parallel4=Y
              bench load [--associations 50] [--max-associations 8] [--slices 16]
                    that many storescu at once, each with its own series, against a node limited to --max-associations;
                    last line: load_associations=N acknowledged=A stored=S rejected_associations=R hung=H lost=L
              bench faults [--kills 100] [--series 30] [--slices 16] [--seed 1]
                    a node killed with SIGKILL at random moments while series arrive, are segmented and delivered to a
                    DCMTK storescp; then drained and checked; last line: faults_kills=N lost_acknowledged=L duplicate_deliveries=D ...
              bench e2e [--slices N] [--stable-age S] [--segmenter baseline|default|DIR]
                    phantom study -> Orthanc -> node -> SEG + SR back in Orthanc, timed and broken down;
                    last line: e2e_seconds_excluding_stable_wait=X
              bench inference [--model DIR] [--slices N] [--runs N] [--threads N]
                    a 512x512 series through the model; last line: inference_seconds=X peak_rss_mb=Y
              train --out DIR [--data phantom:full|phantom:small|FOLDER] [--studies N] [--seed N] [--size S] [--windows hemorrhage|multi]
                    [--neighbours N] [--brain-only|--unet-brain-only] [--rotation DEG] [--zoom Z] [--lr-decay none|cosine] [--pretrained-classifiers DIR] [--labels slice|study] [--pseudo-masks density|density-cam|density-ungated|published] [--classifier-steps N] [--unet-steps N]
                    [--held-out N] [--version V] [--threads N]
                    weakly supervised training (classifiers -> CAM pseudo masks -> U-Net) into a model artifact
              evaluate [--model DIR|default|baseline] [--data ...] [--from N] [--studies N] [--patients 49-60] [--out DIR]
                    Dice, IoU, mIoU, CL/ML/FPL, volume error, study AUC, run time; JSON + Markdown + PNG overlays;
                    on real data without full masks (e.g. ../shared/data/ct-ich): study and slice AUC, sensitivity and
                    specificity of the call, false volume on normals, per subtype, Dice/mIoU on the masked slices
              import --data SET --to-dicom DIR [--patients 49-60]
                    write a data set (CT-ICH as published, a NIfTI set: ct_scans/ or images/ [+ masks/], an imported
                    folder) as DICOM CT series with labels-study.csv / labels-slice.csv, e.g. to send a real case to a node
              demo  the whole loop on this machine with a phantom study that has a known hemorrhage
              models [activate VERSION] [--config FILE] [--set key=value ...]
                    list the model versions (state, created, Dice, dataset size) and the latest retraining runs;
                    activate: make VERSION the active model (rollback / roll forward), in the node's database
              retrain [--wait] [--config FILE] [--set key=value ...]
                    start a retraining run now on one node of the cluster (stored as a Quartz trigger in the
                    database; a running node with retrain.enabled=true runs it); --wait: until it has ended
              label-report
                    read one radiology report on standard input, print its hemorrhage label as JSON
              experiment ablation [--train N] [--test N] [--phantom small|full] [--size S] [--labels slice|study]
                    [--classifier-steps N] [--unet-steps N] [--seed N] [--out DIR]
                    the ablation table (deep Grad-CAM ... dense CRF, weak vs fully supervised U-Net, HU baseline)
                    and the TH sweep (OR / AND) on phantom studies; prints the JSON last
              experiment seeds [--seeds 7,8,9] [--labels slice|study] [--phantom small|full] [--train N] [--test N] [--classifier-steps N]
                    [--unet-steps N] [--out DIR]
                    the goal rows of the ablation (density-prior U-Nets, fully supervised U-Net, HU baseline) once per
                    seed, then mean and standard deviation; last line: seeds_summary ...
              experiment real --data DIR [--folds 5] [--labels slice,study] [--rows default,published,baseline,phantom]
                    [--patients 49-60] [--size S] [--windows hemorrhage|multi] [--neighbours N] [--brain-only|--unet-brain-only]
                    [--rotation DEG] [--zoom Z] [--lr-decay none|cosine] [--pretrained-classifiers DIR] [--classifier-width W] [--classifier-steps N]
                    [--unet-steps N] [--target-sensitivity 0.95] [--run-folds N] [--training-seed N] [--phantom-model DIR] [--keep-models] [--out DIR]
                    patient-wise k-fold cross-validation on a real dataset (e.g. ../shared/data/ct-ich) from
                    image-level labels; last line: real_cv study_auc=... sensitivity=... specificity=... ...
              fuzz dicom|hl7 [--cases 2000] [--seed 1] [--batch 500]
                    mutated DICOM (associations, PDUs, command sets, data sets, slow senders) or HL7 MLLP traffic against a
                    node started for it; after every batch it must answer C-ECHO, store a real series or acknowledge a
                    report, and stay bounded; last line: fuzz protocol=... cases=N ... hung=0 false_success=0 ...
              users add NAME --role viewer|operator [--file F]
                    add or replace a dashboard/HTTP user (password from the terminal, or the first line of standard
                    input); F defaults to http.usersFile (var/http-users.properties)
              test  run the whole test suite (handled by the launcher: mvn verify)
              --help
                    this text
            """;

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            System.out.print(HELP);
            return;
        }
        List<String> rest = Arrays.asList(argv).subList(1, argv.length);
        int code;
        try {
            code = switch (argv[0]) {
                case "serve" -> serve(new Args(rest));
                case "phantom" -> new PhantomCommand().run(new Args(rest));
                case "bench" -> bench(rest);
                case "demo" -> new DemoCommand().run(new Args(rest));
                case "users" -> new org.ichnode.app.cli.UsersCommand().run(rest);
                case "models" -> {
                    onlyWarningsLogged();
                    yield new ModelsCommand(System.out, System.err).run(rest);
                }
                case "retrain" -> {
                    onlyWarningsLogged();
                    yield new RetrainCommand(System.out, System.err).run(new Args(rest));
                }
                case "label-report" -> org.ichnode.ris.label.LabelReportCli.run(System.in, System.out);
                case "experiment" -> experiment(rest);
                case "train" -> new org.ichnode.app.cli.TrainCommand().run(new Args(rest));
                case "evaluate" -> new org.ichnode.app.cli.EvaluateCommand().run(new Args(rest));
                case "import" -> new org.ichnode.app.cli.ImportCommand().run(new Args(rest));
                case "fuzz" -> new org.ichnode.app.cli.FuzzCommand().run(rest.isEmpty() ? "" : rest.get(0),
                        new Args(rest.subList(Math.min(1, rest.size()), rest.size())));
                default -> {
                    System.err.println("ichnode: unknown command '" + argv[0] + "'\n\n" + HELP);
                    yield 2;
                }
            };
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("ichnode: " + e.getMessage());
            code = 2;
        }
        System.exit(code);
    }

    /** Commands that print a result: the start-up chatter of Flyway and Quartz would bury it on stdout. */
    private static void onlyWarningsLogged() {
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(ch.qos.logback.classic.Level.WARN);
            ctx.getLogger("org.flywaydb").setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    private static int bench(List<String> rest) throws Exception {
        String name = rest.isEmpty() ? "" : rest.get(0);
        Args args = new Args(rest.subList(Math.min(1, rest.size()), rest.size()));
        return switch (name) {
            case "ingest" -> new BenchIngestCommand().run(args);
            case "e2e" -> new BenchE2eCommand().run(args);
            case "load" -> new org.ichnode.app.cli.BenchLoadCommand().run(args);
            case "faults" -> new org.ichnode.app.cli.BenchFaultsCommand().run(args);
            case "inference" -> new org.ichnode.app.cli.BenchInferenceCommand().run(args);
            default -> {
                System.err.println("ichnode: bench needs a benchmark name: ingest, load, faults, e2e or inference");
                yield 2;
            }
        };
    }

    private static int experiment(List<String> rest) throws Exception {
        String name = rest.isEmpty() ? "" : rest.get(0);
        Args args = new Args(rest.subList(Math.min(1, rest.size()), rest.size()));
        return switch (name) {
            case "ablation" -> new org.ichnode.app.cli.ExperimentCommand().run(args);
            case "seeds" -> new org.ichnode.app.cli.SeedsExperimentCommand().run(args);
            case "real" -> new org.ichnode.app.cli.RealCvExperimentCommand().run(args);
            default -> {
                System.err.println("ichnode: experiment needs a name: ablation, seeds or real");
                yield 2;
            }
        };
    }

    private static int serve(Args args) throws Exception {
        return serve(args, null);
    }

    /** {@code serve} with the trainer retraining uses (null: the weak learning loop, {@code WeakCandidateTrainer}). */
    public static int serve(Args args, CandidateTrainer trainer) throws Exception {
        String config = args.option("--config");
        Settings settings = Settings.load(config == null ? null : Path.of(config), System.getenv(), args.repeated("--set"));
        args.requireNoneLeft();
        IchNode node;
        try {
            node = (trainer == null ? new IchNode(settings) : new IchNode(settings, trainer)).start();
        } catch (java.io.IOException e) {
            System.err.println("ichnode: cannot start: " + e.getMessage());
            return 1;
        }
        node.awaitShutdown();
        return 0;
    }
}
