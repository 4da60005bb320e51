package org.ichnode.training;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TrainingCurvesTest {

    @Test
    void windowsAverageTheStepsAndLeaveSkippedOnesOut() {
        // fewer steps than points: every step is its own point, a skipped (non-finite) one is null
        assertEquals("[0.50000,1.50000,3.00000,null]", TrainingCurves.windows(new float[] {0.5f, 1.5f, 3f, Float.NaN}).toString());
        float[] pairs = new float[2 * TrainingCurves.POINTS];
        for (int i = 0; i < pairs.length; i++) pairs[i] = i % 2 == 0 ? 1f : 3f;
        pairs[1] = Float.NaN; // the first window keeps only its finite step
        String p = TrainingCurves.windows(pairs).toString();
        assertEquals("[1.00000,2.00000,2.00000", p.substring(0, 24));
        float[] many = new float[1000];
        for (int i = 0; i < many.length; i++) many[i] = i;
        String w = TrainingCurves.windows(many).toString();
        assertEquals(TrainingCurves.POINTS, w.split(",").length);
        assertEquals("[4.50000", w.substring(0, 8), "the first window is steps 0..9");
    }
}
