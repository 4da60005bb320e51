package org.ichnode.testkit.phantom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;
import org.junit.jupiter.api.Test;

class PhantomGeneratorTest {
    private static final PhantomOptions SMALL = PhantomOptions.small();

    @Test
    void sameSeedSameStudyDifferentSeedDifferentStudy() {
        PhantomGenerator g = new PhantomGenerator(SMALL);
        PhantomStudy a = g.generate(42, 3), b = g.generate(42, 3), c = g.generate(43, 3), d = g.generate(42, 4);
        assertArrayEquals(a.volume().hu(), b.volume().hu());
        assertArrayEquals(a.mask(), b.mask());
        assertEquals(a.lesions(), b.lesions());
        assertEquals(a.volume().sourceInstanceUids(), b.volume().sourceInstanceUids());
        assertEquals(a.volume().sliceGeometry(), b.volume().sliceGeometry());
        assertFalse(Arrays.equals(a.volume().hu(), c.volume().hu()));
        assertFalse(Arrays.equals(a.volume().hu(), d.volume().hu()));
        assertFalse(a.studyInstanceUid().equals(c.studyInstanceUid()));
        assertFalse(a.studyInstanceUid().equals(d.studyInstanceUid()));
    }

    @Test
    void uidsAreValidAndDistinct() {
        PhantomStudy s = new PhantomGenerator(SMALL).generate(-7, 1);
        List<String> all = new ArrayList<>(s.volume().sourceInstanceUids());
        all.add(s.studyInstanceUid());
        all.add(s.seriesInstanceUid());
        all.add(s.volume().frameOfReferenceUid());
        for (String u : all) {
            assertTrue(u.length() <= 64, u);
            assertTrue(u.matches("2\\.25\\.(0|[1-9][0-9]*)"), u);
        }
        assertEquals(all.size(), all.stream().distinct().count());
        assertTrue(s.patientName().startsWith("PHANTOM^"));
        assertTrue(s.patientId().startsWith("PHANTOM-"));
        assertTrue(s.accessionNumber().length() <= 16);
    }

    /** Clean (noise-free) and noisy renderings of the same study share the anatomy: their difference is the noise. */
    @Test
    void tissueValuesAndNoise() {
        int checked = 0;
        for (int i = 1; i <= 3; i++) {
            PhantomStudy noisy = new PhantomGenerator(SMALL).generate(100, i);
            PhantomStudy clean = new PhantomGenerator(SMALL.withNoise(0, 0)).generate(100, i);
            assertArrayEquals(noisy.mask(), clean.mask());
            assertArrayEquals(noisy.tissue(), clean.tissue());
            short[] n = noisy.volume().hu(), c = clean.volume().hu();

            double wmClean = median(clean, Tissue.WHITE_MATTER);
            // a grey-matter ROI: the deep grey nuclei (the cortex is 3 mm thick, mostly partial volume at 1.8 x 5 mm)
            double gmClean = median(clean, Tissue.DEEP_GREY);
            assertTrue(wmClean >= 22 && wmClean <= 28, "white matter " + wmClean);
            assertTrue(gmClean >= 31 && gmClean <= 39, "grey matter " + gmClean);
            assertTrue(gmClean - wmClean >= 6, "grey-white contrast");

            // homogeneous white matter: voxels whose clean value is the white-matter value (no partial volume)
            double sum = 0, sq = 0;
            int cnt = 0;
            for (int k = 0; k < n.length; k++) {
                if (clean.tissue()[k] == Tissue.WHITE_MATTER.ordinal() && Math.abs(c[k] - wmClean) < 0.6) {
                    sum += n[k];
                    sq += (double) n[k] * n[k];
                    cnt++;
                }
            }
            assertTrue(cnt > 500, "homogeneous WM voxels " + cnt);
            double mean = sum / cnt, sd = Math.sqrt(sq / cnt - mean * mean);
            assertEquals(25, mean, 3.5, "WM mean");
            assertTrue(sd >= 4 && sd <= 8.5, "noise sigma in WM " + sd);
            assertEquals(noisy.noiseSigmaHu(), sd, 0.12 * noisy.noiseSigmaHu() + 0.3, "noise matches the study's sigma");

            // spatially correlated noise: neighbouring noise values are positively correlated
            int cols = noisy.volume().columns();
            double num = 0, den = 0;
            for (int k = 0; k + 1 < n.length; k++) {
                if (clean.tissue()[k] == Tissue.WHITE_MATTER.ordinal() && clean.tissue()[k + 1] == Tissue.WHITE_MATTER.ordinal() && (k + 1) % cols != 0) {
                    double a = n[k] - c[k], b = n[k + 1] - c[k + 1];
                    num += a * b;
                    den += a * a;
                }
            }
            assertTrue(num / den > 0.2, "lag-1 correlation " + num / den);

            // skull: voxels with skull on all four in-plane neighbours are 700..1500 HU before noise
            Volume v = clean.volume();
            int rows = v.rows();
            int skull = 0;
            for (int s = 0; s < v.slices(); s++) for (int r = 1; r < rows - 1; r++) for (int cc = 1; cc < cols - 1; cc++) {
                if (isSkull(clean, cc, r, s) && isSkull(clean, cc - 1, r, s) && isSkull(clean, cc + 1, r, s)
                        && isSkull(clean, cc, r - 1, s) && isSkull(clean, cc, r + 1, s)
                        && (s == 0 || isSkull(clean, cc, r, s - 1)) && (s == v.slices() - 1 || isSkull(clean, cc, r, s + 1))) {
                    short h = v.hu(cc, r, s);
                    assertTrue(h >= 700 && h <= 1500, "skull HU " + h);
                    skull++;
                }
            }
            assertTrue(skull > 50, "interior skull voxels " + skull);
            checked++;
        }
        assertEquals(3, checked);
    }

