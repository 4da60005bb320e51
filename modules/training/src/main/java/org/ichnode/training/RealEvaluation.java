package org.ichnode.training;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.ichnode.training.metrics.ConfusionCounts;
import org.ichnode.training.metrics.LesionLocalization;
import org.ichnode.training.metrics.SegmentationMetrics;
import org.ichnode.core.segmentation.Segmentation;

/**
 * Evaluation as real data allows it: image-level labels on every study, true masks on a few slices at most.
 *
 * <ul>
 *   <li>from the labels: study AUC of the study probability, slice AUC, sensitivity and specificity of the node's own
 *       call (a study is called "hemorrhage" when the segmenter reports a finding), the volume found in studies
 *       without hemorrhage (median, 90th percentile, max), and per subtype the share of its slices and studies found;</li>
 *   <li>on the masked slices only: pooled Dice, IoU and two-class mIoU, mean per-slice Dice, and lesions correct /
 *       missed / false positive (CL / ML / FPL) counted per slice in 2D.</li>
 * </ul>
 */
public final class RealEvaluation {
    private RealEvaluation() {}

    /**
     * One study's outcome.
     *
     * @param sliceScores per slice the highest voxel probability (or the share of the slice found when the segmenter
     *                    gives no probability map)
     * @param sliceFound  per slice whether the mask touches it
     * @param classifierLogits per slice the classifiers' mean logit where the segmenter has classifiers, else null
     * @param aboveOperatingPoint the study probability reaches the segmenter's operating point; {@code called} also
     *                    needs a lesion drawn, so the two differ where the U-Net draws nothing on a high study score
     */
    public record StudyOutcome(String id, boolean positive, double probability, boolean called, boolean aboveOperatingPoint, double foundMl,
                               boolean[] sliceLabels, List<Set<String>> sliceSubtypes, double[] sliceScores, boolean[] sliceFound,
                               ConfusionCounts masked, double[] maskedSliceDice, LesionLocalization.Counts maskedLesions,
                               double[] classifierLogits) {}

    /** Share of the slices (and of the studies) with a subtype where the segmenter found something. */
    public record SubtypeRow(int slices, int slicesFound, int studies, int studiesCalled) {
        public double sliceSensitivity() { return slices == 0 ? Double.NaN : (double) slicesFound / slices; }
        public double studySensitivity() { return studies == 0 ? Double.NaN : (double) studiesCalled / studies; }
    }

    /**
     * Figures of a set of studies. {@code studyAuc} ranks by the segmenter's study probability (what the call uses);
     * {@code studyAucByVolume} and {@code studyAucByMapMax} rank by the volume found and by the highest voxel of the
     * probability map (or the largest found area share where there is no map): other candidates for the study score.
     * Where the outcomes carry the classifiers' slice logits: {@code studyAucTop2} / {@code studyAucTop3} rank by the
     * mean of a study's 2 / 3 highest slice logits (the call uses the highest), {@code classifierSliceAuc} is their
     * slice AUC; NaN otherwise. {@code positivesAboveOperatingPoint} / {@code negativesAboveOperatingPoint} count the
     * studies whose probability alone reaches the operating point: what the call would be without needing a lesion.
     */
    public record Report(int studies, int positiveStudies, double studyAuc, double sliceAuc,
                         int truePositive, int falseNegative, int trueNegative, int falsePositive,
                         double normalMedianMl, double normalP90Ml, double normalMaxMl, Map<String, SubtypeRow> subtypes,
                         int maskedSlices, ConfusionCounts maskedPooled, double meanMaskedSliceDice,
                         LesionLocalization.Counts maskedLesions, double seconds, double studyAucByVolume, double studyAucByMapMax,
                         double studyAucTop2, double studyAucTop3, double classifierSliceAuc,
                         int positivesAboveOperatingPoint, int negativesAboveOperatingPoint) {
        public double sensitivity() { return ratio(truePositive, truePositive + falseNegative); }
        public double specificity() { return ratio(trueNegative, trueNegative + falsePositive); }
        /** Sensitivity if the study probability alone made the call. */
        public double sensitivityProbabilityOnly() { return ratio(positivesAboveOperatingPoint, positiveStudies); }
        /** Specificity if the study probability alone made the call. */
        public double specificityProbabilityOnly() {
            return ratio(studies - positiveStudies - negativesAboveOperatingPoint, studies - positiveStudies);
        }
        public double maskedDice() { return maskedSlices == 0 ? Double.NaN : maskedPooled.dice(); }
        public double maskedIou() { return maskedSlices == 0 ? Double.NaN : maskedPooled.iou(); }
        public double maskedMIou() { return maskedSlices == 0 ? Double.NaN : maskedPooled.meanIou(); }

        public ObjectNode toJsonNode() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("studies", studies).put("positiveStudies", positiveStudies);
            Evaluation.putNumber(o, "studyAuc", studyAuc);
            Evaluation.putNumber(o, "sliceAuc", sliceAuc);
            Evaluation.putNumber(o, "sensitivity", sensitivity());
            Evaluation.putNumber(o, "specificity", specificity());
            Evaluation.putNumber(o, "sensitivityProbabilityOnly", sensitivityProbabilityOnly());
            Evaluation.putNumber(o, "specificityProbabilityOnly", specificityProbabilityOnly());
            o.put("truePositive", truePositive).put("falseNegative", falseNegative).put("trueNegative", trueNegative)
                    .put("falsePositive", falsePositive);
            Evaluation.putNumber(o, "normalMedianMl", normalMedianMl);
            Evaluation.putNumber(o, "normalP90Ml", normalP90Ml);
            Evaluation.putNumber(o, "normalMaxMl", normalMaxMl);
            ObjectNode st = o.putObject("subtypes");
            subtypes.forEach((name, r) -> st.putObject(name).put("slices", r.slices()).put("slicesFound", r.slicesFound())
                    .put("studies", r.studies()).put("studiesCalled", r.studiesCalled()));
            o.put("maskedSlices", maskedSlices);
            Evaluation.putNumber(o, "maskedDice", maskedDice());
            Evaluation.putNumber(o, "maskedIou", maskedIou());
            Evaluation.putNumber(o, "maskedMIoU", maskedMIou());
            Evaluation.putNumber(o, "meanMaskedSliceDice", meanMaskedSliceDice);
            o.put("maskedCL", maskedLesions.correct()).put("maskedML", maskedLesions.missed())
                    .put("maskedFPL", maskedLesions.falsePositive()).put("maskedTrueLesions", maskedLesions.trueLesions());
            Evaluation.putNumber(o, "seconds", seconds);
            Evaluation.putNumber(o, "studyAucByVolume", studyAucByVolume);
            Evaluation.putNumber(o, "studyAucByMapMax", studyAucByMapMax);
            Evaluation.putNumber(o, "studyAucTop2", studyAucTop2);
            Evaluation.putNumber(o, "studyAucTop3", studyAucTop3);
            Evaluation.putNumber(o, "classifierSliceAuc", classifierSliceAuc);
            return o;
        }

