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
import java.util.function.ToDoubleFunction;
import org.ichnode.node.SegmenterChoice;
import org.ichnode.core.segmentation.HuThresholdSegmenter;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.training.LabelledStudy;
import org.ichnode.model.ModelSegmenter;
import org.ichnode.training.OperatingPoint;
import org.ichnode.training.PatientSplit;
import org.ichnode.training.RealEvaluation;
import org.ichnode.training.WeakSupervision;

/**
 * {@code ./ichnode experiment real --data DIR --folds 5}: patient-wise k-fold cross-validation on a real dataset.
 * Each fold trains from image-level labels only (slice labels, and study labels "any positive slice") on the other
 * folds' patients and is tested on its own, never seen in training. Rows: the ich-node default (negative-contrast
 * pseudo masks), the published shallow-feature CAM chain, the HU baseline and the phantom-only shipped model. A fully
 * supervised U-Net is not a row: the set's 26 masked slices are too few to train one, and they are the test masks.
 * Prints each fold, then mean ± sd over folds and the figures of all test patients pooled; writes real-cv.md and
 * real-cv.json into --out. The last line is {@code real_cv study_auc=... sensitivity=... specificity=...
 * normal_median_ml=... normal_p90_ml=... dice_masked=... miou_masked=...} of the default row (slice labels where
 * run), means over folds. Trained rows also print {@code study_auc_mirrored}, the same models' study AUC with
 * mirror-averaged slice logits (test-time augmentation, a paired comparison), and with {@code --keep-models} each
 * fold's model is saved beside the tables. {@code study_auc_classifiers_only} scores the same test studies by the
 * classifiers' highest slice logit alone, without the U-Net's peak that the study score adds (a paired figure), and
 * {@code study_auc_per_slice} by the highest per-slice sum of classifiers' logit and U-Net peak logit (the score
 * {@code classifiers+unet-per-slice}; its calibration and operating point are not fitted, so only the AUC).
 * {@code --training-seed N} draws other initial weights, batches and augmentations (the folds and validation split stay): the
 * spread from run to run measured on the same patients; a list ({@code recipe,11}) trains an ensemble of one member per
 * entry in each fold ({@link MemberSeeds}).
 */
public final class RealCvExperimentCommand {

    /** A figure of the real_cv line and the tables. */
    private record Figure(String key, String title, ToDoubleFunction<RealEvaluation.Report> value) {}

    private static final List<Figure> FIGURES = List.of(
            new Figure("study_auc", "study AUC", RealEvaluation.Report::studyAuc),
            new Figure("sensitivity", "sensitivity", RealEvaluation.Report::sensitivity),
            new Figure("specificity", "specificity", RealEvaluation.Report::specificity),
            new Figure("normal_median_ml", "normals: median mL", RealEvaluation.Report::normalMedianMl),
            new Figure("normal_p90_ml", "normals: p90 mL", RealEvaluation.Report::normalP90Ml),
            new Figure("dice_masked", "Dice (masked)", RealEvaluation.Report::maskedDice),
            new Figure("miou_masked", "mIoU (masked)", RealEvaluation.Report::maskedMIou),
            new Figure("slice_dice_masked", "mean slice Dice (masked)", RealEvaluation.Report::meanMaskedSliceDice),
            new Figure("slice_auc", "slice AUC", RealEvaluation.Report::sliceAuc),
            new Figure("study_auc_by_volume", "study AUC by volume found", RealEvaluation.Report::studyAucByVolume),
            new Figure("study_auc_by_map_max", "study AUC by map maximum", RealEvaluation.Report::studyAucByMapMax),
            new Figure("study_auc_top2", "study AUC by top-2 slice logits", RealEvaluation.Report::studyAucTop2),
            new Figure("study_auc_top3", "study AUC by top-3 slice logits", RealEvaluation.Report::studyAucTop3),
            new Figure("classifier_slice_auc", "classifier slice AUC", RealEvaluation.Report::classifierSliceAuc),
            new Figure("sensitivity_probability_only", "sensitivity, probability alone", RealEvaluation.Report::sensitivityProbabilityOnly),
            new Figure("specificity_probability_only", "specificity, probability alone", RealEvaluation.Report::specificityProbabilityOnly));

