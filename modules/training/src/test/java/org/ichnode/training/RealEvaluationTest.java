package org.ichnode.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.segmentation.Finding;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;
import org.junit.jupiter.api.Test;

/** The figures of {@link RealEvaluation} worked out by hand on 10x10 slices of 1 mm (0.1 mL per 100 voxels). */
class RealEvaluationTest {
    private static final int N = 10, PER = N * N;

    @Test
    void figuresFromLabelsAndFromTheMaskedSlicesOnly() {
        // study A: positive, 2 slices, slice 1 masked (20 voxels) and found with 10 of them plus 10 false voxels
        byte[] truthA = new byte[2 * PER], foundA = new byte[2 * PER];
        for (int i = 0; i < 20; i++) truthA[PER + i] = 1;
        for (int i = 10; i < 30; i++) foundA[PER + i] = 1;
        LabelledStudy a = new LabelledStudy("a", "pa", volume(2), true, new boolean[] {false, true}, truthA,
                new boolean[] {false, true}, List.of(Set.of(), Set.of("epidural")));
        // study B: negative, 40 voxels found on slice 0 (0.04 mL): a false call
        byte[] foundB = new byte[2 * PER];
        for (int i = 0; i < 40; i++) foundB[i] = 1;
        LabelledStudy b = new LabelledStudy("b", "pb", volume(2), false, new boolean[2], null, null, List.of(Set.of(), Set.of()));
        // study C: negative, nothing found
        LabelledStudy c = new LabelledStudy("c", "pc", volume(2), false, new boolean[2], null, null, List.of(Set.of(), Set.of()));
        List<RealEvaluation.StudyOutcome> o = new ArrayList<>();
        o.add(RealEvaluation.evaluate(a, segmentation(foundA, 0.9)));
        o.add(RealEvaluation.evaluate(b, segmentation(foundB, 0.6)));
        o.add(RealEvaluation.evaluate(c, segmentation(new byte[2 * PER], 0.7)));
        RealEvaluation.Report r = RealEvaluation.summarize(o, 1);
        assertEquals(3, r.studies());
        assertEquals(1.0, r.studyAuc(), 1e-12);
        assertEquals(1.0, r.sensitivity(), 1e-12);
        assertEquals(0.5, r.specificity(), 1e-12);
        assertEquals(0.02, r.normalMedianMl(), 1e-9); // 0 and 0.04 mL
        assertEquals(0.036, r.normalP90Ml(), 1e-9);
        assertEquals(0.04, r.normalMaxMl(), 1e-9);
        assertEquals(1, r.maskedSlices());
        assertEquals(0.5, r.maskedDice(), 1e-12); // 2*10 / (20 + 20)
        assertEquals(0.5, r.meanMaskedSliceDice(), 1e-12);
        assertEquals(1, r.maskedLesions().correct());
        assertEquals(0, r.maskedLesions().falsePositive());
        assertEquals(new RealEvaluation.SubtypeRow(1, 1, 1, 1), r.subtypes().get("epidural"));
        // slice scores: the found share of each slice; positive slice A1 (0.2) above every negative but B0 (0.4)
        assertEquals(4.0 / 5, r.sliceAuc(), 1e-12);
    }