        public String toJson() { return toJsonNode().toString(); }
    }

    public static StudyOutcome evaluate(LabelledStudy s, Segmentation seg) { return evaluate(s, seg, null); }

    /** As {@link #evaluate(LabelledStudy, Segmentation)}, keeping the classifiers' slice logits (may be null). */
    public static StudyOutcome evaluate(LabelledStudy s, Segmentation seg, double[] classifierLogits) {
        if (classifierLogits != null && classifierLogits.length != s.volume().slices()) {
            throw new IllegalArgumentException(classifierLogits.length + " slice logits for " + s.volume().slices() + " slices");
        }
        var v = s.volume();
        int per = v.voxelsPerSlice(), n = v.slices();
        byte[] mask = seg.mask();
        double[] scores = new double[n];
        boolean[] found = new boolean[n];
        ConfusionCounts masked = ConfusionCounts.ZERO;
        LesionLocalization.Counts lesions = LesionLocalization.Counts.ZERO;
        List<Double> dice = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int off = k * per, area = 0;
            float best = 0;
            for (int i = off; i < off + per; i++) {
                if (mask[i] != 0) area++;
                if (seg.probability() != null && seg.probability()[i] > best) best = seg.probability()[i];
            }
            found[k] = area > 0;
            scores[k] = seg.probability() != null ? best : (double) area / per;
            if (s.masked(k)) {
                byte[] p = Arrays.copyOfRange(mask, off, off + per), t = Arrays.copyOfRange(s.trueMask(), off, off + per);
                ConfusionCounts c = SegmentationMetrics.counts(p, t);
                masked = masked.plus(c);
                dice.add(c.dice());
                lesions = lesions.plus(LesionLocalization.evaluate(p, t, v.columns(), v.rows(), 1));
            }
        }
        double[] d = dice.stream().mapToDouble(Double::doubleValue).toArray();
        return new StudyOutcome(s.id(), s.positive(), seg.studyProbability(), seg.hemorrhageFound(), !seg.belowOperatingPoint(),
                Evaluation.volumeMl(v, mask),
                s.sliceLabels(), s.sliceSubtypes(), scores, found, masked, d, lesions, classifierLogits);
    }

    public static Report summarize(List<StudyOutcome> outcomes, double seconds) {
        int tp = 0, fn = 0, tn = 0, fp = 0, pos = 0, maskedSlices = 0, posAbove = 0, negAbove = 0;
        double[] studyScores = new double[outcomes.size()], volumes = new double[outcomes.size()], mapMax = new double[outcomes.size()];
        boolean[] studyLabels = new boolean[outcomes.size()];
        List<Double> normalMl = new ArrayList<>(), sliceScores = new ArrayList<>(), sliceDice = new ArrayList<>();
        List<Boolean> sliceLabels = new ArrayList<>();
        Map<String, int[]> subtypes = new LinkedHashMap<>();
        ConfusionCounts masked = ConfusionCounts.ZERO;
        LesionLocalization.Counts lesions = LesionLocalization.Counts.ZERO;
        boolean logits = !outcomes.isEmpty() && outcomes.stream().allMatch(o -> o.classifierLogits() != null);
        double[] top2 = new double[outcomes.size()], top3 = new double[outcomes.size()];
        List<Double> logitScores = new ArrayList<>();
        List<Boolean> logitLabels = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            StudyOutcome o = outcomes.get(i);
            studyScores[i] = o.probability();
            volumes[i] = o.foundMl();
            for (double x : o.sliceScores()) mapMax[i] = Math.max(mapMax[i], x);
            studyLabels[i] = o.positive();
            if (logits) {
                top2[i] = topMean(o.classifierLogits(), 2);
                top3[i] = topMean(o.classifierLogits(), 3);
                if (o.sliceLabels() != null) {
                    for (int k = 0; k < o.sliceLabels().length; k++) { logitLabels.add(o.sliceLabels()[k]); logitScores.add(o.classifierLogits()[k]); }
                }
            }
            if (o.aboveOperatingPoint()) {
                if (o.positive()) posAbove++; else negAbove++;
            }
            if (o.positive()) {
                pos++;
                if (o.called()) tp++; else fn++;
            } else {
                if (o.called()) fp++; else tn++;
                normalMl.add(o.foundMl());
            }
            if (o.sliceLabels() != null) {
                for (int k = 0; k < o.sliceLabels().length; k++) { sliceLabels.add(o.sliceLabels()[k]); sliceScores.add(o.sliceScores()[k]); }
            }
            if (o.sliceSubtypes() != null) {
                Set<String> inStudy = new java.util.LinkedHashSet<>();
                for (int k = 0; k < o.sliceSubtypes().size(); k++) {
                    for (String t : o.sliceSubtypes().get(k)) {
                        int[] c = subtypes.computeIfAbsent(t, x -> new int[4]);
                        c[0]++;
                        if (o.sliceFound()[k]) c[1]++;
                        inStudy.add(t);
                    }
                }
                for (String t : inStudy) {
                    int[] c = subtypes.get(t);
                    c[2]++;
                    if (o.called()) c[3]++;
                }
            }
            masked = masked.plus(o.masked());
            lesions = lesions.plus(o.maskedLesions());
            maskedSlices += o.maskedSliceDice().length;
            for (double d : o.maskedSliceDice()) sliceDice.add(d);
        }
        double[] ss = sliceScores.stream().mapToDouble(Double::doubleValue).toArray();
        boolean[] sl = new boolean[sliceLabels.size()];
        for (int i = 0; i < sl.length; i++) sl[i] = sliceLabels.get(i);
        Map<String, SubtypeRow> rows = new LinkedHashMap<>();
        subtypes.forEach((t, c) -> rows.put(t, new SubtypeRow(c[0], c[1], c[2], c[3])));
        double[] normal = normalMl.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Report(outcomes.size(), pos, Metrics.auc(studyScores, studyLabels), sl.length == 0 ? Double.NaN : Metrics.auc(ss, sl),
                tp, fn, tn, fp, quantile(normal, 0.5), quantile(normal, 0.9), normal.length == 0 ? Double.NaN : normal[normal.length - 1],
                rows, maskedSlices, masked, sliceDice.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN), lesions, seconds,
                Metrics.auc(volumes, studyLabels), Metrics.auc(mapMax, studyLabels),
                logits ? Metrics.auc(top2, studyLabels) : Double.NaN, logits ? Metrics.auc(top3, studyLabels) : Double.NaN,
                logitLabels.isEmpty() ? Double.NaN : Metrics.auc(logitScores.stream().mapToDouble(Double::doubleValue).toArray(), toArray(logitLabels)),
                posAbove, negAbove);
    }

    /** Mean of the {@code k} highest values (all of them when there are fewer). */
    static double topMean(double[] values, int k) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = Math.min(k, s.length);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += s[s.length - 1 - i];
        return n == 0 ? Double.NaN : sum / n;
    }

    private static boolean[] toArray(List<Boolean> v) {
        boolean[] out = new boolean[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.get(i);
        return out;
    }

    /** The q-quantile of sorted values, linear between order statistics (numpy's default); NaN when empty. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static double ratio(double a, double b) { return b == 0 ? Double.NaN : a / b; }
}
