package org.ichnode.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test void perfectReversedAndTied() {
        boolean[] l = {false, false, true, true};
        assertEquals(1.0, Metrics.auc(new double[] {0.1, 0.2, 0.8, 0.9}, l), 1e-12);
        assertEquals(0.0, Metrics.auc(new double[] {0.9, 0.8, 0.2, 0.1}, l), 1e-12);
        assertEquals(0.5, Metrics.auc(new double[] {0.5, 0.5, 0.5, 0.5}, l), 1e-12);
    }

    @Test void matchesPairCounting() {
        // positives 0.35, 0.8 ; negatives 0.1, 0.4, 0.35 -> pairs won: 0.35>0.1 (1), 0.35=0.35 (0.5), 0.8 beats all (3) = 4.5 / 6
        double[] s = {0.1, 0.4, 0.35, 0.8, 0.35};
        boolean[] l = {false, false, true, true, false};
        assertEquals(4.5 / 6, Metrics.auc(s, l), 1e-12);
    }

    @Test void oneClassIsNaN() {
        assertTrue(Double.isNaN(Metrics.auc(new double[] {1, 2}, new boolean[] {true, true})));
    }
}
