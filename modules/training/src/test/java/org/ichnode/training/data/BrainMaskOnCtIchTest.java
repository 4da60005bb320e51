package org.ichnode.training.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.ichnode.core.segmentation.BrainMask;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.training.LabelledStudy;
import org.junit.jupiter.api.Test;

/** Skull stripping on real CT that the ordinary ring closing cannot handle (read from ../shared). */
class BrainMaskOnCtIchTest {

    /**
     * CT-ICH patient 085 is an infant: a thin skull, partly below the 300 HU bone threshold, open at its sutures and
     * fontanelles. The ring closes on none of its slices, so before the convex-hull fallback the node looked nowhere and
     * could not find its hemorrhage (slices 12 and 13 of the JPGs).
     */
    @Test
    void anInfantsOpenSkullStillHasAnIntracranialRegion() throws Exception {
        Path dir = Tools.ctIch();
        LabelledStudy s = CtIchDataset.loadPatients(dir, List.of(85), false, CtIchDataset.Geometry.assumed(), m -> {}).get(0);
        BrainMask.Result r = new BrainMask().compute(s.volume());
        int per = s.volume().voxelsPerSlice();
        double pixelMm2 = 0.42 * 0.42;
        int withBrain = 0, hull = 0;
        for (int k = 0; k < s.volume().slices(); k++) {
            int n = 0;
            for (int i = 0; i < per; i++) n += r.brain()[k * per + i];
            if (n * pixelMm2 > 5000) withBrain++;
            if (Double.isInfinite(r.closingMm()[k])) hull++;
            // a labelled slice has brain of a plausible size (measured: about 10,000 mm^2)
            if (s.sliceLabels()[k]) assertTrue(n * pixelMm2 > 5000 && n * pixelMm2 < 20000, "slice " + k + ": " + n * pixelMm2 + " mm^2");
        }
        assertTrue(withBrain >= 8, withBrain + " of " + s.volume().slices() + " slices with brain");
        assertTrue(hull >= 8, hull + " slices from the convex hull");
    }
}
