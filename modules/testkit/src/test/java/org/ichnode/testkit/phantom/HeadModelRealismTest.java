package org.ichnode.testkit.phantom;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * What real normal heads show against the skull and the phantom used to lack (issue 14: on real CT the phantom-trained
 * model drew a crescent along the whole inner table): denser tissue just inside the inner table (beam hardening and
 * partial volume) and blood-dense dural venous sinuses.
 */
class HeadModelRealismTest {

    /** HU of the model at head coordinates, no lesion. */
    private static double hu(HeadModel h, double u, double v, double w) {
        h.sample(u, v, w);
        return h.hu;
    }

    @Test
    void fluidAgainstTheInnerTableIsDenserThanFluidElsewhere() {
        for (long seed = 1; seed <= 10; seed++) {
            HeadModel h = new HeadModel(new PhantomRandom(PhantomRandom.derive(seed, 1)), 1.0, true);
            double expected = h.hardeningHu * Math.exp(-0.3 / h.hardeningMm);
            int csf = 0, raised = 0;
            for (double az = 0; az < 2 * Math.PI; az += 0.1) {
                for (double el = 0.1; el < 1.2; el += 0.1) {
                    double[] p = h.innerPoint(az, el, 0.3);   // 0.3 mm inside the inner table: CSF in every head
                    h.sample(p[0], p[1], p[2]);
                    if (h.tissue != HeadModel.T_CSF) continue;
                    csf++;
                    if (h.hu >= h.csfHu + 0.6 * expected) raised++;
                }
            }
            assertTrue(csf > 100, "seed " + seed + ": CSF found against the table at " + csf + " points");
            assertTrue(raised >= 0.8 * csf, "seed " + seed + ": " + raised + " of " + csf + " CSF points against the table at least "
                    + 0.6 * expected + " HU above the CSF's own " + h.csfHu);
        }
    }

    @Test
    void withoutSkullRealismFluidAgainstTheTableIsPlainCsf() {
        for (long seed = 1; seed <= 5; seed++) {
            HeadModel h = new HeadModel(new PhantomRandom(PhantomRandom.derive(seed, 1)), 1.0, false);
            int csf = 0, plain = 0;
            for (double az = 0; az < 2 * Math.PI; az += 0.1) {
                for (double el = 0.1; el < 1.2; el += 0.1) {
                    double[] p = h.innerPoint(az, el, 0.6);
                    h.sample(p[0], p[1], p[2]);
                    if (h.tissue != HeadModel.T_CSF) continue;
                    csf++;
                    if (Math.abs(h.hu - h.csfHu) < 1) plain++;
                }
            }
            assertTrue(csf > 100 && plain >= 0.8 * csf, "seed " + seed + ": " + plain + " of " + csf + " CSF points at the CSF's own HU");
        }
    }

    @Test
    void theSuperiorSagittalSinusIsBloodDense() {
        for (long seed = 1; seed <= 10; seed++) {
            HeadModel h = new HeadModel(new PhantomRandom(PhantomRandom.derive(seed, 1)), 1.0, true);
            double[] top = h.innerPoint(Math.PI / 2, 1.1, 1.5);   // midline (u = 0), high, 1.5 mm inside the table
            double v = hu(h, 0, top[1], top[2]);
            assertTrue(h.sinusHu >= 52 && v >= 48, "seed " + seed + ": sinus " + v + " HU (sinusHu " + h.sinusHu + ")");
        }
    }
}
