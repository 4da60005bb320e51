package org.ichnode.core.segmentation;

import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;

import java.util.stream.IntStream;

/**
 * The HU-threshold baseline, kept as the bar every model must beat. Deterministic (no randomness, no threads).
 *
 * <ol>
 *   <li>Skull stripping with {@link BrainMask} (bone threshold, enclosure, erosion).</li>
 *   <li>In-plane smoothing of HU against noise (values below -1024 read as -1024): repeated 1-2-1 binomial passes
 *       up to a Gaussian of about 1 mm (one pass on pixels of 1.4 mm and more).</li>
 *   <li>Candidates: brain-mask voxels whose smoothed HU is inside the blood window.</li>
 *   <li>Exclusions: voxels within {@link Options#boneMarginMm} (at least the smoothing's reach: one pixel
 *       diagonal, or 2.5 sigma) in-plane of the bone halo (bone plus pixels above 120 HU connected to it: the partial volume of an
 *       obliquely cut skull); and voxels within {@link Options#calcificationMarginMm} of a calcification-like spot
 *       on their own or the adjacent slices (mapped through the slice geometry, so gantry tilt is respected).
 *       A spot is an intracranial pixel away from the bone halo with smoothed HU above
 *       {@link Options#calcificationHu}, or raw HU above it and at least 30 HU above its smoothed value.</li>
 *   <li>Components under 0.3 mL holding a pixel at or above the calcification HU are dropped (partial-volumed
 *       calcifications).</li>
 *   <li>3-D connected components ({@link LesionMeasurer}, 26-connectivity), components below
 *       {@link Options#minLesionVolumeMl} dropped, measured into findings.</li>
 * </ol>
 *
 * <p>Study probability: 0 without findings, else 0.5 + 0.5 (1 - exp(-V / 1 mL)) for total volume V (a monotone
 * score, not calibrated). Probability map (only with {@link Options#probabilityMap}): a HU score,
 * sigmoid((s - low) / 3) x sigmoid((high - s) / 3) of smoothed HU s on eligible voxels, 0 elsewhere, before the
 * component size filter.
 */
public final class HuThresholdSegmenter implements Segmenter {
    public static final String ALGORITHM_NAME = "ich-node HU baseline";
    public static final String ALGORITHM_VERSION = "1.0";

    /**
     * @param bloodLowHu            lower end of the blood window (smoothed HU)
     * @param bloodHighHu           upper end of the blood window
     * @param boneHu                bone threshold (skull stripping and bone margin)
     * @param boneMarginMm          candidates this close to bone (own or adjacent slice, in-plane) are dropped
     * @param calcificationHu       smoothed HU above which an intracranial non-bone spot counts as calcification
     * @param calcificationMarginMm candidates this close to a calcification (own or adjacent slice) are dropped
     * @param minLesionVolumeMl     smallest reported lesion
     * @param brainErosionMm        in-plane erosion of the intracranial mask
     * @param midlineToleranceMm    |offset from the midline| up to which a lesion is MIDLINE
     * @param probabilityMap        whether to return the per-voxel HU score (a float per voxel)
     */
    public record Options(double bloodLowHu, double bloodHighHu, double boneHu, double boneMarginMm,
                          double calcificationHu, double calcificationMarginMm, double minLesionVolumeMl,
                          double brainErosionMm, double midlineToleranceMm, boolean probabilityMap) {
        public Options {
            if (!(bloodLowHu < bloodHighHu) || !(bloodHighHu < calcificationHu) || !(calcificationHu < boneHu)) {
                throw new IllegalArgumentException("need bloodLow < bloodHigh < calcification < bone HU");
            }
            if (!(boneMarginMm >= 0) || !(calcificationMarginMm >= 0) || !(minLesionVolumeMl >= 0)
                    || !(brainErosionMm >= 0) || !(midlineToleranceMm >= 0)) {
                throw new IllegalArgumentException("negative margin or volume");
            }
        }

        /**
         * Blood 50..90 HU, bone 300 HU, bone margin 2 mm, calcification above 100 HU with a 3 mm margin,
         * lesions from 0.1 mL, brain erosion 2 mm, midline tolerance 3 mm, no probability map.
         */
        public static Options defaults() { return new Options(50, 90, 300, 2.0, 100, 3.0, 0.1, 2.0, 3.0, false); }

        public Options withBloodWindow(double low, double high) {
            return new Options(low, high, boneHu, boneMarginMm, calcificationHu, calcificationMarginMm, minLesionVolumeMl,
                    brainErosionMm, midlineToleranceMm, probabilityMap);
        }

        public Options withMinLesionVolumeMl(double ml) {
            return new Options(bloodLowHu, bloodHighHu, boneHu, boneMarginMm, calcificationHu, calcificationMarginMm, ml,
                    brainErosionMm, midlineToleranceMm, probabilityMap);
        }

        public Options withMargins(double boneMm, double calcificationMm, double erosionMm) {
            return new Options(bloodLowHu, bloodHighHu, boneHu, boneMm, calcificationHu, calcificationMm, minLesionVolumeMl,
                    erosionMm, midlineToleranceMm, probabilityMap);
        }

        public Options withProbabilityMap(boolean on) {
            return new Options(bloodLowHu, bloodHighHu, boneHu, boneMarginMm, calcificationHu, calcificationMarginMm,
                    minLesionVolumeMl, brainErosionMm, midlineToleranceMm, on);
        }
    }

