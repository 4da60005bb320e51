package org.ichnode.training.metrics;

/**
 * Voxel confusion counts of a binary segmentation (positive = hemorrhage) and the overlap scores derived from them.
 * Empty-set convention: a score whose denominator is 0 (nothing predicted and nothing true for that class) is 1.
 */
public record ConfusionCounts(long truePositive, long falsePositive, long falseNegative, long trueNegative) {
    public static final ConfusionCounts ZERO = new ConfusionCounts(0, 0, 0, 0);

    public ConfusionCounts {
        if (truePositive < 0 || falsePositive < 0 || falseNegative < 0 || trueNegative < 0) {
            throw new IllegalArgumentException("negative count");
        }
    }

    public long total() { return truePositive + falsePositive + falseNegative + trueNegative; }

    /** Dice = 2 TP / (2 TP + FP + FN). */
    public double dice() { return ratio(2 * truePositive, 2 * truePositive + falsePositive + falseNegative); }

    /** Hemorrhage IoU = TP / (TP + FP + FN). */
    public double iou() { return ratio(truePositive, truePositive + falsePositive + falseNegative); }

    /** Background IoU = TN / (TN + FN + FP). */
    public double backgroundIou() { return ratio(trueNegative, trueNegative + falsePositive + falseNegative); }

    /** Two-class mIoU = (hemorrhage IoU + background IoU) / 2. */
    public double meanIou() { return 0.5 * (iou() + backgroundIou()); }

    /** Sensitivity = TP / (TP + FN). */
    public double sensitivity() { return ratio(truePositive, truePositive + falseNegative); }

    /** Precision = TP / (TP + FP). */
    public double precision() { return ratio(truePositive, truePositive + falsePositive); }

    /** Element-wise sum (pooling). */
    public ConfusionCounts plus(ConfusionCounts o) {
        return new ConfusionCounts(truePositive + o.truePositive, falsePositive + o.falsePositive,
                falseNegative + o.falseNegative, trueNegative + o.trueNegative);
    }

    private static double ratio(long num, long den) { return den == 0 ? 1.0 : (double) num / den; }
}
