package org.ichnode.core.volume;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.AssemblyDiagnostics.DuplicatePosition;
import org.ichnode.core.volume.AssemblyDiagnostics.MissingGap;
import org.ichnode.core.volume.AssemblyDiagnostics.SliceRef;

/**
 * Turns the CT planes of one series into a {@link Volume} in HU.
 *
 * <p>Rules:
 * <ul>
 *   <li>Slices are ordered by the position of their ImagePositionPatient along the slice normal
 *       (row x column direction), ascending. File names and InstanceNumber are never used for ordering.</li>
 *   <li>HU = stored * RescaleSlope + RescaleIntercept, rounded and clamped to the short range.</li>
 *   <li>Each slice keeps its own geometry (real ImagePositionPatient / ImageOrientationPatient): a gantry-tilted
 *       series is not resampled; the tilt is reported.</li>
 *   <li>Variable spacing is accepted: exact per-slice positions are kept (the downstream works slice by slice),
 *       min/median/max spacing and a uniform flag are reported.</li>
 *   <li>Refused as not usable: no slices; slices from several series or frames of reference (or a frame of
 *       reference on only some); different Rows/Columns; different PixelSpacing; orientation differing between
 *       slices; row and column directions not orthogonal; the same plane (SOP Instance UID and frame) received
 *       twice at different positions; and, depending on the options, missing slices or two instances at one
 *       position.</li>
 *   <li>Missing slices: a gap along the normal larger than {@code missingGapFactor} x the expected spacing.
 *       The expected spacing is the median spacing of the run of consecutive slices that share a SliceThickness
 *       (series acquired in several blocks, such as a 4 mm posterior fossa block followed by a 7 mm cerebrum
 *       block, have one spacing per block); a gap between two blocks is compared with the larger of the two block
 *       medians and the mean of the two thicknesses.</li>
 *   <li>Duplicates: the same SOP Instance UID (and frame) twice at the same position keeps one copy; different
 *       instances at the same position keep the smallest UID or refuse (option).</li>
 * </ul>
 */
public final class VolumeAssembler {
    private static final Vec3 PATIENT_Z = new Vec3(0, 0, 1);

    private final AssemblyOptions options;

    public VolumeAssembler() { this(AssemblyOptions.defaults()); }

    public VolumeAssembler(AssemblyOptions options) { this.options = Objects.requireNonNull(options); }

    public AssemblyOptions options() { return options; }