    /** Everything one run produced, for diagnostics and tests; {@link #segment} returns only the Segmentation. */
    public record Detail(Segmentation segmentation, BrainMask.Result brainMask, LesionMeasurer.Result lesions,
                         int candidateVoxels, int eligibleVoxels) { }

    private static final byte NEAR_BONE = 1, NEAR_CALC = 2;
    /** How far a single bright pixel must stand above its smoothed value to count as a calcification spot. */
    private static final double SPOT_CONTRAST_HU = 30;
    /** In-plane smoothing scale (mm): one 1-2-1 pass on coarse pixels, several on fine ones. */
    private static final double SMOOTH_SIGMA_MM = 1.0;
    /** Raw HU above which a pixel connected to bone belongs to the bone's partial-volume halo. */
    private static final double BONE_HALO_HU = 120;
    /** Components smaller than this that hold a pixel at or above the calcification HU are dropped as calcifications. */
    private static final double SPOT_COMPONENT_MAX_ML = 0.3;
    private static final LesionMeasurer ALL_COMPONENTS = new LesionMeasurer(org.ichnode.core.volume.ConnectedComponents.Connectivity.VOLUME_26, 0, 0);

    private final Options options;
    private final BrainMask brainMask;
    private final LesionMeasurer measurer;

    public HuThresholdSegmenter(Options options) {
        this.options = options;
        this.brainMask = new BrainMask(BrainMask.Options.defaults().withBoneHu(options.boneHu()).withErosionMm(options.brainErosionMm()));
        this.measurer = new LesionMeasurer(org.ichnode.core.volume.ConnectedComponents.Connectivity.VOLUME_26, options.minLesionVolumeMl(), options.midlineToleranceMm());
    }

    public HuThresholdSegmenter() { this(Options.defaults()); }

    public Options options() { return options; }

    @Override public String algorithmName() { return ALGORITHM_NAME; }

    @Override public String algorithmVersion() { return ALGORITHM_VERSION; }

    @Override
    public Segmentation segment(Volume volume) { return segmentWithDetail(volume).segmentation(); }

