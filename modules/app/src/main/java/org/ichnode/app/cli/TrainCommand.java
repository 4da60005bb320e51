package org.ichnode.app.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ichnode.training.data.*;
import org.ichnode.model.ModelRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import org.ichnode.training.DensityGate;
import org.ichnode.training.LabelledStudy;
import org.ichnode.model.ModelSegmenter;
import org.ichnode.training.WeakSupervision;

/**
 * {@code ./ichnode train --out DIR [...]}: the weak learning loop from image-level labels (slice labels, or
 * {@code --labels study} for study labels only) into a model artifact folder. Pseudo masks: {@code density} (the
 * default: ich-node's density prior, the components the deep Grad-CAM touches), {@code density-ungated} (every
 * density component of the positive slices) or {@code published} (the published steps without the density prior). On phantom data the held-out studies
 * after the training range are evaluated and written into the artifact's metrics.json. {@code --training-seed LIST}:
 * one member per entry ({@link MemberSeeds}); the reports in metrics.json are the first member's.
 */
public final class TrainCommand {

    /**
     * The training plan the options say: {@code --size}, the input and augmentation options, {@code --labels},
     * {@code --pseudo-masks}, {@code --classifier-steps}, {@code --unet-steps} (taken from {@code args}).
     */
    static WeakSupervision.Plan planOf(Args args) {
        int size = args.intOption("--size", 256);
        InputAndAugmentation input = InputAndAugmentation.from(args);
        String labels = args.option("--labels", "slice");
        String pseudoMasks = args.option("--pseudo-masks", "density");
        int classifierSteps = args.intOption("--classifier-steps", 1200);
        int unetSteps = args.intOption("--unet-steps", 1500);
        if (!labels.equals("slice") && !labels.equals("study")) throw new IllegalArgumentException("--labels must be slice or study");
        if (!List.of("density", "density-cam", "density-ungated", "published").contains(pseudoMasks)) {
            throw new IllegalArgumentException("--pseudo-masks must be density (ich-node's default: components unlike the negative "
                    + "images'), density-cam (components the deep Grad-CAM touches), density-ungated or published");
        }
        WeakSupervision.Plan plan = WeakSupervision.Plan.forSize(size)
                .withSteps(classifierSteps, unetSteps).withStudyLabelsOnly(labels.equals("study"));
        plan = input.applyTo(plan, size);
        if (pseudoMasks.equals("published")) plan = plan.withPublishedPseudoMasks();
        if (pseudoMasks.equals("density-cam")) plan = plan.withDensityGate(DensityGate.CAM);
        if (pseudoMasks.equals("density-ungated")) plan = plan.withDensityGate(DensityGate.NONE);
        return plan;
    }

    public int run(Args args) throws Exception {
        String outOpt = args.option("--out");
        if (outOpt == null) throw new IllegalArgumentException("train needs --out DIR (the model artifact folder to write)");
        Path out = Path.of(outOpt);
        DatasetOption data = args.dataset("phantom:full", 0, 40);
        WeakSupervision.Plan plan = planOf(args);
        int heldOut = args.intOption("--held-out", 10);
        int threads = args.intOption("--threads", 2);
        String version = args.option("--version", LocalDate.now() + "-" + (data.isPhantom() ? "phantom" : "site"));
        List<Long> memberSeeds = MemberSeeds.from(args);
        args.requireNoneLeft();
        if (Files.exists(out.resolve(org.ichnode.model.IchModel.DESCRIPTOR))) {
            throw new IllegalArgumentException(out + " already holds a model; choose a new folder (artifacts are never overwritten)");
        }
        ModelRuntime.configure(threads);
        ModelRuntime.seed(7);
        boolean studyOnly = plan.studyLabelsOnly();
        long t0 = System.nanoTime();
        List<LabelledStudy> studies = data.load(studyOnly);
        WeakSupervision.Result r = new WeakSupervision(plan, m -> System.err.println("ichnode: " + m))
                .train(studies, "ich-node weak U-Net", version, org.ichnode.training.OperatingPoint.DEFAULT_TARGET_SENSITIVITY, memberSeeds);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        ObjectNode metrics = JsonNodeFactory.instance.objectNode();
        try (ModelSegmenter seg = new ModelSegmenter(r.model(), ModelSegmenter.DEFAULT_CHUNK)) {
            if (data.isPhantom() && heldOut > 0) {
                System.err.println("ichnode: evaluating on " + heldOut + " held-out phantom studies");
                EvaluationRun.Result e = EvaluationRun.run(seg, data.heldOut(heldOut).load(false), null, 0);
                metrics.set("heldOut", e.report().toJsonNode());
            }
            metrics.put("trainingSeconds", Math.round(trainSeconds * 10) / 10.0);
            metrics.put("members", r.model().members().size());
            metrics.putArray("classifierSlicesPerSecond").add(Math.round(r.classifierA().slicesPerSecond() * 10) / 10.0)
                    .add(Math.round(r.classifierB().slicesPerSecond() * 10) / 10.0);
            metrics.put("unetSlicesPerSecond", Math.round(r.unet().slicesPerSecond() * 10) / 10.0);
            metrics.put("unetSteps", r.unet().steps());
            double best = r.unet().bestValidationDice();
            if (Double.isFinite(best)) metrics.put("unetBestValidationDice", Math.round(best * 1e4) / 1e4);
            else metrics.putNull("unetBestValidationDice");
            r.model().save(out, r.trainingDataJson(), metrics + "\n");
            org.ichnode.training.TrainingCurves.write(out, r);
        }
        System.out.printf(Locale.ROOT, "model %s written to %s in %.0f s (%d training studies, %d validation, %d pseudo-masked slices)%n",
                version, out, (System.nanoTime() - t0) / 1e9, r.trainStudies(), r.validationStudies(), r.pseudoMaskSlices());
        System.out.println(metrics);
        return 0;
    }
}
