package org.ichnode.app.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.ichnode.training.data.*;
import org.ichnode.model.ModelRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.training.AblationExperiment;
import org.ichnode.training.LabelledStudy;
import org.ichnode.training.WeakSupervision;

/**
 * {@code ./ichnode experiment seeds}: the ablation's goal rows ({@link AblationExperiment#runGoalRows}) for several seeds, each seed its own training and test studies and its own
 * random state; then per row the mean and sample standard deviation of the Dice, and of the ratio to the fully
 * supervised U-Net of the same seed. One run of the U-Nets moves by up to 0.1 with the random state, so a goal on
 * their ratio is judged on the mean over seeds. Writes seeds.md and seeds.json into --out; the last line is
 * {@code seeds_summary labels=... seeds=... contrast_dice=M±S contrast_ungrown_dice=M±S density_only_dice=M±S
 * supervised_dice=M±S baseline_dice=M±S contrast_ratio=M±S contrast_ungrown_ratio=M±S density_only_ratio=M±S}.
 */
public final class SeedsExperimentCommand {

    private static final Map<String, String> ROWS = new LinkedHashMap<>();
    static {
        ROWS.put(AblationExperiment.CONTRAST_ROW, "contrast");
        ROWS.put(AblationExperiment.CONTRAST_UNGROWN_ROW, "contrast_ungrown");
        ROWS.put(AblationExperiment.DENSITY_ONLY_ROW, "density_only");
        ROWS.put(AblationExperiment.SUPERVISED_ROW, "supervised");
        ROWS.put(AblationExperiment.BASELINE_ROW, "baseline");
    }

    /** The weak rows, whose ratio to the fully supervised U-Net is reported. */
    private static final List<String> RATIO_ROWS = List.of("contrast", "contrast_ungrown", "density_only");

    public int run(Args args) throws Exception {
        List<Long> seeds = new ArrayList<>();
        for (String s : args.option("--seeds", "7,8,9").split(",")) seeds.add(Long.parseLong(s.trim()));
        String labels = args.option("--labels", "slice");
        int train = args.intOption("--train", 60);
        int test = args.intOption("--test", 16);
        int classifierSteps = args.intOption("--classifier-steps", 600);
        int unetSteps = args.intOption("--unet-steps", 600);
        String phantomKind = args.option("--phantom", "small");
        Path out = Path.of(args.option("--out", "var/experiments/seeds-" + labels));
        args.requireNoneLeft();
        if (!labels.equals("slice") && !labels.equals("study")) throw new IllegalArgumentException("--labels must be slice or study");
        if (seeds.size() < 2) throw new IllegalArgumentException("--seeds needs at least two seeds for a spread");
        boolean studyOnly = labels.equals("study");
        ModelRuntime.configure();
        PhantomOptions phantom = PhantomStudies.options(phantomKind);
        Map<String, List<Double>> dice = new LinkedHashMap<>(), ratio = new LinkedHashMap<>();
        ROWS.values().forEach(k -> { dice.put(k, new ArrayList<>()); ratio.put(k, new ArrayList<>()); });
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "Goal rows over seeds %s (%s labels): %d training and %d held-out test " + phantomKind + " phantom studies per seed, "
                        + "classifier steps %d, U-Net steps %d%n%n| seed | negative contrast (default) | negative contrast, not grown "
                        + "| density prior, no gate | fully supervised | HU baseline | ratio contrast / supervised "
                        + "| ratio not grown / supervised | ratio ungated / supervised |%n"
                        + "|---|---|---|---|---|---|---|---|---|%n", seeds, labels, train, test, classifierSteps, unetSteps));
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("labels", String.valueOf(labels));
        ArrayNode runs = json.putArray("runs");
        long t0 = System.nanoTime();
        for (int i = 0; i < seeds.size(); i++) {
            long seed = seeds.get(i);
            System.err.printf(Locale.ROOT, "ichnode: seed %d (%d of %d)%n", seed, i + 1, seeds.size());
            ModelRuntime.seed(seed);
            WeakSupervision.Plan plan = WeakSupervision.Plan.quick(128).withSteps(classifierSteps, unetSteps).withStudyLabelsOnly(studyOnly).withUnetSeed(seed);
            List<LabelledStudy> trainSet = PhantomStudies.generate(phantom, seed, 0, train, studyOnly);
            List<LabelledStudy> testSet = PhantomStudies.generate(phantom, seed, train, test, false);
            AblationExperiment.Outcome o = new AblationExperiment(plan, new double[0], m -> System.err.println("ichnode: seed " + seed + ": " + m))
                    .runGoalRows(trainSet, testSet);
            double supervised = o.rows().get(AblationExperiment.SUPERVISED_ROW).pooledDice();
            StringBuilder row = new StringBuilder("| ").append(seed);
            for (Map.Entry<String, String> e : ROWS.entrySet()) {
                double d = o.rows().get(e.getKey()).pooledDice();
                dice.get(e.getValue()).add(d);
                ratio.get(e.getValue()).add(d / supervised);
                row.append(String.format(Locale.ROOT, " | %.3f", d));
            }
            for (String k : RATIO_ROWS) row.append(String.format(Locale.ROOT, " | %.3f", ratio.get(k).get(i)));
            row.append(" |\n");
            md.append(row);
            System.err.print("ichnode: seed " + seed + " done: " + row);
            runs.addObject().put("seed", seed).set("rows", AblationExperiment.json(o.rows()));
        }
        md.append("| mean ± sd");
        for (String k : ROWS.values()) md.append(" | ").append(meanSd(dice.get(k)));
        for (String k : RATIO_ROWS) md.append(" | ").append(meanSd(ratio.get(k)));
        md.append(" |\n");
        md.append(String.format(Locale.ROOT, "%nrun time %.0f s%n", (System.nanoTime() - t0) / 1e9));
        StringBuilder summary = new StringBuilder("seeds_summary labels=" + labels + " seeds=" + seeds.size());
        for (String k : ROWS.values()) summary.append(' ').append(k).append("_dice=").append(meanSd(dice.get(k)));
        for (String k : RATIO_ROWS) summary.append(' ').append(k).append("_ratio=").append(meanSd(ratio.get(k)));
        Files.createDirectories(out);
        Files.writeString(out.resolve("seeds.md"), md + "\n" + summary + "\n");
        Files.writeString(out.resolve("seeds.json"), json + "\n");
        System.out.print(md);
        System.out.println(summary);
        return 0;
    }

    /** Mean ± sample standard deviation, 3 decimals. */
    static String meanSd(List<Double> v) {
        double m = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double ss = v.stream().mapToDouble(x -> (x - m) * (x - m)).sum();
        double sd = v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : Double.NaN;
        return String.format(Locale.ROOT, "%.3f±%.3f", m, sd);
    }
}