    public int run(Args args) throws Exception {
        DatasetOption data = args.dataset(null, 0, 1_000_000);
        if (data.data() == null) throw new IllegalArgumentException("experiment real needs --data DIR (e.g. ../shared/data/ct-ich)");
        int folds = args.intOption("--folds", 5);
        int onlyFolds = args.intOption("--run-folds", folds);
        List<String> labelKinds = List.of(args.option("--labels", "slice,study").split(","));
        List<String> rows = List.of(args.option("--rows", "default,published,baseline,phantom").split(","));
        int size = args.intOption("--size", 128);
        InputAndAugmentation input = InputAndAugmentation.from(args);
        int classifierWidth = args.intOption("--classifier-width", 0);
        int classifierSteps = args.intOption("--classifier-steps", 1200);
        int unetSteps = args.intOption("--unet-steps", 600);
        double target = Double.parseDouble(args.option("--target-sensitivity", Double.toString(OperatingPoint.DEFAULT_TARGET_SENSITIVITY)));
        int threads = args.intOption("--threads", 2);
        String phantomModelDir = args.option("--phantom-model", SegmenterChoice.phantomModel().toString());
        Path out = Path.of(args.option("--out", "var/experiments/real-cv"));
        boolean keepModels = args.flag("--keep-models");
        List<Long> memberSeeds = MemberSeeds.from(args);
        args.requireNoneLeft();
        if (data.isPhantom()) throw new IllegalArgumentException("experiment real is for real data; the phantom has experiment ablation and seeds");
        if (folds < 2) throw new IllegalArgumentException("--folds must be >= 2");
        for (String l : labelKinds) if (!l.equals("slice") && !l.equals("study")) throw new IllegalArgumentException("--labels: slice and/or study");
        for (String r : rows) if (!List.of("default", "published", "baseline", "phantom", "pseudo").contains(r)) {
            throw new IllegalArgumentException("--rows: default, published, baseline, phantom, pseudo");
        }
        ModelRuntime.configure(threads);
        Files.createDirectories(out);
        long t0 = System.nanoTime();
        List<LabelledStudy> all = data.load(false);
        System.err.printf(Locale.ROOT, "ichnode: %d patients read in %.0f s%n", all.size(), (System.nanoTime() - t0) / 1e9);
        List<List<LabelledStudy>> parts = folds(all, folds, 7);

        // row name -> per fold outcomes
        Map<String, List<List<RealEvaluation.StudyOutcome>>> outcomes = new LinkedHashMap<>();
        Map<String, List<Double>> trainSeconds = new LinkedHashMap<>();
        // row + NUL + study id -> the classifiers' slice logits averaged with those of the mirror image (a paired figure)
        Map<String, double[]> mirrored = new java.util.HashMap<>();
        List<String> rowNames = new ArrayList<>();
        for (String r : rows) {
            if (r.equals("default") || r.equals("published")) for (String l : labelKinds) rowNames.add(r + " (" + l + " labels)");
            else if (r.equals("pseudo")) for (String l : labelKinds) rowNames.add("pseudo masks, training patients (" + l + " labels)");
            else rowNames.add(r.equals("baseline") ? "HU baseline" : "phantom-only shipped model");
        }
        for (String r : rowNames) { outcomes.put(r, new ArrayList<>()); trainSeconds.put(r, new ArrayList<>()); }
        StringBuilder log = new StringBuilder();
        Segmenter phantomModel = rows.contains("phantom") ? SegmenterChoice.load(Path.of(phantomModelDir), threads) : null;
        try {
            for (int f = 0; f < Math.min(folds, onlyFolds); f++) {
                List<LabelledStudy> test = parts.get(f), train = new ArrayList<>();
                for (int g = 0; g < folds; g++) if (g != f) train.addAll(parts.get(g));
                String head = String.format(Locale.ROOT, "fold %d/%d: %d training patients (%d with hemorrhage), %d test patients (%d)",
                        f + 1, folds, train.size(), positives(train), test.size(), positives(test));
                System.err.println("ichnode: " + head);
                log.append("\n").append(head).append("\n");
                for (String rowName : rowNames) {
                    long r0 = System.nanoTime();
                    List<RealEvaluation.StudyOutcome> o;
                    double trained = Double.NaN;
                    if (rowName.startsWith("default") || rowName.startsWith("published")) {
                        boolean studyOnly = rowName.contains("study labels");
                        ModelRuntime.seed(7);   // the recipe's engine seed; a member with a seed of its own sets it
                        WeakSupervision.Plan plan = WeakSupervision.Plan.forSize(size)
                                .withSteps(classifierSteps, unetSteps).withStudyLabelsOnly(studyOnly);
                        plan = input.applyTo(plan, size);
                        if (classifierWidth > 0) plan = plan.withClassifierWidth(classifierWidth);
                        if (rowName.startsWith("published")) plan = plan.withPublishedPseudoMasks();
                        List<LabelledStudy> fit = studyOnly ? train.stream().map(LabelledStudy::studyLabelOnly).toList() : train;
                        String tag = "fold " + (f + 1) + " " + rowName;
                        WeakSupervision.Result result = new WeakSupervision(plan, m -> System.err.println("ichnode: " + tag + ": " + m))
                                .train(fit, "ich-node weak U-Net", "cv-fold-" + (f + 1), target, memberSeeds);
                        trained = (System.nanoTime() - r0) / 1e9;
                        try (ModelSegmenter seg = new ModelSegmenter(result.model(), ModelSegmenter.DEFAULT_CHUNK)) {
                            o = new ArrayList<>();
                            for (LabelledStudy s : test) {
                                o.add(RealEvaluation.evaluate(s, seg.segment(s.volume()), seg.sliceLogits(s.volume())));
                                mirrored.put(rowName + "\u0000" + s.id(), seg.mirrorAveragedSliceLogits(s.volume()));
                            }
                            if (keepModels) result.model().save(out.resolve("fold-" + (f + 1) + "-" + slug(rowName) + "-model"), null, null);
                        }
                    } else if (rowName.startsWith("pseudo")) {
                        o = pseudoMaskOutcomes(train, rowName.contains("study labels"), size);
                    } else if (rowName.equals("HU baseline")) {
                        o = evaluate(new HuThresholdSegmenter(), test);
                    } else {
                        o = evaluate(phantomModel, test);
                    }
                    outcomes.get(rowName).add(o);
                    trainSeconds.get(rowName).add(trained);
                    RealEvaluation.Report rep = RealEvaluation.summarize(o, (System.nanoTime() - r0) / 1e9);
                    String line = String.format(Locale.ROOT, "fold %d %-32s %s%s%s", f + 1, rowName, figures(rep),
                            Double.isNaN(trained) ? "" : String.format(Locale.ROOT, " train_s=%.0f", trained),
                            Double.isNaN(trained) ? "" : " study_auc_mirrored="
                                    + num(studyAucByHighest(o, x -> mirrored.get(rowName + "\u0000" + x.id())))
                                    + " study_auc_classifiers_only=" + num(studyAucByHighest(o, RealEvaluation.StudyOutcome::classifierLogits))
                                    + " study_auc_per_slice=" + num(studyAucByHighest(o, RealCvExperimentCommand::perSliceSums)));
                    System.out.println(line);
                    log.append(line).append("\n");
                    Files.writeString(out.resolve("fold-" + (f + 1) + "-" + slug(rowName) + ".json"), rep.toJson() + "\n");
                }
            }
        } finally {
            if (phantomModel instanceof AutoCloseable c) c.close();
        }
        String md = markdown(data, folds, onlyFolds, size + ", " + input.describe()
                + (classifierWidth > 0 ? ", classifier width " + classifierWidth : "") + MemberSeeds.describe(memberSeeds), classifierSteps, unetSteps, target, all, outcomes, trainSeconds,
                (System.nanoTime() - t0) / 1e9);
        Files.writeString(out.resolve("real-cv.md"), md + "\n## Per fold\n```\n" + log + "```\n");
        Files.writeString(out.resolve("real-cv.json"), json(outcomes) + "\n");
        Files.writeString(out.resolve("studies.csv"), studiesCsv(outcomes, mirrored));
        System.out.print(md);
        String main = rowNames.stream().filter(r -> r.startsWith("default")).findFirst().orElse(rowNames.get(0));
        for (String r : rowNames) if (r.startsWith("default") && !r.equals(main)) System.out.println("real_cv_" + slug(r) + " " + meanLine(outcomes.get(r)));
        System.out.println("real_cv " + meanLine(outcomes.get(main)));
        return 0;
    }