    /** Top-k study scores and the classifiers' slice AUC from the slice logits; NaN where a segmenter has none. */
    @Test
    void studyScoresFromTheClassifiersSliceLogits() {
        LabelledStudy pos = new LabelledStudy("p", "pp", volume(3), true, new boolean[] {false, true, true}, null, null,
                List.of(Set.of(), Set.of(), Set.of()));
        LabelledStudy neg = new LabelledStudy("n", "pn", volume(3), false, new boolean[3], null, null, List.of(Set.of(), Set.of(), Set.of()));
        byte[] none = new byte[3 * PER];
        // the negative study has one outlying slice: it wins on the highest logit, the positive one on the top-2/3 means
        List<RealEvaluation.StudyOutcome> o = List.of(
                RealEvaluation.evaluate(pos, segmentation(none, 0.6), new double[] {-3, 2, 2.5}),
                RealEvaluation.evaluate(neg, segmentation(none, 0.7), new double[] {-4, -4, 3}));
        RealEvaluation.Report r = RealEvaluation.summarize(o, 0);
        assertEquals(1.0, r.studyAucTop2(), 1e-12);
        assertEquals(1.0, r.studyAucTop3(), 1e-12);
        // slice logits: positive 2, 2.5; negative -3, -4, -4, 3 -> 6 of 8 pairs ranked right
        assertEquals(6.0 / 8, r.classifierSliceAuc(), 1e-12);
        assertEquals(2.25, RealEvaluation.topMean(new double[] {-3, 2, 2.5}, 2), 1e-12);
        assertEquals(-0.5, RealEvaluation.topMean(new double[] {-3, 2}, 5), 1e-12);
        RealEvaluation.Report without = RealEvaluation.summarize(List.of(RealEvaluation.evaluate(pos, segmentation(none, 0.6))), 0);
        assertEquals(Double.NaN, without.studyAucTop2());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RealEvaluation.evaluate(pos, segmentation(none, 0.6), new double[2]));
    }

    /**
     * The node calls "hemorrhage" when the study probability reaches the operating point and a lesion is drawn; the
     * probability-only figures count the first condition alone.
     */
    @Test
    void callNeedsALesionTheProbabilityOnlyFiguresDoNot() {
        byte[] one = new byte[2 * PER], none = new byte[2 * PER];
        one[5] = 1;
        LabelledStudy drawn = new LabelledStudy("d", "pd", volume(2), true, new boolean[] {true, false}, null, null, List.of(Set.of(), Set.of()));
        LabelledStudy notDrawn = new LabelledStudy("u", "pu", volume(2), true, new boolean[] {true, false}, null, null, List.of(Set.of(), Set.of()));
        LabelledStudy normalHigh = new LabelledStudy("h", "ph", volume(2), false, new boolean[2], null, null, List.of(Set.of(), Set.of()));
        LabelledStudy normalLow = new LabelledStudy("l", "pl", volume(2), false, new boolean[2], null, null, List.of(Set.of(), Set.of()));
        RealEvaluation.Report r = RealEvaluation.summarize(List.of(
                RealEvaluation.evaluate(drawn, segmentation(one, 0.9, 0.5)),
                RealEvaluation.evaluate(notDrawn, segmentation(none, 0.7, 0.5)),
                RealEvaluation.evaluate(normalHigh, segmentation(none, 0.6, 0.5)),
                RealEvaluation.evaluate(normalLow, segmentation(none, 0.3, 0.5))), 0);
        assertEquals(0.5, r.sensitivity(), 1e-12);
        assertEquals(1.0, r.specificity(), 1e-12);
        assertEquals(1.0, r.sensitivityProbabilityOnly(), 1e-12);
        assertEquals(0.5, r.specificityProbabilityOnly(), 1e-12);
        assertEquals(0.5, r.toJsonNode().get("specificityProbabilityOnly").asDouble(), 1e-12);
    }

    private static Segmentation segmentation(byte[] mask, double p) { return segmentation(mask, p, 0); }

    private static Segmentation segmentation(byte[] mask, double p, double operatingPoint) {
        List<Finding> f = new ArrayList<>();
        for (byte m : mask) {
            if (m != 0) {
                f.add(new Finding(1, 1, 0.1, new Vec3(0, 0, 0), 1, 60, Finding.Laterality.UNKNOWN, 0, 0));
                break;
            }
        }
        return new Segmentation(mask, null, p, f, "test", "1", operatingPoint);
    }

    private static Volume volume(int slices) {
        List<SliceGeometry> g = new ArrayList<>();
        List<String> uids = new ArrayList<>();
        for (int k = 0; k < slices; k++) {
            g.add(new SliceGeometry(new Vec3(0, 0, k), new Vec3(1, 0, 0), new Vec3(0, 1, 0), 1.0, 1.0));
            uids.add("1.2." + k);
        }
        return new Volume(N, N, new short[slices * PER], g, uids, "1.2");
    }
}
