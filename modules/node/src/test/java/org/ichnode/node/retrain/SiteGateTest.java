package org.ichnode.node.retrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
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
}