    /**
     * Patient-wise folds stratified by the study label: the patients of each class in the order of a hash of their id
     * and the seed, dealt round-robin, so every fold has about the same share of hemorrhage.
     */
    static List<List<LabelledStudy>> folds(List<LabelledStudy> studies, int k, long seed) {
        Map<String, List<LabelledStudy>> byPatient = new LinkedHashMap<>();
        for (LabelledStudy s : studies) byPatient.computeIfAbsent(s.patientId(), p -> new ArrayList<>()).add(s);
        List<String> pos = new ArrayList<>(), neg = new ArrayList<>();
        byPatient.forEach((p, list) -> (list.stream().anyMatch(LabelledStudy::positive) ? pos : neg).add(p));
        if (byPatient.size() < k) throw new IllegalArgumentException(byPatient.size() + " patients cannot make " + k + " folds");
        java.util.Comparator<String> order = java.util.Comparator.comparingDouble(p -> PatientSplit.bucket(p, seed));
        pos.sort(order);
        neg.sort(order);
        List<List<LabelledStudy>> out = new ArrayList<>();
        for (int i = 0; i < k; i++) out.add(new ArrayList<>());
        int i = 0;
        for (String p : pos) out.get(i++ % k).addAll(byPatient.get(p));
        for (String p : neg) out.get(i++ % k).addAll(byPatient.get(p));
        return out;
    }

