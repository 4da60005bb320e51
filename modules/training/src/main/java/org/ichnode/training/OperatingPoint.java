package org.ichnode.training;

import java.util.Arrays;

/** The study probability at which the node calls "hemorrhage", chosen for a target sensitivity. */
public final class OperatingPoint {
    public static final double DEFAULT_TARGET_SENSITIVITY = 0.95;

    private OperatingPoint() {}

    /**
     * The highest threshold at which at least {@code target} of the positive studies score at or above it: the
     * {@code ceil(target * n)}-th highest positive score. Negative studies do not move it: with few validation studies a
     * threshold tuned on them would chase single cases. NaN without positives.
     */
    public static double forSensitivity(double[] positiveScores, double target) {
        if (!(target > 0 && target <= 1)) throw new IllegalArgumentException("target sensitivity must be in (0, 1]");
        if (positiveScores.length == 0) return Double.NaN;
        double[] s = positiveScores.clone();
        Arrays.sort(s);
        return s[s.length - needed(s.length, target)];
    }

    /**
     * The share of new positive studies expected at or above {@link #forSensitivity} chosen on {@code n} positives:
     * the threshold is the {@code needed}-th highest of them, and a new score from the same distribution ranks among
     * the n + 1 at random, so it lies at or above that one with probability needed / (n + 1). With 4 validation
     * positives and a target of 0.95 that is 0.80: the target holds on the validation studies, not on new ones, until
     * there are about 20 positives. NaN without positives.
     */
    public static double expectedSensitivity(int n, double target) {
        return n == 0 ? Double.NaN : needed(n, target) / (n + 1.0);
    }

    private static int needed(int n, double target) {
        return (int) Math.ceil(target * n - 1e-9);
    }
}
