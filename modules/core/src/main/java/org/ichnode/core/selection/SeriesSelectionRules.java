package org.ichnode.core.selection;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.ichnode.core.geometry.Vec3;

/**
 * Which received series are processed as head CT. {@link #ignoreReason} gives the first rule a series fails, in
 * words that name the rule; {@link #ignoreReasons} gives all of them.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>modality: Modality must be one of {@code modalities};</li>
 *   <li>excluded image type: ImageType must not contain any of {@code excludedImageTypeValues} (LOCALIZER...);</li>
 *   <li>non-axial reformat: a derived reformat (ImageType DERIVED or SECONDARY, plus one of
 *       {@code reformatImageTypeValues}) that says it is not axial (one of {@code nonAxialImageTypeValues}), or
 *       any derived reformat when {@code excludeAllDerivedReformats};</li>
 *   <li>orientation: the slice normal must be within {@code maxTiltFromAxialDeg} of patient z (skipped when the
 *       orientation is unknown);</li>
 *   <li>head: BodyPartExamined or SeriesDescription must match {@code headPattern} (a series with neither passes
 *       only when {@code acceptWhenBodyPartAndDescriptionMissing});</li>
 *   <li>slice thickness within [min, max] mm (skipped when unknown);</li>
 *   <li>instance count within [min, max] (skipped when unknown).</li>
 * </ol>
 */