    @Test
    void calcificationsAreDenseConfounders() {
        int found = 0;
        for (int i = 1; i <= 4; i++) {
            PhantomStudy s = new PhantomGenerator(SMALL.withNoise(0, 0)).generate(5, i);
            for (Confounder cf : s.confounders()) assertTrue(cf.hu() > 100, cf.toString());
            for (int k = 0; k < s.tissue().length; k++) {
                if (s.tissue()[k] == Tissue.CALCIFICATION.ordinal()) {
                    found++;
                    assertEquals(0, s.mask()[k], "a calcification is never hemorrhage");
                }
            }
        }
        assertTrue(found > 0, "some calcification voxels");
    }

    @Test
    void lesionValuesBeforeNoiseAre45To90() {
        PhantomGenerator g = new PhantomGenerator(SMALL.withNoise(0, 0).withNegativeFraction(0).withPixelSpacing(1.0, 1.0).withMatrix(240, 240));
        int interior = 0;
        for (int i = 1; i <= 4; i++) {
            PhantomStudy s = g.generate(77, i);
            for (Lesion l : s.lesions()) {
                assertTrue(l.nominalHu() >= 45 && l.nominalHu() <= 90, l.toString());
            }
            Volume v = s.volume();
            int cols = v.columns(), rows = v.rows();
            for (int sl = 1; sl < v.slices() - 1; sl++) for (int r = 1; r < rows - 1; r++) for (int c = 1; c < cols - 1; c++) {
                if (s.mask(c, r, sl) && s.mask(c - 1, r, sl) && s.mask(c + 1, r, sl) && s.mask(c, r - 1, sl) && s.mask(c, r + 1, sl)
                        && s.mask(c, r, sl - 1) && s.mask(c, r, sl + 1)
                        && s.mask(c - 1, r - 1, sl) && s.mask(c + 1, r + 1, sl) && s.mask(c - 1, r + 1, sl) && s.mask(c + 1, r - 1, sl)) {
                    short h = v.hu(c, r, sl);
                    assertTrue(h >= 45 && h <= 90, "lesion interior HU " + h + " in " + s.studyId());
                    interior++;
                }
            }
        }
        assertTrue(interior > 50, "interior lesion voxels " + interior);
    }

