package org.ichnode.training;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ichnode.training.metrics.ConfusionCounts;
import org.ichnode.training.metrics.LesionLocalization;
import org.ichnode.training.metrics.SegmentationMetrics;
import org.ichnode.core.segmentation.LesionMeasurer;
import org.ichnode.core.volume.Volume;

/**
 * Segmentation quality against true masks, on the source grid: hemorrhage Dice and IoU (pooled over all voxels and
 * mean over positive studies), two-class mIoU as in the paper (mean of the hemorrhage and background IoU, pooled),
 * lesion-level CL / ML / FPL, absolute volume error in mL, and the study-level AUC of the study probabilities.
 */
public final class Evaluation {
    private Evaluation() {}

    /** One study's outcome. */
    public record StudyResult(String id, boolean positive, double probability, ConfusionCounts counts,
                              LesionLocalization.Counts lesions, double trueMl, double predictedMl) {}

    /** Summary over studies. */
    public record Report(int studies, int positiveStudies, ConfusionCounts pooled, double meanDicePositive,
                         LesionLocalization.Counts lesions, double meanAbsVolumeErrorMl, double studyAuc, double seconds) {
        public double pooledDice() { return pooled.dice(); }
        public double pooledIou() { return pooled.iou(); }
        public double pooledMIou() { return pooled.meanIou(); }

        public ObjectNode toJsonNode() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("studies", studies).put("positiveStudies", positiveStudies);
            putNumber(o, "dice", pooledDice());
            putNumber(o, "iou", pooledIou());
            putNumber(o, "mIoU", pooledMIou());
            putNumber(o, "meanDicePositiveStudies", meanDicePositive);
            o.put("CL", lesions.correct()).put("ML", lesions.missed()).put("FPL", lesions.falsePositive())
                    .put("trueLesions", lesions.trueLesions());
            putNumber(o, "meanAbsVolumeErrorMl", meanAbsVolumeErrorMl);
            putNumber(o, "studyAuc", studyAuc);
            putNumber(o, "seconds", seconds);
            return o;
        }

        public String toJson() { return toJsonNode().toString(); }
    }

    public static StudyResult evaluate(String id, Volume v, byte[] truth, byte[] predicted, boolean positive, double probability) {
        ConfusionCounts c = SegmentationMetrics.counts(predicted, truth);
        LesionLocalization.Counts l = LesionLocalization.evaluate(predicted, truth, v.columns(), v.rows(), v.slices());
        return new StudyResult(id, positive, probability, c, l, volumeMl(v, truth), volumeMl(v, predicted));
    }

    public static Report summarize(List<StudyResult> results, double seconds) {
        ConfusionCounts pooled = ConfusionCounts.ZERO;
        LesionLocalization.Counts lesions = LesionLocalization.Counts.ZERO;
        double diceSum = 0, volErr = 0;
        int pos = 0;
        double[] scores = new double[results.size()];
        boolean[] labels = new boolean[results.size()];
        for (int i = 0; i < results.size(); i++) {
            StudyResult r = results.get(i);
            pooled = pooled.plus(r.counts());
            lesions = lesions.plus(r.lesions());
            volErr += Math.abs(r.predictedMl() - r.trueMl());
            if (r.positive()) { pos++; diceSum += r.counts().dice(); }
            scores[i] = r.probability();
            labels[i] = r.positive();
        }
        boolean bothClasses = pos > 0 && pos < results.size();
        return new Report(results.size(), pos, pooled, pos == 0 ? Double.NaN : diceSum / pos, lesions,
                results.isEmpty() ? Double.NaN : volErr / results.size(),
                bothClasses ? Metrics.auc(scores, labels) : Double.NaN, seconds);
    }

    /** Volume of a mask in mL (voxel volume per slice from the slab thickness along the normal). */
    public static double volumeMl(Volume v, byte[] mask) {
        double[] ml = LesionMeasurer.voxelVolumeMl(v);
        int per = v.voxelsPerSlice();
        double total = 0;
        for (int k = 0; k < v.slices(); k++) {
            int n = 0;
            for (int i = k * per, end = i + per; i < end; i++) n += mask[i] != 0 ? 1 : 0;
            total += n * ml[k];
        }
        return total;
    }

    /** Model-space per-slice masks back onto the source grid (bilinear, at least half = inside). */
    public static byte[] toSource(PreparedStudy s, byte[][] modelMasks) {
        Volume v = s.study().volume();
        int per = v.voxelsPerSlice();
        byte[] out = new byte[per * v.slices()];
        for (int k = 0; k < v.slices(); k++) {
            float[] src = s.slices().get(k).mapping().toSource(PseudoMasks.toFloat(modelMasks[k]));
            for (int i = 0; i < per; i++) if (src[i] >= 0.5f) out[k * per + i] = 1;
        }
        return out;
    }

    static String num(double d) { return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "null"; }

    /** A figure in the reports' JSON: four decimals, null where it is not defined (NaN). */
    static void putNumber(ObjectNode o, String key, double d) {
        if (Double.isFinite(d)) o.put(key, BigDecimal.valueOf(d).setScale(4, RoundingMode.HALF_UP));
        else o.putNull(key);
    }
}
