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
        int needed = (int) Math.ceil(target * s.length - 1e-9);
        return s[s.length - needed];
    }
}