    public Detail segmentWithDetail(Volume volume) {
        int cols = volume.columns(), rows = volume.rows(), per = cols * rows, n = volume.slices();
        short[] hu = volume.hu();
        BrainMask.Result bm = brainMask.compute(volume);
        byte[] near = new byte[per * n];       // NEAR_BONE | NEAR_CALC, per slice in its own plane
        byte[] cand = new byte[per * n];
        float[] prob = options.probabilityMap() ? new float[per * n] : null;
        // slices are independent here: spread them over the cores (each writes only its own plane)
        int candidates = IntStream.range(0, n).parallel().map(k -> prepareSlice(volume, k, bm, near, cand, prob)).sum();
        // exclusions on the own slice and the adjacent ones (mapped through the geometry)
        byte[] mask = new byte[per * n];
        int eligible = IntStream.range(0, n).parallel().map(k -> {
            int off = k * per, kept = 0;
            for (int i = 0; i < per; i++) if (cand[off + i] != 0 && near[off + i] == 0) mask[off + i] = 1;
            for (int kk = k - 1; kk <= k + 1; kk += 2) {
                if (kk >= 0 && kk < n) excludeFromNeighbour(volume, k, kk, near, NEAR_CALC, mask); // writes slice k only
            }
            for (int i = off; i < off + per; i++) {
                if (mask[i] != 0) kept++;
                else if (prob != null && (near[i] != 0 || cand[i] != 0)) prob[i] = 0f;   // excluded voxels score 0
            }
            return kept;
        }).sum();
        // small components that contain a pixel brighter than blood can be are partial-volumed calcifications
        LesionMeasurer.Result all = ALL_COMPONENTS.measure(volume, mask, null);
        int calcDropped = 0;
        for (Finding f : all.findings()) {
            if (f.volumeMl() >= SPOT_COMPONENT_MAX_ML) continue;
            int[] lab = all.labels();
            boolean bright = false;
            for (int k = f.firstSlice(), l = f.label(); k <= f.lastSlice() && !bright; k++) {
                for (int i = k * per, end = i + per; i < end; i++) {
                    if (lab[i] == l && hu[i] >= options.calcificationHu()) { bright = true; break; }
                }
            }
            if (!bright) continue;
            calcDropped++;
            for (int k = f.firstSlice(), l = f.label(); k <= f.lastSlice(); k++) {
                for (int i = k * per, end = i + per; i < end; i++) if (lab[i] == l) mask[i] = 0;
            }
        }
        LesionMeasurer.Result lr = measurer.measure(volume, mask, bm.intracranial());
        double total = lr.totalVolumeMl();
        double p = lr.findings().isEmpty() ? 0.0 : 0.5 + 0.5 * (1 - Math.exp(-total / 1.0));
        Segmentation seg = new Segmentation(lr.mask(), prob, p, lr.findings(), ALGORITHM_NAME, ALGORITHM_VERSION);
        return new Detail(seg, bm, lr, candidates, eligible);
    }

