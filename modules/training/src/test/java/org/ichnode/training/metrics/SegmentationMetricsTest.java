package org.ichnode.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentationMetricsTest {

    static byte[] mask(int n, int... ones) {
        byte[] m = new byte[n];
        for (int i : ones) m[i] = 1;
        return m;
    }

    @Test
    void handMadeOverlap() {
        byte[] truth = mask(10, 0, 1, 2, 3), pred = mask(10, 2, 3, 4, 5);
        ConfusionCounts c = SegmentationMetrics.counts(pred, truth);
        assertEquals(new ConfusionCounts(2, 2, 2, 4), c);
        assertEquals(0.5, c.dice(), 1e-12);                       // 2*2 / (4 + 4)
        assertEquals(1.0 / 3, c.iou(), 1e-12);                    // 2 / 6
        assertEquals(0.5, c.backgroundIou(), 1e-12);              // 4 / 8
        assertEquals((1.0 / 3 + 0.5) / 2, c.meanIou(), 1e-12);    // 5/12
        assertEquals(0.5, c.sensitivity(), 1e-12);
        assertEquals(0.5, c.precision(), 1e-12);
        assertEquals(0.5, SegmentationMetrics.dice(pred, truth), 1e-12);
    }

    @Test
    void perfectAndEmptyConventions() {
        byte[] t = mask(6, 1, 2);
        ConfusionCounts perfect = SegmentationMetrics.counts(t, t);
        assertEquals(1.0, perfect.dice());
        assertEquals(1.0, perfect.meanIou());
        ConfusionCounts bothEmpty = SegmentationMetrics.counts(new byte[6], new byte[6]);
        assertEquals(1.0, bothEmpty.dice());
        assertEquals(1.0, bothEmpty.iou());
        assertEquals(1.0, bothEmpty.meanIou());
        ConfusionCounts missedAll = SegmentationMetrics.counts(new byte[6], t);
        assertEquals(0.0, missedAll.dice());
        assertEquals((0.0 + 4.0 / 6) / 2, missedAll.meanIou(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> SegmentationMetrics.counts(new byte[3], new byte[4]));
    }

    @Test
    void perVolumeMeanVersusPooled() {
        ConfusionCounts a = SegmentationMetrics.counts(mask(10, 2, 3, 4, 5), mask(10, 0, 1, 2, 3)); // 2,2,2,4
        ConfusionCounts b = SegmentationMetrics.counts(new byte[10], new byte[10]);                 // 0,0,0,10
        SegmentationMetrics.Summary s = SegmentationMetrics.summarize(List.of(a, b));
        assertEquals(2, s.volumes());
        assertEquals(0.75, s.meanDice(), 1e-12);
        assertEquals((1.0 / 3 + 1) / 2, s.meanIou(), 1e-12);
        assertEquals((5.0 / 12 + 1) / 2, s.meanMIou(), 1e-12);
        assertEquals(new ConfusionCounts(2, 2, 2, 14), s.pooled());
        assertEquals(0.5, s.pooledDice(), 1e-12);
        assertEquals(1.0 / 3, s.pooledIou(), 1e-12);
        assertEquals((1.0 / 3 + 14.0 / 18) / 2, s.pooledMIou(), 1e-12);
        assertEquals(Double.NaN, SegmentationMetrics.summarize(List.of()).meanDice());
    }
}
