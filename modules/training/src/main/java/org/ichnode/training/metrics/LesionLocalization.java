package org.ichnode.training.metrics;

import org.ichnode.core.volume.ConnectedComponents;

/**
 * Lesion-level localisation counts.
 *
 * <p>Lesions are connected components ({@link ConnectedComponents}, connectivity chosen by the caller; default
 * {@link ConnectedComponents.Connectivity#VOLUME_26}) of the true and of the predicted mask.
 * <ul>
 *   <li><b>CL</b> (correct localisation): a true lesion sharing at least one voxel with the predicted mask.</li>
 *   <li><b>ML</b> (missed localisation): a true lesion sharing no voxel with the predicted mask.
 *       CL + ML = number of true lesions.</li>
 *   <li><b>FPL</b> (false-positive localisation): a predicted component sharing no voxel with the true mask.</li>
 * </ul>
 * One predicted component covering two true lesions makes both CL; two predicted components on one true lesion make
 * one CL and no FPL. Counts add over volumes.
 */
public final class LesionLocalization {
    private LesionLocalization() {}

    public record Counts(int correct, int missed, int falsePositive, int trueLesions, int predictedLesions) {
        public static final Counts ZERO = new Counts(0, 0, 0, 0, 0);

        public Counts plus(Counts o) {
            return new Counts(correct + o.correct, missed + o.missed, falsePositive + o.falsePositive,
                    trueLesions + o.trueLesions, predictedLesions + o.predictedLesions);
        }

        /** CL / true lesions (1 when there are none). */
        public double detectionRate() { return trueLesions == 0 ? 1.0 : (double) correct / trueLesions; }
    }

    public static Counts evaluate(byte[] predicted, byte[] truth, int width, int height, int slices) {
        return evaluate(predicted, truth, width, height, slices, ConnectedComponents.Connectivity.VOLUME_26);
    }

    public static Counts evaluate(byte[] predicted, byte[] truth, int width, int height, int slices,
                                  ConnectedComponents.Connectivity connectivity) {
        if (predicted == null || truth == null || predicted.length != truth.length) {
            throw new IllegalArgumentException("mask sizes differ");
        }
        ConnectedComponents t = ConnectedComponents.label(truth, width, height, slices, connectivity);
        ConnectedComponents p = ConnectedComponents.label(predicted, width, height, slices, connectivity);
        boolean[] trueHit = new boolean[t.count() + 1];
        boolean[] predHit = new boolean[p.count() + 1];
        int[] tl = t.labels(), pl = p.labels();
        for (int i = 0; i < tl.length; i++) {
            if (tl[i] != 0 && pl[i] != 0) { trueHit[tl[i]] = true; predHit[pl[i]] = true; }
        }
        int cl = 0, fpl = 0;
        for (int k = 1; k <= t.count(); k++) if (trueHit[k]) cl++;
        for (int k = 1; k <= p.count(); k++) if (!predHit[k]) fpl++;
        return new Counts(cl, t.count() - cl, fpl, t.count(), p.count());
    }
}