    /**
     * The default pseudo masks (negative contrast, no network) of the training patients, scored on their masked
     * slices: what the U-Net is taught. Only the masked figures mean something for this row.
     */
    private static List<RealEvaluation.StudyOutcome> pseudoMaskOutcomes(List<LabelledStudy> train, boolean studyOnly, int size) {
        WeakSupervision.Plan plan = WeakSupervision.Plan.quick(size).withStudyLabelsOnly(studyOnly);
        WeakSupervision weak = new WeakSupervision(plan, m -> System.err.println("ichnode: pseudo masks: " + m));
        List<org.ichnode.training.PreparedStudy> prepared = weak.prepare(studyOnly ? train.stream().map(LabelledStudy::studyLabelOnly).toList() : train, "training");
        Map<org.ichnode.training.PreparedStudy, byte[][]> masks = WeakSupervision.negativeContrastMasks(prepared, plan.densityPrior(),
                org.ichnode.training.pseudomask.NegativeContrast.defaults(), !studyOnly, m -> System.err.println("ichnode: pseudo masks: " + m));
        List<RealEvaluation.StudyOutcome> o = new ArrayList<>();
        for (org.ichnode.training.PreparedStudy p : prepared) {
            byte[] mask = org.ichnode.training.Evaluation.toSource(p, masks.get(p));
            o.add(RealEvaluation.evaluate(p.study(), new org.ichnode.core.segmentation.Segmentation(mask, null, p.study().positive() ? 1 : 0,
                    List.of(), "pseudo masks", "0")));
        }
        return o;
    }

    private static List<RealEvaluation.StudyOutcome> evaluate(Segmenter seg, List<LabelledStudy> test) {
        List<RealEvaluation.StudyOutcome> o = new ArrayList<>();
        for (LabelledStudy s : test) o.add(RealEvaluation.evaluate(s, seg.segment(s.volume())));
        return o;
    }

