package org.ichnode.training;

import java.util.Arrays;
import java.util.Comparator;

/** Evaluation figures. */
public final class Metrics {
    private Metrics() {}

    /**
     * Area under the ROC curve: the probability that a random positive scores above a random negative, ties counting
     * one half (Mann-Whitney U with mid-ranks). NaN when either class is absent.
     */
    public static double auc(double[] scores, boolean[] labels) {
        if (scores.length != labels.length) throw new IllegalArgumentException("scores and labels differ in length");
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) j++;
            double midRank = (i + j) / 2.0 + 1;   // 1-based
            for (int k = i; k <= j; k++) if (labels[order[k]]) { rankSumPos += midRank; pos++; }
            i = j + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) return Double.NaN;
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    public static double auc(float[] scores, boolean[] labels) {
        double[] d = new double[scores.length];
        for (int i = 0; i < d.length; i++) d[i] = scores[i];
        return auc(d, labels);
    }
}
