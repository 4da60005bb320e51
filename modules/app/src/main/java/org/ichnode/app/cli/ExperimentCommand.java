package org.ichnode.app.cli;

import org.ichnode.training.data.*;
import org.ichnode.model.ModelRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.training.AblationExperiment;
import org.ichnode.training.LabelledStudy;
import org.ichnode.training.WeakSupervision;

/**
 * {@code ./ichnode experiment ablation [...]}: the paper's ablation table and the TH sweep on phantom studies (held-out
 * test studies for the U-Nets). Writes ablation.md and ablation.json into --out and prints the table, then the JSON last.
 */
public final class ExperimentCommand {

    public int run(Args args) throws Exception {
        Path out = Path.of(args.option("--out", "var/experiments/ablation"));
        int train = args.intOption("--train", 60);
        int test = args.intOption("--test", 20);
        long seed = Long.parseLong(args.option("--seed", "7"));
        PhantomOptions phantom = PhantomStudies.options(args.option("--phantom", "small"));
        int size = args.intOption("--size", 128);
        String labels = args.option("--labels", "slice");
        int classifierSteps = args.intOption("--classifier-steps", 600);
        int unetSteps = args.intOption("--unet-steps", 600);
        args.requireNoneLeft();
        if (!labels.equals("slice") && !labels.equals("study")) throw new IllegalArgumentException("--labels must be slice or study");
        boolean studyOnly = labels.equals("study");
        ModelRuntime.configure();
        ModelRuntime.seed(seed);
        WeakSupervision.Plan plan = WeakSupervision.Plan.forSize(size)
                .withSteps(classifierSteps, unetSteps).withStudyLabelsOnly(studyOnly).withUnetSeed(seed);
        long t0 = System.nanoTime();
        List<LabelledStudy> trainSet = PhantomStudies.generate(phantom, seed, 0, train, studyOnly);
        List<LabelledStudy> testSet = PhantomStudies.generate(phantom, seed, train, test, false);
        AblationExperiment.Outcome o = new AblationExperiment(plan, new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7},
                m -> System.err.println("ichnode: " + m)).run(trainSet, testSet);
        Files.createDirectories(out);
        String header = String.format(java.util.Locale.ROOT,
                "Ablation on phantom (%s labels): %d training studies, %d held-out test studies, seed %d, input %d, "
                        + "classifier steps %d, U-Net steps %d; run time %.0f s%n%n",
                labels, train, test, seed, size, classifierSteps, unetSteps, (System.nanoTime() - t0) / 1e9);
        Files.writeString(out.resolve("ablation.md"), header + o.markdown());
        Files.writeString(out.resolve("ablation.json"), o.json() + "\n");
        System.out.print(header + o.markdown());
        System.out.println(o.json());
        return 0;
    }
}
