package org.ichnode.training.pseudomask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NegativeContrastTest {
    private static final int W = 64, H = 64;

    /**
     * One slice of a head: brain at 30 HU with noise, bone outside a circle; every study has a dense patch along the
     * inner table at the top (partial volume, 60 HU against bone) and noise; positive studies add a lesion disc.
     */
    private static float[] slice(Random r, byte[] intracranial, boolean lesion, int lx, int ly) {
        float[] hu = new float[W * H];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int i = y * W + x;
                int d2 = (x - 32) * (x - 32) + (y - 32) * (y - 32);
                boolean inside = d2 < 28 * 28;
                intracranial[i] = (byte) (inside ? 1 : 0);
                hu[i] = inside ? 30 + (float) r.nextGaussian() * 6 : 1000;
                if (inside && d2 >= 25 * 25 && y < 20) hu[i] = 60 + (float) r.nextGaussian() * 3;
                if (lesion && (x - lx) * (x - lx) + (y - ly) * (y - ly) <= 12) hu[i] = 68 + (float) r.nextGaussian() * 3;
            }
        }
        return hu;
    }

    @Test
    void keepsTheLesionsOfPositiveStudiesAndNotWhatNegativeStudiesShowToo() {
        DensityPrior prior = DensityPrior.defaults();
        Random r = new Random(11);
        List<NegativeContrast.Candidate> candidates = new ArrayList<>();
        List<Boolean> isLesion = new ArrayList<>();
        for (int study = 0; study < 30; study++) {
            boolean positive = study % 2 == 0;
            int lx = 24 + r.nextInt(16), ly = 30 + r.nextInt(12);
            float[][] hu = new float[3][];
            byte[][] ic = new byte[3][W * H];
            for (int k = 0; k < 3; k++) hu[k] = slice(r, ic[k], positive, lx, ly);
            for (DensityComponent c : DensityComponent.of(prior, W, H, hu, ic)) {
                int x = c.pixels()[0] % W, y = c.pixels()[0] / W;
                isLesion.add(positive && Math.abs(x - lx) <= 4 && Math.abs(y - ly) <= 4 && c.size() >= 8);
                candidates.add(new NegativeContrast.Candidate(c.features(), study, positive, c.size()));
            }
        }
        NegativeContrast.Selection sel = NegativeContrast.defaults().select(candidates);
        int lesions = 0, lesionsKept = 0, otherKept = 0, negativeKept = 0;
        for (int i = 0; i < candidates.size(); i++) {
            if (isLesion.get(i)) { lesions++; if (sel.keep()[i]) lesionsKept++; }
            else if (sel.keep()[i]) otherKept++;
            if (!candidates.get(i).positive() && sel.keep()[i]) negativeKept++;
        }
        assertEquals(45, lesions, "one lesion per slice of each of the 15 positive studies");
        assertTrue(lesionsKept >= 40, "lesions kept: " + lesionsKept + " of " + lesions);
        assertTrue(otherKept <= 3, "components that are no lesion kept: " + otherKept + " (" + sel + ")");
        assertEquals(0, negativeKept, "nothing of a negative study is kept");
        assertTrue(sel.minPositiveShare() > sel.positiveShare());
    }

    /**
     * Feature space of two dimensions: 20 studies (10 positive) of normal components around the origin; each positive
     * study has 3 lesion components near (5, 5); 3 positive studies alone share a cluster of 15 components each near
     * (-5, 5) (say the skull base of three alike scans). Without a limit per study the cluster's neighbours are the
     * other two studies' cluster, all positive, and it is kept; with at most 3 neighbours per study they are mostly
     * normal components of both labels, and only the lesions, found in many studies, are kept.
     */
    @Test
    void aClusterOfAFewPositiveStudiesIsNotKeptWhenNeighboursComeFromManyStudies() {
        Random r = new Random(5);
        List<NegativeContrast.Candidate> all = new ArrayList<>();
        List<String> kind = new ArrayList<>();
        for (int study = 0; study < 20; study++) {
            boolean positive = study < 10;
            for (int i = 0; i < 20; i++) { all.add(candidate(r, 0, 0, 1, study, positive)); kind.add("normal"); }
            if (positive) for (int i = 0; i < 3; i++) { all.add(candidate(r, 5, 5, 0.3, study, true)); kind.add("lesion"); }
            if (study < 3) for (int i = 0; i < 15; i++) { all.add(candidate(r, -5, 5, 0.3, study, true)); kind.add("cluster"); }
        }
        NegativeContrast unlimited = new NegativeContrast(20, 3, 4.0, 20_000, 0);
        assertEquals(45, kept(unlimited.select(all), kind, "cluster"), "without a limit the whole cluster is kept");
        NegativeContrast.Selection limited = NegativeContrast.defaults().select(all);
        assertEquals(3, NegativeContrast.defaults().maxPerStudy());
        assertEquals(0, kept(limited, kind, "cluster"), "with at most 3 neighbours per study none of it");
        assertEquals(30, kept(limited, kind, "lesion"), "every lesion");
        assertEquals(0, kept(limited, kind, "normal"));
    }

    private static NegativeContrast.Candidate candidate(Random r, double x, double y, double sd, int study, boolean positive) {
        return new NegativeContrast.Candidate(new double[] {x + r.nextGaussian() * sd, y + r.nextGaussian() * sd}, study, positive, 5);
    }

    private static int kept(NegativeContrast.Selection sel, List<String> kind, String which) {
        int n = 0;
        for (int i = 0; i < kind.size(); i++) if (kind.get(i).equals(which) && sel.keep()[i]) n++;
        return n;
    }

    @Test
    void featuresDescribeTheComponent() {
        byte[][] ic = new byte[2][W * H];
        float[][] hu = new float[2][W * H];
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < W * H; i++) { ic[k][i] = 1; hu[k][i] = 30; }
        }
        // a 3x3 square of 70 HU on slice 1, the same place at 70 HU on slice 0 over one pixel
        for (int y = 10; y < 13; y++) for (int x = 20; x < 23; x++) hu[1][y * W + x] = 70;
        hu[0][11 * W + 21] = 70;
        List<DensityComponent> cs = DensityComponent.of(DensityPrior.defaults(), W, H, hu, ic);
        assertEquals(2, cs.size());
        DensityComponent square = cs.stream().filter(c -> c.slice() == 1).findFirst().orElseThrow();
        double[] f = square.features();
        assertEquals(Math.log(9), f[0], 1e-9);
        assertEquals(70, f[1], 1e-9);
        assertEquals(0, f[2], 1e-6);
        assertEquals(70, f[3], 1e-9);
        assertEquals(30, f[4], 1e-9, "surrounding tissue");
        assertEquals(40, f[5], 1e-9, "contrast");
        assertEquals(0, f[6], 1e-9, "not on the intracranial edge");
        assertEquals(1 / 9.0, f[7], 1e-9, "one of nine pixels is dense on the neighbouring slice");
        assertEquals(1, f[8], 1e-9, "last slice");
        assertEquals(DensityComponent.FEATURES.size(), f.length);
    }

    @Test
    void refusesWithoutNegativeImages() {
        List<NegativeContrast.Candidate> all = new ArrayList<>();
        for (int i = 0; i < 30; i++) all.add(new NegativeContrast.Candidate(new double[] {i, 1}, i, true, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NegativeContrast.defaults().select(all));
        assertTrue(e.getMessage().contains("both positive and negative"), e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }
}