    /** Smoothing, bone and calcification margins and blood candidates of slice k (writes only slice k). */
    private int prepareSlice(Volume volume, int k, BrainMask.Result bm, byte[] near, byte[] cand, float[] prob) {
        int cols = volume.columns(), rows = volume.rows(), per = cols * rows;
        short[] hu = volume.hu();
        float lo = (float) options.bloodLowHu(), hi = (float) options.bloodHighHu();
        int candidates = 0;
        int off = k * per;
        SliceGeometry g = volume.slice(k);
        double cs = g.columnSpacingMm(), rs = g.rowSpacingMm();
        // repeated 1-2-1 passes (variance 0.5 px^2 each) to a Gaussian of about SMOOTH_SIGMA_MM, at least one pass
        double px = Math.max(cs, rs);
        int passes = Math.max(1, (int) Math.round(SMOOTH_SIGMA_MM * SMOOTH_SIGMA_MM / (px * px) / 0.5));
        float[] s = Morphology.smooth121(hu, off, cols, rows, -1024);
        for (int p = 1; p < passes; p++) s = Morphology.smooth121(s, cols, rows);
        // bone margin
        byte[] bone = new byte[per];
        boolean anyBone = false;
        for (int i = 0; i < per; i++) if (hu[off + i] >= options.boneHu()) { bone[i] = 1; anyBone = true; }
        double[] boneD2 = null;
        if (anyBone) {
            // bone halo: the bone plus every pixel above BONE_HALO_HU connected to it (partial volume of an
            // obliquely cut skull spreads over several pixels in-plane)
            boolean[] bright = new boolean[per];
            for (int i = 0; i < per; i++) bright[i] = hu[off + i] > BONE_HALO_HU;
            boneD2 = Morphology.squaredDistanceTo(Morphology.grow8(bone, bright, cols, rows), 0, cols, rows, cs, rs);
        }
        // the smoothing reaches the 8 neighbours: a margin never smaller than the pixel diagonal
        double footprint = passes == 1 ? Math.hypot(cs, rs) : Math.max(Math.hypot(cs, rs), 2.5 * Math.sqrt(passes * 0.5) * px);
        if (anyBone) markNear(boneD2, Math.max(footprint, options.boneMarginMm()), near, off, NEAR_BONE);
        // calcification-like spots inside the skull, away from the bone (whose smoothed rim is bright too)
        double rim = Math.max(options.boneMarginMm(), footprint) + Math.max(cs, rs);
        double rim2 = rim * rim + 1e-9;
        byte[] calc = new byte[per];
        boolean anyCalc = false;
        for (int i = 0; i < per; i++) {
            // a bright area, or a bright pixel standing out from its neighbourhood (small calcifications
            // lose their brightness in the smoothing; a noise spike inside a clot does not stand out this much)
            boolean bright = s[i] > options.calcificationHu()
                    || (hu[off + i] > options.calcificationHu() && hu[off + i] - s[i] >= SPOT_CONTRAST_HU);
            if (bright && bm.intracranial()[off + i] != 0 && (boneD2 == null || boneD2[i] > rim2)) {
                calc[i] = 1;
                anyCalc = true;
            }
        }
        if (anyCalc) {
            markNear(Morphology.squaredDistanceTo(calc, 0, cols, rows, cs, rs), Math.max(options.calcificationMarginMm(), footprint), near, off, NEAR_CALC);
        }
        for (int i = 0; i < per; i++) {
            if (bm.brain()[off + i] == 0) continue;
            float v = s[i];
            if (v >= lo && v <= hi) { cand[off + i] = 1; candidates++; }
            if (prob != null) prob[off + i] = (float) (sigmoid((v - lo) / 3.0) * sigmoid((hi - v) / 3.0));
        }
        return candidates;
    }

    private static double sigmoid(double x) { return 1.0 / (1.0 + Math.exp(-x)); }

    private static void markNear(double[] d2, double marginMm, byte[] near, int off, byte bit) {
        double m2 = marginMm * marginMm + 1e-9;
        for (int i = 0; i < d2.length; i++) if (d2[i] <= m2) near[off + i] |= bit;
    }

    /** Clears mask voxels of slice k whose location on slice kk (same patient point projected) is near bone/calc. */
    private static void excludeFromNeighbour(Volume v, int k, int kk, byte[] near, byte bits, byte[] mask) {
        int cols = v.columns(), rows = v.rows(), per = cols * rows;
        SliceGeometry a = v.slice(k), b = v.slice(kk);
        // (c', r') on slice kk of the point at (c, r) on slice k: affine in (c, r)
        double rc = a.rowDirection().dot(b.rowDirection()) * a.columnSpacingMm() / b.columnSpacingMm();
        double rr = a.columnDirection().dot(b.rowDirection()) * a.rowSpacingMm() / b.columnSpacingMm();
        double r0 = a.position().minus(b.position()).dot(b.rowDirection()) / b.columnSpacingMm();
        double qc = a.rowDirection().dot(b.columnDirection()) * a.columnSpacingMm() / b.rowSpacingMm();
        double qr = a.columnDirection().dot(b.columnDirection()) * a.rowSpacingMm() / b.rowSpacingMm();
        double q0 = a.position().minus(b.position()).dot(b.columnDirection()) / b.rowSpacingMm();
        int off = k * per, offB = kk * per;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = off + r * cols + c;
                if (mask[i] == 0) continue;
                long c2 = Math.round(rc * c + rr * r + r0), r2 = Math.round(qc * c + qr * r + q0);
                if (c2 < 0 || c2 >= cols || r2 < 0 || r2 >= rows) continue;
                if ((near[offB + (int) r2 * cols + (int) c2] & bits) != 0) mask[i] = 0;
            }
        }
    }
}