    public AssemblyResult assemble(List<CtSlice> input) {
        Diag d = new Diag(input == null ? 0 : input.size(), options);
        if (input == null || input.isEmpty()) return d.refuse("no CT slices to assemble");

        // one series, one frame of reference
        Set<String> series = new LinkedHashSet<>();
        for (CtSlice s : input) series.add(String.valueOf(s.seriesInstanceUid()));
        if (series.size() > 1) return d.refuse("slices belong to " + series.size() + " different series: " + series);
        d.seriesUid = input.get(0).seriesInstanceUid();
        Set<String> fors = new TreeSet<>();
        int forMissing = 0;
        for (CtSlice s : input) {
            if (s.frameOfReferenceUid() == null || s.frameOfReferenceUid().isBlank()) forMissing++;
            else fors.add(s.frameOfReferenceUid());
        }
        if (fors.size() > 1) return d.refuse("slices have " + fors.size() + " different frames of reference: " + fors);
        if (!fors.isEmpty() && forMissing > 0) {
            return d.refuse("FrameOfReferenceUID missing on " + forMissing + " of " + input.size() + " slices");
        }
        if (fors.isEmpty()) d.warnings.add("no FrameOfReferenceUID on any slice");
        d.forUid = fors.isEmpty() ? null : fors.iterator().next();

        // same plane received twice
        List<CtSlice> byKey = new ArrayList<>(input);
        byKey.sort(Comparator.comparing(CtSlice::planeKey));
        Map<String, CtSlice> unique = new LinkedHashMap<>();
        for (CtSlice s : byKey) {
            CtSlice prior = unique.putIfAbsent(s.planeKey(), s);
            if (prior != null) {
                double dist = prior.geometry().position().minus(s.geometry().position()).norm();
                if (dist > options.samePositionToleranceMm()) {
                    return d.refuse(String.format(Locale.ROOT,
                            "SOP Instance UID %s received twice with positions %.3f mm apart", s.planeKey(), dist));
                }
                d.droppedDuplicates.add(s.planeKey());
            }
        }
        List<CtSlice> slices = new ArrayList<>(unique.values());
        CtSlice ref = slices.get(0);
        SliceGeometry rg = ref.geometry();
        d.rows = ref.rows();
        d.columns = ref.columns();
        d.rowSpacing = rg.rowSpacingMm();
        d.columnSpacing = rg.columnSpacingMm();

        // same size, spacing, orientation
        for (CtSlice s : slices) {
            if (s.rows() != ref.rows() || s.columns() != ref.columns()) {
                return d.refuse("different slice sizes: " + ref.rows() + "x" + ref.columns() + " (" + ref.planeKey()
                        + ") and " + s.rows() + "x" + s.columns() + " (" + s.planeKey() + ")");
            }
            SliceGeometry g = s.geometry();
            if (Math.abs(g.rowSpacingMm() - rg.rowSpacingMm()) > options.pixelSpacingToleranceMm()
                    || Math.abs(g.columnSpacingMm() - rg.columnSpacingMm()) > options.pixelSpacingToleranceMm()) {
                return d.refuse(String.format(Locale.ROOT, "different PixelSpacing: %s\\%s (%s) and %s\\%s (%s)",
                        num(rg.rowSpacingMm()), num(rg.columnSpacingMm()), ref.planeKey(),
                        num(g.rowSpacingMm()), num(g.columnSpacingMm()), s.planeKey()));
            }
            if (!(g.rowSpacingMm() > 0) || !(g.columnSpacingMm() > 0)) {
                return d.refuse("PixelSpacing must be positive, got " + g.rowSpacingMm() + "\\" + g.columnSpacingMm()
                        + " (" + s.planeKey() + ")");
            }
        }
        double orthogonality = rg.rowDirection().angleDegrees(rg.columnDirection());
        if (Math.abs(orthogonality - 90) > options.orientationToleranceDeg()) {
            return d.refuse(String.format(Locale.ROOT,
                    "ImageOrientationPatient row and column directions are %.2f deg apart, not orthogonal (%s)",
                    orthogonality, ref.planeKey()));
        }
        for (CtSlice s : slices) {
            double ra = s.geometry().rowDirection().angleDegrees(rg.rowDirection());
            double ca = s.geometry().columnDirection().angleDegrees(rg.columnDirection());
            if (ra > options.orientationToleranceDeg() || ca > options.orientationToleranceDeg()) {
                return d.refuse(String.format(Locale.ROOT,
                        "inconsistent orientation between slices: %s differs from %s by %.2f deg (row) / %.2f deg "
                                + "(column), tolerance %s deg", s.planeKey(), ref.planeKey(), ra, ca,
                        num(options.orientationToleranceDeg())));
            }
        }
        Vec3 n = rg.normal();
        d.normal = n;
        d.tiltFromAxial = fold(n.angleDegrees(PATIENT_Z));

        // order along the normal
        slices.sort(Comparator.comparingDouble((CtSlice s) -> s.geometry().position().dot(n))
                .thenComparing(CtSlice::planeKey));

        // different instances at the same position
        List<CtSlice> kept = new ArrayList<>();
        for (int i = 0; i < slices.size(); ) {
            int j = i + 1;
            double pi = pos(slices.get(i), n);
            while (j < slices.size() && pos(slices.get(j), n) - pi <= options.samePositionToleranceMm()) j++;
            if (j - i > 1) {
                List<CtSlice> group = new ArrayList<>(slices.subList(i, j));
                group.sort(Comparator.comparing(CtSlice::planeKey));
                if (options.duplicatePositionPolicy() == AssemblyOptions.DuplicatePositionPolicy.REFUSE) {
                    List<String> uids = group.stream().map(CtSlice::planeKey).toList();
                    d.duplicatePositions.add(new DuplicatePosition(pi, uids.get(0), null));
                    return d.refuse(String.format(Locale.ROOT, "%d different instances at the same position %.3f mm "
                            + "along the normal: %s", group.size(), pi, uids));
                }
                kept.add(group.get(0));
                for (CtSlice dup : group.subList(1, group.size())) {
                    d.duplicatePositions.add(new DuplicatePosition(pi, group.get(0).planeKey(), dup.planeKey()));
                }
            } else {
                kept.add(slices.get(i));
            }
            i = j;
        }
        slices = kept;
        int n1 = slices.size();
        double[] p = new double[n1];
        for (int i = 0; i < n1; i++) p[i] = pos(slices.get(i), n);
        for (int i = 0; i < n1; i++) {
            CtSlice s = slices.get(i);
            d.refs.add(new SliceRef(s.sopInstanceUid(), s.frameNumber(), s.instanceNumber(), p[i], s.sliceThicknessMm()));
            if (s.sliceThicknessMm() != null) d.thicknesses.add(s.sliceThicknessMm());
        }

        // spacing
        if (n1 >= 2) {
            double[] gaps = new double[n1 - 1];
            for (int i = 0; i + 1 < n1; i++) gaps[i] = p[i + 1] - p[i];
            double[] sorted = gaps.clone();
            java.util.Arrays.sort(sorted);
            d.minSpacing = sorted[0];
            d.maxSpacing = sorted[sorted.length - 1];
            d.medianSpacing = median(sorted);
            d.uniform = d.maxSpacing - d.minSpacing <= options.uniformSpacingToleranceMm();
            Vec3 advance = slices.get(n1 - 1).geometry().position().minus(slices.get(0).geometry().position());
            d.originAdvance = advance.norm() > 1e-9 ? fold(n.angleDegrees(advance)) : Double.NaN;
            findMissing(slices, p, gaps, d);
            if (!d.uniform) {
                d.warnings.add(String.format(Locale.ROOT, "variable spacing along the normal: %s to %s mm (median %s)",
                        num(d.minSpacing), num(d.maxSpacing), num(d.medianSpacing)));
            }
            for (int i = 0; i + 1 < n1; i++) {
                Double ta = slices.get(i).sliceThicknessMm(), tb = slices.get(i + 1).sliceThicknessMm();
                if (ta != null && tb != null && gaps[i] < (ta + tb) / 2 - 0.05
                        && Math.abs(ta - tb) > 0.01) {
                    d.warnings.add(String.format(Locale.ROOT, "slices %d and %d (thickness %s and %s mm) are %s mm "
                            + "apart: they overlap", i, i + 1, num(ta), num(tb), num(gaps[i])));
                }
            }
        } else {
            d.warnings.add("single slice: no spacing");
        }
        if (d.thicknesses.size() > 1) d.warnings.add("SliceThickness varies within the series: " + d.thicknesses + " mm");
        if (d.tiltFromAxial > 0.5 || d.originAdvance > 0.5) {
            d.warnings.add(String.format(Locale.ROOT, "tilted: slice normal %s deg from patient z, slice origins "
                    + "advance %s deg off the normal; per-slice geometry kept, not resampled",
                    num(d.tiltFromAxial), num(d.originAdvance)));
        }
        d.instanceOrder = instanceOrder(slices);
        if (!d.missing.isEmpty() && options.missingSlicePolicy() == AssemblyOptions.MissingSlicePolicy.REFUSE) {
            StringBuilder sb = new StringBuilder("missing slices: ");
            for (MissingGap g : d.missing) {
                sb.append(String.format(Locale.ROOT, "%s mm gap between %s and %s mm (expected %s mm, ~%d missing); ",
                        num(g.spacingMm()), num(g.fromPositionMm()), num(g.toPositionMm()), num(g.expectedSpacingMm()),
                        g.estimatedMissingSlices()));
            }
            return d.refuse(sb.substring(0, sb.length() - 2));
        }

        // voxels
        int plane = ref.rows() * ref.columns();
        short[] hu = new short[plane * n1];
        List<SliceGeometry> geometries = new ArrayList<>(n1);
        List<String> uids = new ArrayList<>(n1);
        for (int k = 0; k < n1; k++) {
            CtSlice s = slices.get(k);
            int off = k * plane;
            for (int i = 0; i < plane; i++) hu[off + i] = s.hu(i);
            geometries.add(s.geometry());
            uids.add(s.sopInstanceUid());
        }
        d.used = n1;
        Volume v = new Volume(ref.columns(), ref.rows(), hu, geometries, uids, d.forUid);
        return AssemblyResult.accepted(v, d.build(options));
    }

