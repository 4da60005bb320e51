package org.ichnode.training;

import org.ichnode.model.IchModel;
import org.ichnode.model.ModelSegmenter;
import org.ichnode.model.ResNetClassifier;
import org.ichnode.model.ResNetConfig;
import org.ichnode.model.UNet;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.ichnode.training.pseudomask.BiLayerAggregation;
import org.ichnode.training.pseudomask.DensityPrior;
import org.ichnode.training.pseudomask.NegativeContrast;
import org.ichnode.training.pseudomask.PseudoMaskPipeline;
import org.ichnode.core.segmentation.HuThresholdSegmenter;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.segmentation.Segmenter;

/**
 * The paper's ablation on studies with known truth (phantom): pseudo-mask quality on the training studies for each
 * cumulative stage (deep Grad-CAM, + shallow-feature CAM, + ensemble, + spatial fusion, + bi-layer aggregation,
 * + dense CRF, then ich-node's per-slice renormalisation before the threshold), a TH sweep with OR and AND (on the
 * plan's pseudo-mask configuration), then on held-out studies the U-Net trained on the pseudo masks, a second U-Net
 * trained on pseudo masks refined by CT density ({@link DensityPrior}, ich-node), a third trained on
 * the second one's predictions (ich-node's self-training round, density-refined too), the fully supervised U-Net (same network and steps, true masks) and the HU baseline. Returns a Markdown table and
 * a JSON object.
 */
public final class AblationExperiment {

    public record Outcome(String markdown, String json, Map<String, Evaluation.Report> rows) {}

    public static final String DENSITY_GATED_ROW = "U-Net on density-refined pseudo masks (weak, ich-node)";
    public static final String CONTRAST_ROW = "U-Net on negative-contrast density pseudo masks (weak, ich-node, default)";
    public static final String CONTRAST_UNGROWN_ROW = "U-Net on negative-contrast pseudo masks, components not grown (ich-node, the default until 2026-12-04)";
    public static final String DENSITY_ONLY_ROW = "U-Net on density-only pseudo masks (no CAM gate; what the CAM adds)";
    public static final String SUPERVISED_ROW = "U-Net on true masks (fully supervised)";
    public static final String BASELINE_ROW = "HU baseline";

    private final WeakSupervision.Plan plan;
    private final Consumer<String> progress;
    private final double[] sweep;

    public AblationExperiment(WeakSupervision.Plan plan, double[] sweep, Consumer<String> progress) {
        this.plan = plan;
        this.sweep = sweep.clone();
        this.progress = progress == null ? s -> {} : progress;
    }

    public Outcome run(List<LabelledStudy> train, List<LabelledStudy> test) {
        return run(train, test, true);
    }

    /**
     * Only the rows the goals are judged on (the negative-contrast U-Nets, the default and not grown; the ungated
     * density U-Net, the fully supervised U-Net and the HU baseline), without the pseudo-mask
     * rows, the sweep, the CAM-gated and the published-steps U-Nets: what {@code experiment seeds} repeats over seeds.
     */
    public Outcome runGoalRows(List<LabelledStudy> train, List<LabelledStudy> test) {
        return run(train, test, false);
    }

