package org.ichnode.core.selection;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SeriesSelectionRulesTest {
    private final SeriesSelectionRules rules = SeriesSelectionRules.defaults();
    private static final String AXIAL = "1\\0\\0\\0\\1\\0";
    private static final String GE_TILT = "1.0000000\\0.0000000\\0.0000000\\0.0000000\\0.9483237\\-0.3173047";

    private static SeriesDescriptor d(String modality, String bodyPart, String desc, String imageType, Double t,
                                      String iop, Integer n) {
        return SeriesDescriptor.of(modality, bodyPart, desc, imageType, t, iop, n);
    }

    @Test
    void realSeriesArePicked() {
        assertEquals(Optional.empty(), rules.ignoreReason(d("CT", "HEAD", null, "ORIGINAL\\PRIMARY\\AXIAL\\ADD", 4.0, GE_TILT, 28)));
        assertEquals(Optional.empty(), rules.ignoreReason(d("CT", "BRAIN", "STD BRAIN 5MM", "ORIGINAL\\PRIMARY\\AXIAL", 5.0, AXIAL, 28)));
        assertEquals(Optional.empty(), rules.ignoreReason(d("CT", null, "Schädel nativ 5mm", "ORIGINAL\\PRIMARY\\AXIAL", 5.0, AXIAL, 30)));
        assertEquals(Optional.empty(), rules.ignoreReason(d("ct", "", "CT Cerebrum", null, null, null, null)));
    }

    @Test
    void modality() {
        assertEquals("modality MR is not one of [CT]",
                rules.ignoreReason(d("MR", "HEAD", null, "ORIGINAL\\PRIMARY", 5.0, AXIAL, 30)).orElseThrow());
        assertEquals("modality is missing; must be one of [CT]",
                rules.ignoreReason(d(null, "HEAD", null, null, 5.0, AXIAL, 30)).orElseThrow());
    }

    @Test
    void localizer() {
        assertEquals("ImageType ORIGINAL\\PRIMARY\\LOCALIZER contains LOCALIZER (excluded values [LOCALIZER, MINIP, MIP, PROJECTION IMAGE])",
                rules.ignoreReason(d("CT", "HEAD", "Topogram", "ORIGINAL\\PRIMARY\\LOCALIZER", 1.0, "0\\1\\0\\0\\0\\-1", 1)).orElseThrow());
    }

    @Test
    void reformats() {
        String r = rules.ignoreReason(d("CT", "HEAD", "Cor MPR", "DERIVED\\SECONDARY\\MPR\\CORONAL", 3.0, "1\\0\\0\\0\\0\\-1", 40)).orElseThrow();
        assertEquals("ImageType DERIVED\\SECONDARY\\MPR\\CORONAL is a derived MPR reformat that is CORONAL, not axial", r);
        // an axial derived reformat passes by default, but not when all derived reformats are excluded
        SeriesDescriptor axialMpr = d("CT", "HEAD", "Ax MPR 5mm", "DERIVED\\SECONDARY\\REFORMATTED\\AXIAL", 5.0, AXIAL, 32);
        assertTrue(rules.ignoreReason(axialMpr).isEmpty());
        assertTrue(rules.withExcludeAllDerivedReformats(true).ignoreReason(axialMpr).orElseThrow()
                .contains("all derived reformats excluded"));
        // a sagittal reformat without telling ImageType is caught by its orientation
        String sag = rules.ignoreReason(d("CT", "HEAD", "Sag", "DERIVED\\SECONDARY", 3.0, "0\\1\\0\\0\\0\\-1", 40)).orElseThrow();
        assertEquals("slice normal is 90.0 deg from patient z, more than the maximum tilt from axial of 30 deg (closest to sagittal)", sag);
    }

    @Test
    void tiltLimit() {
        assertTrue(rules.ignoreReason(d("CT", "HEAD", null, null, 4.0, GE_TILT, 28)).isEmpty());
        String r = rules.withMaxTiltFromAxialDeg(10).ignoreReason(d("CT", "HEAD", null, null, 4.0, GE_TILT, 28)).orElseThrow();
        assertEquals("slice normal is 18.5 deg from patient z, more than the maximum tilt from axial of 10 deg (oblique axial)", r);
    }

    @Test
    void head() {
        assertEquals("neither BodyPartExamined 'CHEST' nor SeriesDescription 'Thorax 1mm' matches the head pattern "
                        + SeriesSelectionRules.DEFAULT_HEAD_PATTERN,
                rules.ignoreReason(d("CT", "CHEST", "Thorax 1mm", null, 1.0, AXIAL, 300)).orElseThrow());
        assertTrue(rules.ignoreReason(d("CT", null, null, null, 5.0, AXIAL, 30)).orElseThrow()
                .startsWith("neither BodyPartExamined nor SeriesDescription is present"));
        assertTrue(rules.withAcceptWhenBodyPartAndDescriptionMissing(true)
                .ignoreReason(d("CT", null, null, null, 5.0, AXIAL, 30)).isEmpty());
    }

    @Test
    void thicknessAndCount() {
        assertEquals("slice thickness 0.3 mm is outside the allowed range [0.5, 10] mm",
                rules.ignoreReason(d("CT", "HEAD", null, null, 0.3, AXIAL, 30)).orElseThrow());
        assertEquals("slice count 3 is outside the allowed range [10, 1000]",
                rules.ignoreReason(d("CT", "HEAD", null, null, 5.0, AXIAL, 3)).orElseThrow());
        assertEquals("slice count 1 is outside the allowed range [2, 1000]",
                rules.withSliceCount(2, 1000).ignoreReason(d("CT", "HEAD", null, null, 5.0, AXIAL, 1)).orElseThrow());
    }

    @Test
    void allReasons() {
        var all = rules.ignoreReasons(d("MR", "KNEE", null, "ORIGINAL\\PRIMARY\\LOCALIZER", 20.0, AXIAL, 2));
        assertEquals(5, all.size(), all.toString());
    }

    @Test
    void badOrientationString() {
        assertThrows(IllegalArgumentException.class, () -> SeriesDescriptor.parseOrientation("1\\0\\0"));
    }
}