    private void findMissing(List<CtSlice> slices, double[] p, double[] gaps, Diag d) {
        int n = slices.size();
        // runs of consecutive slices with the same thickness
        int[] runOf = new int[n];
        List<Double> runMedian = new ArrayList<>();
        int start = 0, run = 0;
        for (int i = 1; i <= n; i++) {
            if (i == n || !sameThickness(slices.get(i - 1).sliceThicknessMm(), slices.get(i).sliceThicknessMm())) {
                for (int k = start; k < i; k++) runOf[k] = run;
                if (i - start >= 2) {
                    double[] g = java.util.Arrays.copyOfRange(gaps, start, i - 1);
                    java.util.Arrays.sort(g);
                    runMedian.add(median(g));
                } else {
                    runMedian.add(Double.NaN);
                }
                run++;
                start = i;
            }
        }
        for (int i = 0; i + 1 < n; i++) {
            double expected;
            if (runOf[i] == runOf[i + 1]) {
                expected = runMedian.get(runOf[i]);
            } else {
                expected = Math.max(nanToZero(runMedian.get(runOf[i])), nanToZero(runMedian.get(runOf[i + 1])));
                Double ta = slices.get(i).sliceThicknessMm(), tb = slices.get(i + 1).sliceThicknessMm();
                if (ta != null && tb != null) expected = Math.max(expected, (ta + tb) / 2);
                if (expected == 0) expected = d.medianSpacing;
            }
            if (gaps[i] > options.missingGapFactor() * expected) {
                int missing = Math.max(1, (int) Math.round(gaps[i] / expected) - 1);
                List<Double> at = new ArrayList<>();
                for (int k = 1; k <= missing; k++) at.add(p[i] + k * gaps[i] / (missing + 1));
                d.missing.add(new MissingGap(i, p[i], p[i + 1], gaps[i], expected, missing, at));
                d.warnings.add(String.format(Locale.ROOT, "gap of %s mm after slice %d (expected %s mm): about %d "
                        + "slice(s) missing", num(gaps[i]), i, num(expected), missing));
            }
        }
    }