    private Outcome run(List<LabelledStudy> train, List<LabelledStudy> test, boolean allRows) {
        if (test.isEmpty()) throw new IllegalArgumentException("no test studies");
        WeakSupervision weak = new WeakSupervision(plan, progress);
        List<PreparedStudy> fit = weak.prepare(train, "training");
        // the U-Nets stop early on held-out training patients, each on its own kind of target (pseudo or true masks)
        PatientSplit unetSplit = PatientSplit.of(train, plan.validationFraction(), plan.seed());
        java.util.Set<String> heldIds = new java.util.HashSet<>();
        unetSplit.held().forEach(s -> heldIds.add(s.id()));
        List<PreparedStudy> unetFit = fit.stream().filter(s -> !heldIds.contains(s.study().id())).toList();
        List<PreparedStudy> unetVal = fit.stream().filter(s -> heldIds.contains(s.study().id())).toList();
        Map<String, Evaluation.Report> rows = new LinkedHashMap<>();
        // the density prior rows use the plan's prior, or the default one when the plan has none
        DensityPrior prior = plan.densityPrior() != null ? plan.densityPrior() : DensityPrior.defaults();
        // which CAM-based mask picks the density components: the plan's when it uses the prior, else the deep
        // Grad-CAM (the coarsest map touches the most lesions; the density draws their outline)
        PseudoMaskPipeline.Config gate = plan.densityPrior() != null ? plan.pseudoMasks() : PseudoMaskPipeline.Config.forStage(PseudoMaskPipeline.Stage.DEEP_GRADCAM);
        String gateName = gate.equals(WeakSupervision.Plan.DENSITY_GATE) ? "deep Grad-CAM" : "the plan's pseudo-mask steps";
        try (ResNetClassifier a = ResNetClassifier.create(ResNetConfig.resnet10(plan.classifierWidth(), plan.preprocess().channels(), plan.preprocess().size()));
             ResNetClassifier b = ResNetClassifier.create(ResNetConfig.resnet18(plan.classifierWidth(), plan.preprocess().channels(), plan.preprocess().size()))) {
            progress.accept("classifier A");
            TrainingReport ra = weak.trainClassifier(a, fit, plan.classifierTraining());
            progress.accept("classifier B");
            TrainingReport rb = weak.trainClassifier(b, fit, plan.classifierTraining().withSeed(plan.classifierTraining().seed() + 1));
            progress.accept(String.format(Locale.ROOT, "classifiers: %.1f and %.1f slices/s", ra.slicesPerSecond(), rb.slicesPerSecond()));

            // negative-contrast masks once: all training studies judged together, as WeakSupervision.train does for its
            // fit and validation studies; the pseudo-mask row and the U-Net row use the same masks
            Map<PreparedStudy, byte[][]> contrastMasks = WeakSupervision.negativeContrastMasks(fit, prior, NegativeContrast.defaults(), !plan.studyLabelsOnly(), progress);
            Map<PreparedStudy, byte[][]> ungrownMasks = WeakSupervision.negativeContrastMasks(fit, prior.withoutGrowth(), NegativeContrast.defaults(), !plan.studyLabelsOnly(), null);
            if (allRows) {
                // CAMs once per positive training study; each configuration re-runs only the cheap steps after them
                List<PreparedStudy> positives = new ArrayList<>();
                List<StudyCams> cams = new ArrayList<>();
                for (PreparedStudy s : fit) {
                    if (!s.study().positive()) continue;
                    positives.add(s);
                    cams.add(StudyCams.compute(a, b, s, plan.camChunk()));
                }
                for (PseudoMaskPipeline.Stage stage : PseudoMaskPipeline.Stage.values()) {
                    rows.put("pseudo: " + stageName(stage), pseudoQuality(positives, cams, PseudoMaskPipeline.Config.forStage(stage)));
                    progress.accept("stage " + stage + " done");
                }
                rows.put("pseudo: + per-slice renormalisation (ich-node)",
                        pseudoQuality(positives, cams, PseudoMaskPipeline.Config.full().withRenormalize(true)));
                rows.put("pseudo: density prior without a CAM gate (ich-node)", densityOnlyQuality(positives, cams, prior));
                rows.put("pseudo: density prior, components unlike the negative images', not grown (ich-node)", quality(positives, cams, (s, c) -> ungrownMasks.get(s)));
                rows.put("pseudo: density prior, components unlike the negative images' (ich-node, default)", quality(positives, cams, (s, c) -> contrastMasks.get(s)));
                for (PseudoMaskPipeline.Stage stage : PseudoMaskPipeline.Stage.values()) {
                    rows.put("pseudo: density prior gated by " + stageName(stage).replaceFirst("^\\+ ", "") + " (ich-node)",
                            pseudoQuality(positives, cams, PseudoMaskPipeline.Config.forStage(stage), prior));
                }
                for (double th : sweep) {
                    for (BiLayerAggregation.Mode mode : BiLayerAggregation.Mode.values()) {
                        PseudoMaskPipeline.Config c = PseudoMaskPipeline.Config.full().withThreshold(th).withMode(mode);
                        rows.put(String.format(Locale.ROOT, "sweep: TH %.1f %s", th, mode), pseudoQuality(positives, cams, c));
                    }
                }

                // the U-Nets: on pseudo masks (weak; published steps, then density-refined) and on the true masks
                PseudoMaskPipeline.Config published = PseudoMaskPipeline.Config.full();
                progress.accept("U-Net on pseudo masks");
                Trained weakUnet = trainUnet(weak.pseudoMaskSet(unetFit, a, b, published, null), weak.pseudoMaskSet(unetVal, a, b, published, null));
                rows.put("U-Net on pseudo masks (weak)", onTest(weakUnet, a, b, test));
                rows.put("+ self-training round, density-refined (ich-node)", selfTrained(weak, weakUnet, unetFit, unetVal, a, b, prior, test));
            }
            if (allRows) {
                progress.accept("U-Net on density-refined pseudo masks (gate: " + gateName + ")");
                Trained densityUnet = trainUnet(weak.pseudoMaskSet(unetFit, a, b, gate, prior), weak.pseudoMaskSet(unetVal, a, b, gate, prior));
                rows.put(DENSITY_GATED_ROW, onTest(densityUnet, a, b, test));
                rows.put("density U-Net + self-training round, density-refined (ich-node)", selfTrained(weak, densityUnet, unetFit, unetVal, a, b, prior, test));
            }
            progress.accept("U-Net on negative-contrast pseudo masks, not grown");
            Trained ungrownUnet = trainUnet(WeakSupervision.maskSet(unetFit, ungrownMasks::get), WeakSupervision.maskSet(unetVal, ungrownMasks::get));
            rows.put(CONTRAST_UNGROWN_ROW, onTest(ungrownUnet, a, b, test));
            ungrownUnet.unet().close();
            progress.accept("U-Net on negative-contrast density pseudo masks (no CAM)");
            Trained contrastUnet = trainUnet(WeakSupervision.maskSet(unetFit, contrastMasks::get), WeakSupervision.maskSet(unetVal, contrastMasks::get));
            rows.put(CONTRAST_ROW, onTest(contrastUnet, a, b, test));
            contrastUnet.unet().close();
            progress.accept("U-Net on density-only pseudo masks (no CAM)");
            boolean sliceLabels = !plan.studyLabelsOnly();
            Trained densityOnly = trainUnet(WeakSupervision.densityOnlySet(unetFit, prior, sliceLabels),
                    WeakSupervision.densityOnlySet(unetVal, prior, sliceLabels));
            rows.put(DENSITY_ONLY_ROW, onTest(densityOnly, a, b, test));
            densityOnly.unet().close();
            progress.accept("U-Net on true masks");
            Trained full = trainUnet(WeakSupervision.trueMaskSet(unetFit), WeakSupervision.trueMaskSet(unetVal));
            rows.put(SUPERVISED_ROW, onTest(full, a, b, test));
            full.unet().close();
            rows.put(BASELINE_ROW, onTest(new HuThresholdSegmenter(), test));
        }
        return new Outcome(markdown(rows), json(rows).toString(), rows);
    }

