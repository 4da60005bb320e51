package org.ichnode.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StudyCalibrationTest {

    /** Logits four times too confident (true probability sigmoid(z / 4)): the fit finds the slope back. */
    @Test void overconfidentLogitsAreShrunk() {
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 4000;
        double[] z = new double[n];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            z[i] = rnd.nextDouble(-24, 24);
            y[i] = rnd.nextDouble() < 1 / (1 + Math.exp(-(z[i] / 4 - 0.5)));
        }
        StudyCalibration c = StudyCalibration.fit(z, y);
        assertEquals(0.25, c.slope(), 0.03, c.toString());
        assertEquals(-0.5, c.intercept(), 0.15, c.toString());
        assertEquals(1 / (1 + Math.exp(-(2 - 0.5))), c.probability(8), 0.03);
    }

    /** Ten studies, perfectly separated: the smoothed targets and the prior keep the fit finite and monotone. */
    @Test void fewSeparatedStudiesStayFiniteAndKeepTheRanking() {
        double[] z = {-9, -7, -6, -5, -4.5, -3, 2, 4, 6, 9};
        boolean[] y = {false, false, false, false, false, false, true, true, true, true};
        StudyCalibration c = StudyCalibration.fit(z, y);
        assertTrue(c.slope() > 0 && c.slope() < 10, c.toString());
        for (int i = 1; i < z.length; i++) assertTrue(c.probability(z[i]) > c.probability(z[i - 1]));
        assertTrue(c.probability(9) < 1 && c.probability(-9) > 0);
        assertTrue(c.probability(2) > 0.5 && c.probability(-3) < 0.5, c.toString());
    }

    @Test void oneClassOnlyIsTheIdentity() {
        assertEquals(StudyCalibration.identity(), StudyCalibration.fit(new double[] {1, 2}, new boolean[] {true, true}));
        assertEquals(1 / (1 + Math.exp(-1.5)), StudyCalibration.identity().probability(1.5), 1e-12);
        assertEquals(1.0, StudyCalibration.identity().probability(1e6));
        assertEquals(0.0, StudyCalibration.identity().probability(-1e6));
    }

    @Test void aReversingCalibrationIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new StudyCalibration(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new StudyCalibration(Double.NaN, 0));
    }
}