    private static boolean sameThickness(Double a, Double b) {
        if (a == null || b == null) return a == null && b == null;
        return Math.abs(a - b) <= 0.01;
    }

    private static double nanToZero(double v) { return Double.isNaN(v) ? 0 : v; }

    private static double pos(CtSlice s, Vec3 n) { return s.geometry().position().dot(n); }

    private static double fold(double deg) { return Math.min(deg, 180 - deg); }

    private static double median(double[] sorted) {
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    private static String instanceOrder(List<CtSlice> slices) {
        boolean asc = true, desc = true;
        for (int i = 0; i + 1 < slices.size(); i++) {
            Integer a = slices.get(i).instanceNumber(), b = slices.get(i + 1).instanceNumber();
            if (a == null || b == null) return "unknown";
            if (!(a < b)) asc = false;
            if (!(a > b)) desc = false;
        }
        if (slices.size() < 2) return "unknown";
        return asc ? "ascending" : desc ? "descending" : "other";
    }

    static String num(double v) {
        if (Double.isNaN(v)) return "NaN";
        return new java.math.BigDecimal(v).setScale(3, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /** Mutable collector for the diagnostics. */
    private static final class Diag {
        final int input;
        int used;
        String seriesUid, forUid;
        int rows, columns;
        double rowSpacing = Double.NaN, columnSpacing = Double.NaN;
        Vec3 normal;
        double tiltFromAxial = Double.NaN, originAdvance = Double.NaN;
        double minSpacing = Double.NaN, medianSpacing = Double.NaN, maxSpacing = Double.NaN;
        boolean uniform;
        final TreeSet<Double> thicknesses = new TreeSet<>();
        final List<MissingGap> missing = new ArrayList<>();
        final List<String> droppedDuplicates = new ArrayList<>();
        final List<DuplicatePosition> duplicatePositions = new ArrayList<>();
        String instanceOrder = "unknown";
        final List<SliceRef> refs = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        final AssemblyOptions options;

        Diag(int input, AssemblyOptions options) { this.input = input; this.options = options; }

        AssemblyResult refuse(String reason) {
            used = 0;
            return AssemblyResult.refused(reason, build(options));
        }

        AssemblyDiagnostics build(AssemblyOptions o) {
            return new AssemblyDiagnostics(input, used, seriesUid, forUid, rows, columns, rowSpacing, columnSpacing,
                    normal, tiltFromAxial, originAdvance, minSpacing, medianSpacing, maxSpacing, uniform,
                    new ArrayList<>(thicknesses),
                    "exact per-slice positions kept (ImagePositionPatient/ImageOrientationPatient of each slice); "
                            + "no resampling: downstream processing is slice-wise",
                    missing, droppedDuplicates, duplicatePositions, instanceOrder, refs, warnings, o);
        }
    }
}