    private Evaluation.Report pseudoQuality(List<PreparedStudy> studies, List<StudyCams> cams, PseudoMaskPipeline.Config config) {
        return pseudoQuality(studies, cams, config, null);
    }

    private Evaluation.Report pseudoQuality(List<PreparedStudy> studies, List<StudyCams> cams, PseudoMaskPipeline.Config config,
                                            DensityPrior prior) {
        return quality(studies, cams, (s, c) -> PseudoMasks.build(config, prior, s, c,
                PseudoMasks.positiveSlices(s, c, !plan.studyLabelsOnly(), prior != null)));
    }

    private Evaluation.Report densityOnlyQuality(List<PreparedStudy> studies, List<StudyCams> cams, DensityPrior prior) {
        return quality(studies, cams, (s, c) -> PseudoMasks.densityOnly(prior, s,
                PseudoMasks.positiveSlices(s, c, !plan.studyLabelsOnly(), true)));
    }

    /** Pseudo-mask quality against the true masks on the source grid, one study at a time. */
    private static Evaluation.Report quality(List<PreparedStudy> studies, List<StudyCams> cams,
                                             java.util.function.BiFunction<PreparedStudy, StudyCams, byte[][]> masks) {
        long t0 = System.nanoTime();
        List<Evaluation.StudyResult> r = new ArrayList<>();
        for (int i = 0; i < studies.size(); i++) {
            PreparedStudy s = studies.get(i);
            byte[][] m = masks.apply(s, cams.get(i));
            r.add(Evaluation.evaluate(s.study().id(), s.study().volume(), s.study().trueMask(), Evaluation.toSource(s, m), true, 1));
        }
        return Evaluation.summarize(r, (System.nanoTime() - t0) / 1e9);
    }