    /** Study AUC when each study is scored by the highest of the per-slice values {@code slices} gives for it. */
    private static double studyAucByHighest(List<RealEvaluation.StudyOutcome> o,
                                            java.util.function.Function<RealEvaluation.StudyOutcome, double[]> slices) {
        double[] score = new double[o.size()];
        boolean[] label = new boolean[o.size()];
        for (int i = 0; i < score.length; i++) {
            score[i] = java.util.Arrays.stream(slices.apply(o.get(i))).max().orElse(Double.NaN);
            label[i] = o.get(i).positive();
        }
        return org.ichnode.training.Metrics.auc(score, label);
    }

    /**
     * Per slice the classifiers' logit plus the logit of the U-Net's peak on that slice (the score
     * {@code call.studyScore=classifiers+unet-per-slice} would give, with the peak taken at source resolution).
     */
    private static double[] perSliceSums(RealEvaluation.StudyOutcome o) {
        double[] z = o.classifierLogits(), out = new double[z.length];
        for (int k = 0; k < z.length; k++) out[k] = z[k] + ModelSegmenter.logit(o.sliceScores()[k]);
        return out;
    }

    private static int positives(List<LabelledStudy> s) { return (int) s.stream().filter(LabelledStudy::positive).count(); }

    private static String figures(RealEvaluation.Report r) {
        StringBuilder b = new StringBuilder();
        for (Figure f : FIGURES) b.append(b.length() == 0 ? "" : " ").append(f.key()).append('=').append(num(f.value().applyAsDouble(r)));
        return b.toString();
    }

    /** The real_cv figures: the mean over folds of each (NaN folds, e.g. without masked slices, left out). */
    private static String meanLine(List<List<RealEvaluation.StudyOutcome>> perFold) {
        StringBuilder b = new StringBuilder();
        for (Figure f : FIGURES.subList(0, 7)) {
            b.append(b.length() == 0 ? "" : " ").append(f.key()).append('=').append(num(meanSd(perFold, f)[0]));
        }
        return b.toString();
    }

    private static double[] meanSd(List<List<RealEvaluation.StudyOutcome>> perFold, Figure f) {
        List<Double> v = new ArrayList<>();
        for (List<RealEvaluation.StudyOutcome> o : perFold) {
            double x = f.value().applyAsDouble(RealEvaluation.summarize(o, 0));
            if (Double.isFinite(x)) v.add(x);
        }
        return meanSd(v);
    }

