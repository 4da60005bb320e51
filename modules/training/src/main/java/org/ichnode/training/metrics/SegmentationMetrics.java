package org.ichnode.training.metrics;

import java.util.List;

/**
 * Dice, IoU and two-class mIoU (mean of hemorrhage IoU and background IoU), per volume and summarised over volumes
 * two ways: the mean of per-volume scores, and the score of the pooled counts (all voxels of all volumes together).
 * Masks are byte arrays, non-zero = hemorrhage, in any common voxel order (e.g. Volume order).
 */
public final class SegmentationMetrics {
    private SegmentationMetrics() {}

    public static ConfusionCounts counts(byte[] predicted, byte[] truth) {
        if (predicted == null || truth == null) throw new IllegalArgumentException("null mask");
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException("mask sizes differ: " + predicted.length + " vs " + truth.length);
        }
        long tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < truth.length; i++) {
            boolean p = predicted[i] != 0, t = truth[i] != 0;
            if (p && t) tp++;
            else if (p) fp++;
            else if (t) fn++;
        }
        return new ConfusionCounts(tp, fp, fn, truth.length - tp - fp - fn);
    }

    public static double dice(byte[] predicted, byte[] truth) { return counts(predicted, truth).dice(); }

    public static double iou(byte[] predicted, byte[] truth) { return counts(predicted, truth).iou(); }

    public static double meanIou(byte[] predicted, byte[] truth) { return counts(predicted, truth).meanIou(); }

    /**
     * @param volumes      number of volumes summarised
     * @param meanDice     mean over volumes of the per-volume Dice
     * @param meanIou      mean over volumes of the per-volume hemorrhage IoU
     * @param meanMIou     mean over volumes of the per-volume two-class mIoU
     * @param pooled       counts summed over all volumes
     */
    public record Summary(int volumes, double meanDice, double meanIou, double meanMIou, ConfusionCounts pooled) {
        public double pooledDice() { return pooled.dice(); }
        public double pooledIou() { return pooled.iou(); }
        public double pooledMIou() { return pooled.meanIou(); }
    }

    /** Summary of per-volume counts (empty list: all means NaN, pooled = zero counts). */
    public static Summary summarize(List<ConfusionCounts> perVolume) {
        ConfusionCounts pooled = ConfusionCounts.ZERO;
        double d = 0, j = 0, m = 0;
        for (ConfusionCounts c : perVolume) {
            pooled = pooled.plus(c);
            d += c.dice();
            j += c.iou();
            m += c.meanIou();
        }
        int n = perVolume.size();
        return n == 0 ? new Summary(0, Double.NaN, Double.NaN, Double.NaN, pooled)
                : new Summary(n, d / n, j / n, m / n, pooled);
    }
}
