package org.ichnode.core.volume;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class HuStatisticsTest {
    @Test
    void statisticsOfKnownValues() {
        short[] hu = new short[100];
        for (int i = 0; i < 100; i++) hu[i] = (short) (i < 50 ? -1000 : i < 90 ? 40 : 1000);
        HuStatistics s = HuStatistics.of(hu);
        assertEquals(100, s.voxelCount());
        assertEquals(-1000, s.min());
        assertEquals(1000, s.max());
        assertEquals((-1000 * 50 + 40 * 40 + 1000 * 10) / 100.0, s.mean(), 1e-9);
        assertEquals(-1000, s.p1());
        assertEquals(-1000, s.p50());
        assertEquals(1000, s.p99());
        assertEquals(0.40, s.fractionBrainWindow(), 1e-12);
        assertEquals(0.10, s.fractionBone(), 1e-12);
        double mean = s.mean();
        double var = (50 * Math.pow(-1000 - mean, 2) + 40 * Math.pow(40 - mean, 2) + 10 * Math.pow(1000 - mean, 2)) / 100;
        assertEquals(Math.sqrt(var), s.std(), 1e-6);
        String json = s.toJson();
        assertTrue(json.contains("\"voxelCount\":100"), json);
        assertTrue(json.contains("\"fractionBrainWindow0to80\":0.4"), json);
        assertTrue(json.contains("\"p99\":1000"), json);
    }
}