    /** A fresh U-Net trained on {@code first}'s density-refined predictions, on the test studies; closes both. */
    private Evaluation.Report selfTrained(WeakSupervision weak, Trained first, List<PreparedStudy> fit, List<PreparedStudy> val,
                                          ResNetClassifier a, ResNetClassifier b, DensityPrior prior, List<LabelledStudy> test) {
        progress.accept("U-Net self-training round");
        SegmentationSet selfFit = weak.selfTrainingSet(first.unet(), fit, a, b, first.threshold(), prior);
        SegmentationSet selfVal = weak.selfTrainingSet(first.unet(), val, a, b, first.threshold(), prior);
        first.unet().close();
        Trained next = trainUnet(selfFit, selfVal);
        Evaluation.Report r = onTest(next, a, b, test);
        next.unet().close();
        return r;
    }

    /** A trained U-Net and the mask threshold chosen on its held-out targets. */
    private record Trained(UNet unet, double threshold) {}

    /** Every U-Net of a run starts from the same weights and draws the same batches: only its targets differ. */
    private Trained trainUnet(SegmentationSet set, SegmentationSet validation) {
        UNet unet = UNet.create(plan.unet(), plan.unetTraining().seed());
        SegmentationTrainer.Report rep = new SegmentationTrainer(plan.unetTraining()).train(unet, set, validation);
        progress.accept(String.format(Locale.ROOT, "U-Net: %d steps, %.1f slices/s, best held-out Dice %.3f at step %d, threshold %.2f",
                rep.steps(), rep.slicesPerSecond(), rep.bestValidationDice(), rep.bestStep(), rep.threshold()));
        return new Trained(unet, rep.threshold());
    }

    /** The U-Net on the test studies; the classifiers are borrowed for the study probability (not closed here). */
    private Evaluation.Report onTest(Trained t, ResNetClassifier a, ResNetClassifier b, List<LabelledStudy> test) {
        IchModel model = new IchModel(new IchModel.Settings("ablation", "0", plan.preprocess(), t.threshold(), 0.05, 0), a, b, t.unet());
        return onTest(new ModelSegmenter(model, plan.camChunk()), test);
    }

    private static Evaluation.Report onTest(Segmenter seg, List<LabelledStudy> test) {
        long t0 = System.nanoTime();
        List<Evaluation.StudyResult> r = new ArrayList<>();
        for (LabelledStudy s : test) {
            Segmentation out = seg.segment(s.volume());
            r.add(Evaluation.evaluate(s.id(), s.volume(), s.trueMask(), out.mask(), s.positive(), out.studyProbability()));
        }
        return Evaluation.summarize(r, (System.nanoTime() - t0) / 1e9);
    }

    static String stageName(PseudoMaskPipeline.Stage s) {
        return switch (s) {
            case DEEP_GRADCAM -> "deep Grad-CAM";
            case SHALLOW_CAM -> "+ shallow-feature CAM (layer2)";
            case ENSEMBLE -> "+ bi-model ensemble";
            case SPATIAL_FUSION -> "+ spatial context fusion";
            case BI_LAYER -> "+ bi-layer OR aggregation";
            case CRF -> "+ dense CRF";
        };
    }

    private static String markdown(Map<String, Evaluation.Report> rows) {
        StringBuilder b = new StringBuilder("| row | Dice | IoU | mIoU | CL | ML | FPL | vol. err. mL | study AUC |\n|---|---|---|---|---|---|---|---|---|\n");
        rows.forEach((k, r) -> b.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %d | %d | %d | %.2f | %s |%n", k,
                r.pooledDice(), r.pooledIou(), r.pooledMIou(), r.lesions().correct(), r.lesions().missed(),
                r.lesions().falsePositive(), r.meanAbsVolumeErrorMl(), Evaluation.num(r.studyAuc()))));
        return b.toString();
    }

    /** The rows' reports as one JSON object, row name to report. */
    public static ObjectNode json(Map<String, Evaluation.Report> rows) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        rows.forEach((k, r) -> o.set(k, r.toJsonNode()));
        return o;
    }
}
