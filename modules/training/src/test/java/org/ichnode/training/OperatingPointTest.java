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
}