    static double[] meanSd(List<Double> v) {
        if (v.isEmpty()) return new double[] {Double.NaN, Double.NaN};
        double m = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN), ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return new double[] {m, v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : Double.NaN};
    }

    private static String markdown(DatasetOption data, int folds, int ran, String input, int cSteps, int uSteps, double target,
                                   List<LabelledStudy> all, Map<String, List<List<RealEvaluation.StudyOutcome>>> outcomes,
                                   Map<String, List<Double>> trainSeconds, double seconds) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "# Cross-validation on real CT: %s%n%n%d patients (%d with hemorrhage), %d patient-wise folds stratified by label "
                        + "(%d run), image-level labels only; input %s, classifier steps %d, U-Net steps %d, target sensitivity %.2f "
                        + "(operating point chosen on each fold's validation patients); %.0f s in all.%n%n",
                data.describe(), all.size(), positives(all), folds, Math.min(folds, ran), input, cSteps, uSteps, target, seconds));
        b.append("Mean ± sd over folds:\n\n| row |");
        for (Figure f : FIGURES) b.append(' ').append(f.title()).append(" |");
        b.append(" training s per fold |\n|---|");
        for (int i = 0; i <= FIGURES.size(); i++) b.append("---|");
        b.append('\n');
        for (Map.Entry<String, List<List<RealEvaluation.StudyOutcome>>> e : outcomes.entrySet()) {
            b.append("| ").append(e.getKey()).append(" |");
            for (Figure f : FIGURES) {
                double[] ms = meanSd(e.getValue(), f);
                b.append(' ').append(num(ms[0])).append(Double.isFinite(ms[1]) ? " ± " + num(ms[1]) : "").append(" |");
            }
            double[] t = meanSd(trainSeconds.get(e.getKey()).stream().filter(Double::isFinite).toList());
            b.append(' ').append(Double.isFinite(t[0]) ? String.format(Locale.ROOT, "%.0f", t[0]) : "-").append(" |\n");
        }
        b.append("\nAll test patients pooled (each scored by the model of its own fold):\n\n| row |");
        for (Figure f : FIGURES) b.append(' ').append(f.title()).append(" |");
        b.append(" CL / ML / FPL (masked) |\n|---|");
        for (int i = 0; i <= FIGURES.size(); i++) b.append("---|");
        b.append('\n');
        for (Map.Entry<String, List<List<RealEvaluation.StudyOutcome>>> e : outcomes.entrySet()) {
            List<RealEvaluation.StudyOutcome> pooled = e.getValue().stream().flatMap(List::stream).toList();
            RealEvaluation.Report r = RealEvaluation.summarize(pooled, 0);
            b.append("| ").append(e.getKey()).append(" |");
            for (Figure f : FIGURES) b.append(' ').append(num(f.value().applyAsDouble(r))).append(" |");
            b.append(String.format(Locale.ROOT, " %d / %d / %d (of %d) |%n", r.maskedLesions().correct(), r.maskedLesions().missed(),
                    r.maskedLesions().falsePositive(), r.maskedLesions().trueLesions()));
        }
        return b.toString();
    }

    private static String json(Map<String, List<List<RealEvaluation.StudyOutcome>>> outcomes) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, List<List<RealEvaluation.StudyOutcome>>> e : outcomes.entrySet()) {
            ObjectNode row = o.putObject(e.getKey());
            ArrayNode folds = row.putArray("folds");
            for (List<RealEvaluation.StudyOutcome> fold : e.getValue()) folds.add(RealEvaluation.summarize(fold, 0).toJsonNode());
            row.set("pooled", RealEvaluation.summarize(e.getValue().stream().flatMap(List::stream).toList(), 0).toJsonNode());
        }
        return o.toString();
    }

    /**
     * One line per row, fold and test study: the call, and per slice (';'-separated, top to bottom) the label, the
     * classifiers' logit, the segmenter's slice score and (trained rows) the classifiers' logit averaged with that of
     * the mirror image, so that other ways of scoring a study can be studied offline.
     */
    private static String studiesCsv(Map<String, List<List<RealEvaluation.StudyOutcome>>> outcomes, Map<String, double[]> mirrored) {
        StringBuilder b = new StringBuilder("row,fold,study,positive,probability,called,found_ml,slice_labels,classifier_logits,slice_scores,"
                + "classifier_logits_mirrored\n");
        for (Map.Entry<String, List<List<RealEvaluation.StudyOutcome>>> e : outcomes.entrySet()) {
            for (int f = 0; f < e.getValue().size(); f++) {
                for (RealEvaluation.StudyOutcome o : e.getValue().get(f)) {
                    StringBuilder labels = new StringBuilder();
                    for (boolean l : o.sliceLabels()) labels.append(labels.isEmpty() ? "" : ";").append(l ? 1 : 0);
                    b.append(String.join(",", slug(e.getKey()), Integer.toString(f + 1), o.id().replace(',', '_'),
                            o.positive() ? "1" : "0", num(o.probability()), o.called() ? "1" : "0", num(o.foundMl()),
                            labels, joined(o.classifierLogits()), joined(o.sliceScores()),
                            joined(mirrored.get(e.getKey() + "\u0000" + o.id())))).append('\n');
                }
            }
        }
        return b.toString();
    }

    private static String joined(double[] values) {
        if (values == null) return "";
        StringBuilder b = new StringBuilder();
        for (double v : values) b.append(b.isEmpty() ? "" : ";").append(String.format(Locale.ROOT, "%.4f", v));
        return b.toString();
    }

    private static String slug(String row) {
        return row.replaceAll("[^A-Za-z0-9]+", "_").replaceAll("^_|_$", "").toLowerCase(Locale.ROOT);
    }

    private static String num(double d) { return Double.isFinite(d) ? String.format(Locale.ROOT, "%.3f", d) : "nan"; }
}
