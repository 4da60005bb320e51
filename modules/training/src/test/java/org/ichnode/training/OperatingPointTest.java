package org.ichnode.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OperatingPointTest {
    @Test void theHighestThresholdThatKeepsTheTargetSensitivity() {
        double[] p = {0.9, 0.2, 0.7, 0.5};
        assertEquals(0.2, OperatingPoint.forSensitivity(p, 0.95), 0); // 4 of 4 needed
        assertEquals(0.5, OperatingPoint.forSensitivity(p, 0.75), 0); // 3 of 4
        assertEquals(0.9, OperatingPoint.forSensitivity(p, 0.25), 0);
        assertEquals(0.2, OperatingPoint.forSensitivity(p, 1.0), 0);
        double[] many = new double[20];
        for (int i = 0; i < 20; i++) many[i] = i / 20.0;
        assertEquals(0.05, OperatingPoint.forSensitivity(many, 0.95), 1e-12); // 19 of 20
        assertTrue(Double.isNaN(OperatingPoint.forSensitivity(new double[0], 0.95)));
    }

    /** needed / (n + 1), against a simulation: thresholds from n random positives, applied to fresh ones. */
    @Test void theSensitivityToExpectOnNewStudies() {
        assertEquals(0.8, OperatingPoint.expectedSensitivity(4, 0.95), 1e-12);
        assertEquals(19 / 21.0, OperatingPoint.expectedSensitivity(20, 0.95), 1e-12);
        assertTrue(Double.isNaN(OperatingPoint.expectedSensitivity(0, 0.95)));
        java.util.Random r = new java.util.Random(7);
        for (int n : new int[] {4, 10}) {
            long above = 0, trials = 20000;
            for (int t = 0; t < trials; t++) {
                double[] val = new double[n];
                for (int i = 0; i < n; i++) val[i] = r.nextGaussian();
                if (r.nextGaussian() >= OperatingPoint.forSensitivity(val, 0.95)) above++;
            }
            assertEquals(OperatingPoint.expectedSensitivity(n, 0.95), (double) above / trials, 0.01, "n=" + n);
        }
    }
}
