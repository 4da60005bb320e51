package org.ichnode.dicom.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.ichnode.core.segmentation.Finding;
import org.ichnode.core.segmentation.HuThresholdSegmenter;
import org.ichnode.core.segmentation.LesionMeasurer;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.volume.AssemblyResult;
import org.ichnode.core.volume.Volume;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The HU baseline on the real GE head CT (gantry tilt 18.5 deg, variable spacing, skull base, padding -1500).
 * Its README says no acute hemorrhage is visible, so the baseline should report none or only a tiny volume.
 * It does not yet: baseline 1.0 reports about 37 mL of false positives here (a 19 mL bilateral region in the
 * posterior fossa / tentorium, slices 13-25, mean 55 HU, and bright partial-volume spots under the vertex on the
 * 7 mm slices 25-26). The strict check is kept, disabled, until the baseline handles that.
 */
class BaselineOnRealCtTest {

    private static Segmentation runOnGe(HuThresholdSegmenter.Detail[] detailOut, Volume[] volumeOut) throws Exception {
        Path dir = RealCt.dir("ge-head-tilted");
        AssemblyResult r = new SeriesVolumeLoader().load(RealCt.files(dir));
        assertTrue(r.isAccepted(), r.toString());
        Volume v = r.volumeOrThrow();
        long t0 = System.nanoTime();
        HuThresholdSegmenter.Detail d = new HuThresholdSegmenter().segmentWithDetail(v);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Segmentation s = d.segmentation();
        System.out.printf("GE baseline: %d findings, total %.3f mL, study probability %.3f, brain mask %.0f mL, %d ms%n",
                s.findings().size(), s.totalVolumeMl(), s.studyProbability(), brainMl(v, d), ms);
        for (Finding f : s.findings().subList(0, Math.min(5, s.findings().size()))) System.out.println("  " + f);
        detailOut[0] = d;
        volumeOut[0] = v;
        return s;
    }

    private static double brainMl(Volume v, HuThresholdSegmenter.Detail d) {
        double[] voxelMl = LesionMeasurer.voxelVolumeMl(v);
        byte[] brain = d.brainMask().brain();
        double ml = 0;
        for (int i = 0; i < brain.length; i++) if (brain[i] != 0) ml += voxelMl[i / v.voxelsPerSlice()];
        return ml;
    }

    /** What holds today: it runs on a tilted, variably spaced real series, finds the brain, and reports consistently. */
    @Test
    void geHeadRunsAndReportsConsistently() throws Exception {
        HuThresholdSegmenter.Detail[] d = new HuThresholdSegmenter.Detail[1];
        Volume[] v = new Volume[1];
        Segmentation s = runOnGe(d, v);
        double brain = brainMl(v[0], d[0]);
        assertTrue(brain > 800 && brain < 1800, "brain mask " + brain + " mL");
        assertEquals(s.findings().isEmpty(), s.studyProbability() == 0.0);
        double sum = 0;
        for (Finding f : s.findings()) sum += f.volumeMl();
        assertEquals(s.totalVolumeMl(), sum, 1e-9);
        for (int i = 1; i < s.findings().size(); i++) {
            assertTrue(s.findings().get(i - 1).volumeMl() >= s.findings().get(i).volumeMl(), "largest first");
        }
    }

    @Disabled("baseline 1.0 reports about 37 mL of false positives on this series (see class comment)")
    @Test
    void geHeadShowsNoMoreThanATinyVolume() throws Exception {
        Segmentation s = runOnGe(new HuThresholdSegmenter.Detail[1], new Volume[1]);
        assertTrue(s.totalVolumeMl() < 0.5, "no acute hemorrhage is visible; reported " + s.totalVolumeMl() + " mL");
    }
}