    @Test
    void maskMatchesLabelsAndLesions() {
        PhantomGenerator g = new PhantomGenerator(SMALL);
        int negatives = 0, total = 20;
        List<LesionType> types = new ArrayList<>();
        for (int i = 1; i <= total; i++) {
            PhantomStudy s = g.generate(2024, i);
            Volume v = s.volume();
            int per = v.voxelsPerSlice();
            boolean any = false;
            for (int sl = 0; sl < v.slices(); sl++) {
                int cnt = 0;
                for (int k = sl * per; k < (sl + 1) * per; k++) {
                    assertTrue(s.mask()[k] == 0 || s.mask()[k] == 1);
                    assertEquals(s.mask()[k] != 0, s.lesionBits()[k] != 0);
                    cnt += s.mask()[k];
                }
                assertEquals(cnt > 0, s.sliceLabel(sl), "slice " + sl + " of " + s.studyId());
                any |= cnt > 0;
            }
            assertEquals(any, s.hemorrhage());
            assertEquals(any, !s.lesions().isEmpty());
            if (!any) negatives++;
            int sumLesions = 0;
            for (Lesion l : s.lesions()) {
                assertTrue(l.voxelCount() > 0, l.toString());
                assertTrue(l.firstSlice() >= 0 && l.lastSlice() >= l.firstSlice() && l.lastSlice() < v.slices());
                assertEquals(l.voxelCount() * s.voxelVolumeMl(), l.volumeMl(), 1e-6);
                int own = 0;
                for (int k = 0; k < s.lesionBits().length; k++) if ((s.lesionBits()[k] & (1 << (l.id() - 1))) != 0) own++;
                assertEquals(l.voxelCount(), own);
                sumLesions += l.voxelCount();
                types.add(l.type());
            }
            assertTrue(sumLesions >= s.maskVoxelCount());
        }
        assertTrue(negatives >= 3 && negatives <= 12, "negatives " + negatives + " of " + total);
        assertTrue(types.stream().distinct().count() >= 4, "lesion types " + types);
    }

    @Test
    void tiltedStudySteppedAlongTable() {
        PhantomStudy s = new PhantomGenerator(SMALL.withTilt(1.0, 20)).generate(9, 1);
        assertTrue(s.gantryTiltDegrees() >= 3 && s.gantryTiltDegrees() <= 20);
        Volume v = s.volume();
        Vec3 n = v.slice(0).normal();
        Vec3 z = new Vec3(0, 0, 1);
        assertEquals(s.gantryTiltDegrees(), n.angleDegrees(z), 0.01, "normal tilted by the gantry angle");
        assertEquals(0, v.slice(0).rowDirection().dot(new Vec3(0, 1, 0)), 1e-9, "tilt is about the patient x axis");
        for (int k = 1; k < v.slices(); k++) {
            SliceGeometry a = v.slice(k - 1), b = v.slice(k);
            Vec3 step = b.position().minus(a.position());
            assertEquals(0, step.x(), 1e-6);
            assertEquals(0, step.y(), 1e-6, "positions step along the table, not along the normal");
            assertEquals(s.tableIncrementMm(), step.z(), 2e-3);
            assertTrue(v.positionAlongNormal(k) > v.positionAlongNormal(k - 1), "sorted along the normal");
        }
        double expected = s.tableIncrementMm() * Math.cos(Math.toRadians(s.gantryTiltDegrees()));
        assertEquals(expected, s.spacingAlongNormalMm(), 0.01);
        assertTrue(s.seriesDescription().contains("TILT"));
    }

    @Test
    void defaultGeometryRanges() {
        PhantomOptions d = PhantomOptions.defaults();
        // geometry only depends on draws made before rendering; check it on a few small-matrix variants of defaults
        PhantomGenerator g = new PhantomGenerator(d.withMatrix(64, 64));
        for (int i = 1; i <= 6; i++) {
            PhantomStudy s = g.generate(31, i);
            assertTrue(s.volume().slices() >= 24 && s.volume().slices() <= 64);
            assertTrue(s.sliceThicknessMm() >= 2.5 && s.sliceThicknessMm() <= 5);
            assertTrue(s.pixelSpacingMm() >= 0.4 && s.pixelSpacingMm() <= 0.5);
            assertTrue(s.gantryTiltDegrees() >= 0 && s.gantryTiltDegrees() <= 25);
            assertTrue(s.noiseSigmaHu() >= 4 && s.noiseSigmaHu() <= 8);
        }
    }

    private static boolean isSkull(PhantomStudy s, int c, int r, int sl) { return s.tissue(c, r, sl) == Tissue.SKULL; }

    private static double median(PhantomStudy s, Tissue t) {
        short[] h = s.volume().hu();
        int n = 0;
        for (byte b : s.tissue()) if (b == t.ordinal()) n++;
        short[] v = new short[n];
        int j = 0;
        for (int k = 0; k < h.length; k++) if (s.tissue()[k] == t.ordinal()) v[j++] = h[k];
        Arrays.sort(v);
        return v[n / 2];
    }
}