public record SeriesSelectionRules(Set<String> modalities, Pattern headPattern,
                                   boolean acceptWhenBodyPartAndDescriptionMissing,
                                   int minSliceCount, int maxSliceCount,
                                   double minSliceThicknessMm, double maxSliceThicknessMm,
                                   double maxTiltFromAxialDeg,
                                   Set<String> excludedImageTypeValues,
                                   Set<String> reformatImageTypeValues,
                                   Set<String> nonAxialImageTypeValues,
                                   boolean excludeAllDerivedReformats) {

    public static final String DEFAULT_HEAD_PATTERN =
            "(?i)head|brain|skull|cranial|cranium|schaedel|schädel|sch.del|cerebr|neuro|kopf|crane|cerveau|cabeza|cerebro";

    public SeriesSelectionRules {
        modalities = upper(modalities);
        excludedImageTypeValues = upper(excludedImageTypeValues);
        reformatImageTypeValues = upper(reformatImageTypeValues);
        nonAxialImageTypeValues = upper(nonAxialImageTypeValues);
        if (headPattern == null) throw new IllegalArgumentException("headPattern must be set");
        if (minSliceCount > maxSliceCount) throw new IllegalArgumentException("minSliceCount > maxSliceCount");
        if (minSliceThicknessMm > maxSliceThicknessMm) throw new IllegalArgumentException("min thickness > max thickness");
        if (!(maxTiltFromAxialDeg >= 0 && maxTiltFromAxialDeg <= 90)) throw new IllegalArgumentException("maxTiltFromAxialDeg must be 0..90");
    }

    /** CT; head pattern {@link #DEFAULT_HEAD_PATTERN}; 10..1000 slices; 0.5..10 mm; tilt up to 30 deg; exclude
     *  LOCALIZER/MIP/MINIP/PROJECTION IMAGE; exclude derived reformats that are CORONAL/SAGITTAL/OBLIQUE. */
    public static SeriesSelectionRules defaults() {
        return new SeriesSelectionRules(Set.of("CT"), Pattern.compile(DEFAULT_HEAD_PATTERN), false,
                10, 1000, 0.5, 10.0, 30.0,
                Set.of("LOCALIZER", "MIP", "MINIP", "PROJECTION IMAGE"),
                Set.of("REFORMATTED", "MPR", "CURVED", "MPR_THICK"),
                Set.of("CORONAL", "SAGITTAL", "OBLIQUE"),
                false);
    }

    public SeriesSelectionRules withSliceCount(int min, int max) {
        return new SeriesSelectionRules(modalities, headPattern, acceptWhenBodyPartAndDescriptionMissing, min, max,
                minSliceThicknessMm, maxSliceThicknessMm, maxTiltFromAxialDeg, excludedImageTypeValues,
                reformatImageTypeValues, nonAxialImageTypeValues, excludeAllDerivedReformats);
    }

    public SeriesSelectionRules withSliceThickness(double minMm, double maxMm) {
        return new SeriesSelectionRules(modalities, headPattern, acceptWhenBodyPartAndDescriptionMissing,
                minSliceCount, maxSliceCount, minMm, maxMm, maxTiltFromAxialDeg, excludedImageTypeValues,
                reformatImageTypeValues, nonAxialImageTypeValues, excludeAllDerivedReformats);
    }

    public SeriesSelectionRules withMaxTiltFromAxialDeg(double deg) {
        return new SeriesSelectionRules(modalities, headPattern, acceptWhenBodyPartAndDescriptionMissing,
                minSliceCount, maxSliceCount, minSliceThicknessMm, maxSliceThicknessMm, deg, excludedImageTypeValues,
                reformatImageTypeValues, nonAxialImageTypeValues, excludeAllDerivedReformats);
    }

    public SeriesSelectionRules withHeadPattern(String regex) {
        return new SeriesSelectionRules(modalities, Pattern.compile(regex), acceptWhenBodyPartAndDescriptionMissing,
                minSliceCount, maxSliceCount, minSliceThicknessMm, maxSliceThicknessMm, maxTiltFromAxialDeg,
                excludedImageTypeValues, reformatImageTypeValues, nonAxialImageTypeValues, excludeAllDerivedReformats);
    }

    public SeriesSelectionRules withModalities(Set<String> m) {
        return new SeriesSelectionRules(m, headPattern, acceptWhenBodyPartAndDescriptionMissing,
                minSliceCount, maxSliceCount, minSliceThicknessMm, maxSliceThicknessMm, maxTiltFromAxialDeg,
                excludedImageTypeValues, reformatImageTypeValues, nonAxialImageTypeValues, excludeAllDerivedReformats);
    }

    public SeriesSelectionRules withAcceptWhenBodyPartAndDescriptionMissing(boolean accept) {
        return new SeriesSelectionRules(modalities, headPattern, accept, minSliceCount, maxSliceCount,
                minSliceThicknessMm, maxSliceThicknessMm, maxTiltFromAxialDeg, excludedImageTypeValues,
                reformatImageTypeValues, nonAxialImageTypeValues, excludeAllDerivedReformats);
    }

    public SeriesSelectionRules withExcludeAllDerivedReformats(boolean exclude) {
        return new SeriesSelectionRules(modalities, headPattern, acceptWhenBodyPartAndDescriptionMissing,
                minSliceCount, maxSliceCount, minSliceThicknessMm, maxSliceThicknessMm, maxTiltFromAxialDeg,
                excludedImageTypeValues, reformatImageTypeValues, nonAxialImageTypeValues, exclude);
    }

    /** Why the series is not processed (the first failing rule), or empty when it is. */
    public Optional<String> ignoreReason(SeriesDescriptor d) {
        List<String> all = evaluate(d, true);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** Every rule the series fails. */
    public List<String> ignoreReasons(SeriesDescriptor d) { return evaluate(d, false); }

    private List<String> evaluate(SeriesDescriptor d, boolean firstOnly) {
        List<String> reasons = new ArrayList<>();
        // 1 modality
        String modality = d.modality() == null ? null : d.modality().trim().toUpperCase(Locale.ROOT);
        if (modality == null || modality.isEmpty()) {
            reasons.add("modality is missing; must be one of " + modalities);
        } else if (!modalities.contains(modality)) {
            reasons.add("modality " + modality + " is not one of " + modalities);
        }
        if (firstOnly && !reasons.isEmpty()) return reasons;

        // 2 excluded image type values
        List<String> it = d.imageType();
        String itText = String.join("\\", it);
        for (String v : it) {
            if (excludedImageTypeValues.contains(v)) {
                reasons.add("ImageType " + itText + " contains " + v + " (excluded values " + excludedImageTypeValues + ")");
                break;
            }
        }
        if (firstOnly && !reasons.isEmpty()) return reasons;

        // 3 reformats
        boolean derived = (!it.isEmpty() && it.get(0).equals("DERIVED")) || (it.size() > 1 && it.get(1).equals("SECONDARY"));
        String reformatValue = it.stream().filter(reformatImageTypeValues::contains).findFirst().orElse(null);
        if (derived && reformatValue != null) {
            String nonAxial = it.stream().filter(nonAxialImageTypeValues::contains).findFirst().orElse(null);
            if (nonAxial != null) {
                reasons.add("ImageType " + itText + " is a derived " + reformatValue + " reformat that is " + nonAxial
                        + ", not axial");
            } else if (excludeAllDerivedReformats) {
                reasons.add("ImageType " + itText + " is a derived " + reformatValue
                        + " reformat (all derived reformats excluded)");
            }
        }
        if (firstOnly && !reasons.isEmpty()) return reasons;

        // 4 orientation
        if (d.rowDirection() != null && d.columnDirection() != null) {
            Vec3 n = d.normal();
            if (n == null) {
                reasons.add("ImageOrientationPatient is degenerate (row and column directions parallel or zero)");
            } else {
                double a = n.angleDegrees(new Vec3(0, 0, 1));
                a = Math.min(a, 180 - a);
                if (a > maxTiltFromAxialDeg) {
                    reasons.add(String.format(Locale.ROOT, "slice normal is %.1f deg from patient z, more than the "
                            + "maximum tilt from axial of %s deg (%s)", a, fmt(maxTiltFromAxialDeg), planeName(n)));
                }
            }
        }
        if (firstOnly && !reasons.isEmpty()) return reasons;

        // 5 head
        String bp = blankToNull(d.bodyPart()), sd = blankToNull(d.seriesDescription());
        if (bp == null && sd == null) {
            if (!acceptWhenBodyPartAndDescriptionMissing) {
                reasons.add("neither BodyPartExamined nor SeriesDescription is present, so the head pattern "
                        + headPattern.pattern() + " cannot match");
            }
        } else if (!(bp != null && headPattern.matcher(bp).find()) && !(sd != null && headPattern.matcher(sd).find())) {
            reasons.add("neither BodyPartExamined " + quote(bp) + " nor SeriesDescription " + quote(sd)
                    + " matches the head pattern " + headPattern.pattern());
        }
        if (firstOnly && !reasons.isEmpty()) return reasons;

        // 6 thickness
        Double t = d.sliceThicknessMm();
        if (t != null && (t < minSliceThicknessMm || t > maxSliceThicknessMm)) {
            reasons.add("slice thickness " + fmt(t) + " mm is outside the allowed range [" + fmt(minSliceThicknessMm)
                    + ", " + fmt(maxSliceThicknessMm) + "] mm");
        }
        if (firstOnly && !reasons.isEmpty()) return reasons;

        // 7 count
        Integer c = d.instanceCount();
        if (c != null && (c < minSliceCount || c > maxSliceCount)) {
            reasons.add("slice count " + c + " is outside the allowed range [" + minSliceCount + ", " + maxSliceCount + "]");
        }
        return reasons;
    }

    private static String planeName(Vec3 n) {
        double ax = Math.abs(n.x()), ay = Math.abs(n.y()), az = Math.abs(n.z());
        if (ax >= ay && ax >= az) return "closest to sagittal";
        if (ay >= ax && ay >= az) return "closest to coronal";
        return "oblique axial";
    }

    private static String blankToNull(String s) { return s == null || s.isBlank() ? null : s.trim(); }

    private static String quote(String s) { return s == null ? "(absent)" : "'" + s + "'"; }

    private static String fmt(double v) {
        return new java.math.BigDecimal(v).setScale(3, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    private static Set<String> upper(Set<String> in) {
        Set<String> out = new TreeSet<>();
        if (in != null) for (String s : in) out.add(s.trim().toUpperCase(Locale.ROOT));
        return java.util.Collections.unmodifiableSet(out);
    }
}
