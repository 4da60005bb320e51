package org.ichnode.app.retrain;

import org.ichnode.app.data.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;
import org.ichnode.model.LabelledStudy;
import org.ichnode.model.PatientSplit;
import org.junit.jupiter.api.Test;

/** The retraining gate judges on the site's own held-out studies where it has them, on the phantom Dice otherwise. */
class SiteGateTest {
    private static final RetrainPolicy POLICY = new RetrainPolicy(0.0, 1, 1, Duration.ofMinutes(5), 0.0, 0.2, true);

    private static Map<String, Double> site(double dice, double auc, double specificity, double normalMl) {
        return Map.of("dice", dice, "site.studyAuc", auc, "site.specificity", specificity, "site.normalMedianMl", normalMl, "site.studies", 24.0);
    }

    @Test
    void siteStudyAucDecidesWherebothModelsHaveIt() {
        // better on the site's studies, a little worse on the phantom: promoted
        Retraining.Gate g = Retraining.gate(site(0.60, 0.81, 0.70, 0.0), site(0.70, 0.74, 0.40, 12.5), "active m1", POLICY);
        assertTrue(g.promote(), g.reason());
        assertTrue(g.reason().contains("24 held-out site studies: study AUC 0.8100 vs active m1 0.7400"), g.reason());
        assertTrue(g.reason().contains("specificity 0.700 vs 0.400, normals median 0.0 vs 12.5 mL"), g.reason());
        // better on the phantom, worse on the site's studies: refused
        g = Retraining.gate(site(0.90, 0.70, 0.5, 1), site(0.70, 0.74, 0.5, 1), "active m1", POLICY);
        assertFalse(g.promote(), g.reason());
        assertTrue(g.reason().contains("gain -0.0400 < retrain.gate.minSiteAucGain"), g.reason());
        // better on the site but far worse on the phantom: the sanity check refuses it
        g = Retraining.gate(site(0.30, 0.90, 0.9, 0), site(0.70, 0.74, 0.5, 1), "active m1", POLICY);
        assertFalse(g.promote(), g.reason());
        assertTrue(g.reason().contains("drop beyond retrain.gate.maxPhantomDiceDrop"), g.reason());
    }

    @Test
    void withoutSiteStudiesThePhantomDiceDecidesAndTheReasonSaysSo() {
        Retraining.Gate g = Retraining.gate(Map.of("dice", 0.71), site(0.70, 0.74, 0.5, 1), "HU baseline", POLICY);
        assertTrue(g.promote(), g.reason());
        assertTrue(g.reason().startsWith("dice 0.7100 vs HU baseline 0.7000"), g.reason());
        assertTrue(g.reason().contains("no held-out site studies of both labels"), g.reason());
        assertFalse(Retraining.gate(Map.of("dice", 0.69), Map.of("dice", 0.70), "HU baseline", POLICY).promote());
    }

    private static java.util.Set<String> ids(List<LabelledStudy> l) {
        return new java.util.TreeSet<>(l.stream().map(LabelledStudy::id).toList());
    }

    @Test
    void siteStudiesAreHeldOutOnlyFromLargeEnoughSnapshotsAndAlwaysTheSameOnes() {
        Volume v = new Volume(2, 2, new short[4], List.of(new SliceGeometry(new Vec3(0, 0, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), 1, 1)),
                List.of("1.2.3"), "1.2");
        List<LabelledStudy> studies = new ArrayList<>();
        for (int i = 0; i < 30; i++) studies.add(new LabelledStudy("1.2.840." + i, "1.2.840." + i, v, i < 12, null, null));
        WeakCandidateTrainer trainer = new WeakCandidateTrainer(128, 1, 1, new DatasetOption("phantom:small", 1, 0, 1, null), 0.2, 10);
        PatientSplit split = trainer.siteSplit(studies);
        assertEquals(2, split.held().stream().filter(LabelledStudy::positive).count(), "round(0.2 x 12) report-positive held out");
        assertEquals(4, split.held().stream().filter(s -> !s.positive()).count(), "round(0.2 x 18) report-negative held out");
        List<LabelledStudy> reversed = new ArrayList<>(studies);
        java.util.Collections.reverse(reversed);
        assertEquals(ids(split.held()), ids(trainer.siteSplit(reversed).held()), "the same studies whatever the order");
        assertTrue(trainer.siteSplit(studies.subList(0, 21)).held().isEmpty(), "9 report-negative studies: too few to hold any out");
    }
}
