package org.ichnode.core.segmentation;

import org.ichnode.core.volume.ConnectedComponents;
import org.ichnode.core.volume.ConnectedComponents.Connectivity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;

/**
 * Connected components of a binary mask and their measurements, for any segmenter (the HU baseline and model-based
 * ones alike).
 *
 * <p><b>Components</b> are found in voxel index space with {@link Connectivity#VOLUME_26} (default) or
 * {@link Connectivity#VOLUME_6} connectivity; components below the minimum volume are dropped; the rest are numbered
 * 1..n largest first (ties: more voxels, then lower first voxel index), so labels are deterministic.
 *
 * <p><b>Volume</b>: each voxel counts pixel area (row spacing x column spacing of its slice) times the slab
 * thickness of its slice. Slab thickness of slice k is half the spacing along the normal to the previous slice
 * plus half the spacing to the next; edge slices use their one neighbour's spacing (a single-slice volume uses the
 * mean pixel spacing). Spacing along the normal is the distance between slice origins projected on slice k's
 * normal, so gantry tilt (origins advancing along the table, not the normal) and variable spacing are handled.
 *
 * <p><b>Centroid</b>: volume-weighted mean of voxel centres (patient LPS, mm). <b>Longest axial diameter</b>: the
 * largest distance between the centres of two pixels of the lesion on the same slice (convex hull of the row
 * extremes, then all hull vertex pairs), maximum over slices. <b>Mean HU</b>: volume-weighted.
 *
 * <p><b>Laterality</b>: the midline of slice k is the x (patient, LPS: +x = patient left) of the centroid of the
 * brain mask on that slice (or, without a brain mask or where it is empty on that slice, of the head: HU &gt; -300;
 * failing that the mean of the other slices' midlines). Each lesion voxel gets d = x - midline(k). BILATERAL when
 * at least {@link #BILATERAL_FRACTION} of the volume lies more than the tolerance on each side; otherwise MIDLINE
 * when the volume-weighted mean of d is within the tolerance; otherwise LEFT (d &gt; 0) or RIGHT. UNKNOWN when no
 * midline can be estimated. The midline is taken as a line of constant x per slice (head yaw is ignored).
 */
public final class LesionMeasurer {

    /** 6: faces only; 26: faces, edges and corners (in voxel index space). */

    /** Fraction of the volume that must lie beyond the midline tolerance on each side for BILATERAL. */
    public static final double BILATERAL_FRACTION = 0.2;

    /**
     * @param labels   per voxel 0 or the label (1-based) of the finding it belongs to, volume voxel order
     * @param mask     1 on kept components (components below the minimum volume removed)
     * @param findings largest first; finding i has label i + 1
     * @param droppedComponents components removed for being smaller than the minimum volume
     */
    public record Result(int[] labels, byte[] mask, List<Finding> findings, int droppedComponents) {
        public Result {
            findings = List.copyOf(findings);
        }

        public double totalVolumeMl() { return findings.stream().mapToDouble(Finding::volumeMl).sum(); }

        /** The findings, each with the mean of {@code probability} (voxel order of the mask) over its voxels. */
        public List<Finding> findingsWithProbability(float[] probability) {
            if (probability.length != labels.length) throw new IllegalArgumentException("probability map size " + probability.length
                    + " != label map size " + labels.length);
            double[] sum = new double[findings.size() + 1];
            long[] n = new long[sum.length];
            for (int i = 0; i < labels.length; i++) {
                int l = labels[i];
                if (l > 0 && l < sum.length) { sum[l] += probability[i]; n[l]++; }
            }
            List<Finding> out = new java.util.ArrayList<>(findings.size());
            for (Finding f : findings) {
                int l = f.label();
                out.add(n[l] == 0 ? f : f.withProbability(Math.min(1, Math.max(0, sum[l] / n[l]))));
            }
            return out;
        }
    }

    private final Connectivity connectivity;
    private final double minVolumeMl;
    private final double midlineToleranceMm;

    public LesionMeasurer(Connectivity connectivity, double minVolumeMl, double midlineToleranceMm) {
        if (!(minVolumeMl >= 0) || !(midlineToleranceMm >= 0)) throw new IllegalArgumentException("bad lesion measurer options");
        this.connectivity = connectivity;
        this.minVolumeMl = minVolumeMl;
        this.midlineToleranceMm = midlineToleranceMm;
    }

    /** 26-connectivity, no minimum volume, midline tolerance 3 mm. */
    public LesionMeasurer() { this(Connectivity.VOLUME_26, 0, 3.0); }

    public Connectivity connectivity() { return connectivity; }

    public double minVolumeMl() { return minVolumeMl; }

    /** Slab thickness of each slice in mm (see class comment). */
    public static double[] slabThicknessMm(Volume v) {
        int n = v.slices();
        double[] t = new double[n];
        if (n == 1) {
            SliceGeometry g = v.slice(0);
            t[0] = 0.5 * (g.rowSpacingMm() + g.columnSpacingMm());
            return t;
        }
        double[] gapAfter = new double[n - 1];   // spacing between slice k and k+1, along slice k's normal
        double[] gapBefore = new double[n - 1];  // same, along slice k+1's normal
        for (int k = 0; k < n - 1; k++) {
            Vec3 d = v.slice(k + 1).position().minus(v.slice(k).position());
            gapAfter[k] = Math.abs(d.dot(v.slice(k).normal()));
            gapBefore[k] = Math.abs(d.dot(v.slice(k + 1).normal()));
        }
        for (int k = 0; k < n; k++) {
            double before = k > 0 ? gapBefore[k - 1] : gapAfter[0];
            double after = k < n - 1 ? gapAfter[k] : gapBefore[n - 2];
            t[k] = 0.5 * (before + after);
        }
        return t;
    }

    /** Volume of one voxel of each slice in mL. */
    public static double[] voxelVolumeMl(Volume v) {
        double[] t = slabThicknessMm(v);
        double[] ml = new double[t.length];
        for (int k = 0; k < t.length; k++) {
            SliceGeometry g = v.slice(k);
            ml[k] = g.rowSpacingMm() * g.columnSpacingMm() * t[k] / 1000.0;
        }
        return ml;
    }

    /** Components and findings of {@code mask} (nonzero = lesion); {@code brainMask} may be null (see midline). */
    public Result measure(Volume v, byte[] mask, byte[] brainMask) {
        int cols = v.columns(), rows = v.rows(), per = cols * rows, n = v.slices();
        if (mask.length != per * n) throw new IllegalArgumentException("mask size " + mask.length + " != " + per * n);
        if (brainMask != null && brainMask.length != mask.length) throw new IllegalArgumentException("brain mask size");
        double[] vml = voxelVolumeMl(v);

        // ---- connected components (provisional labels in raster order of first voxel)
        ConnectedComponents components = ConnectedComponents.label(mask, cols, rows, n, connectivity);
        int[] lab = components.labels();
        int count = components.count();
        long[] voxels = new long[count + 1];
        double[] vol = new double[count + 1];
        int[] firstIdx = components.firstVoxels();
        for (int i = 0; i < lab.length; i++) {
            int l = lab[i];
            if (l == 0) continue;
            voxels[l]++;
            vol[l] += vml[i / per];
        }

        // ---- keep and order
        List<Integer> keptLabels = new ArrayList<>();
        int dropped = 0;
        for (int l = 1; l <= count; l++) {
            if (vol[l] >= minVolumeMl - 1e-12) keptLabels.add(l);
            else dropped++;
        }
        final double[] fvol = vol;
        final long[] fvox = voxels;
        final int[] ffirst = firstIdx;
        keptLabels.sort((a, b) -> {
            int c1 = Double.compare(fvol[b], fvol[a]);
            if (c1 != 0) return c1;
            int c2 = Long.compare(fvox[b], fvox[a]);
            if (c2 != 0) return c2;
            return Integer.compare(ffirst[a], ffirst[b]);
        });
        int m = keptLabels.size();
        int[] newLabel = new int[count + 1];
        for (int i = 0; i < m; i++) newLabel[keptLabels.get(i)] = i + 1;
        byte[] outMask = new byte[mask.length];
        for (int i = 0; i < lab.length; i++) {
            int l = lab[i];
            if (l == 0) continue;
            lab[i] = newLabel[l];
            if (lab[i] != 0) outMask[i] = 1;
        }
        if (m == 0) return new Result(lab, outMask, List.of(), dropped);

        // ---- measurements
        double[] midline = midlineX(v, brainMask);
        double[] sumV = new double[m + 1], sx = new double[m + 1], sy = new double[m + 1], sz = new double[m + 1], sHu = new double[m + 1];
        double[] sD = new double[m + 1], left = new double[m + 1], right = new double[m + 1];
        long[] cnt = new long[m + 1];
        int[] first = new int[m + 1], last = new int[m + 1];
        Arrays.fill(first, Integer.MAX_VALUE);
        Arrays.fill(last, -1);
        double[] diameter = new double[m + 1];
        short[] hu = v.hu();
        int[] rowMin = new int[(m + 1) * rows], rowMax = new int[(m + 1) * rows];
        boolean[] onSlice = new boolean[m + 1];
        for (int k = 0; k < n; k++) {
            SliceGeometry g = v.slice(k);
            Vec3 o = g.position(), rd = g.rowDirection().times(g.columnSpacingMm()), cd = g.columnDirection().times(g.rowSpacingMm());
            double w = vml[k];
            double mid = midline == null ? Double.NaN : midline[k];
            Arrays.fill(rowMin, Integer.MAX_VALUE);
            Arrays.fill(rowMax, -1);
            Arrays.fill(onSlice, false);
            boolean any = false;
            for (int r = 0; r < rows; r++) {
                int base = (k * rows + r) * cols;
                for (int c = 0; c < cols; c++) {
                    int l = lab[base + c];
                    if (l == 0) continue;
                    any = true;
                    double px = o.x() + rd.x() * c + cd.x() * r, py = o.y() + rd.y() * c + cd.y() * r, pz = o.z() + rd.z() * c + cd.z() * r;
                    cnt[l]++;
                    sumV[l] += w;
                    sx[l] += w * px; sy[l] += w * py; sz[l] += w * pz;
                    sHu[l] += w * hu[base + c];
                    if (!Double.isNaN(mid)) {
                        double d = px - mid;
                        sD[l] += w * d;
                        if (d > midlineToleranceMm) left[l] += w;
                        else if (d < -midlineToleranceMm) right[l] += w;
                    }
                    if (k < first[l]) first[l] = k;
                    last[l] = k;
                    int ri = l * rows + r;
                    if (c < rowMin[ri]) rowMin[ri] = c;
                    if (c > rowMax[ri]) rowMax[ri] = c;
                    onSlice[l] = true;
                }
            }
            if (!any) continue;
            for (int l = 1; l <= m; l++) {
                if (!onSlice[l]) continue;
                double d = sliceDiameter(rowMin, rowMax, l * rows, rows, g.columnSpacingMm(), g.rowSpacingMm());
                if (d > diameter[l]) diameter[l] = d;
            }
        }
        List<Finding> findings = new ArrayList<>(m);
        for (int l = 1; l <= m; l++) {
            double w = sumV[l];
            Vec3 centroid = new Vec3(sx[l] / w, sy[l] / w, sz[l] / w);
            Finding.Laterality lat;
            if (midline == null) {
                lat = Finding.Laterality.UNKNOWN;
            } else if (left[l] >= BILATERAL_FRACTION * w && right[l] >= BILATERAL_FRACTION * w) {
                lat = Finding.Laterality.BILATERAL;
            } else {
                double md = sD[l] / w;
                lat = Math.abs(md) <= midlineToleranceMm ? Finding.Laterality.MIDLINE
                        : md > 0 ? Finding.Laterality.LEFT : Finding.Laterality.RIGHT;
            }
            findings.add(new Finding(l, cnt[l], w, centroid, diameter[l], sHu[l] / w, lat, first[l], last[l]));
        }
        return new Result(lab, outMask, findings, dropped);
    }

    /**
     * Per-slice midline x (patient mm): centroid of the brain mask, else of the head (HU &gt; -300), else the mean of
     * the slices that have one; null when no slice has either.
     */
    public static double[] midlineX(Volume v, byte[] brainMask) {
        int cols = v.columns(), rows = v.rows(), per = cols * rows, n = v.slices();
        double[] mid = new double[n];
        double sum = 0;
        int have = 0;
        short[] hu = v.hu();
        for (int k = 0; k < n; k++) {
            mid[k] = Double.NaN;
            for (int pass = 0; pass < 2 && Double.isNaN(mid[k]); pass++) {
                if (pass == 0 && brainMask == null) continue;
                double sc = 0, sr = 0;
                long cnt = 0;
                for (int r = 0; r < rows; r++) {
                    int base = k * per + r * cols;
                    for (int c = 0; c < cols; c++) {
                        boolean in = pass == 0 ? brainMask[base + c] != 0 : hu[base + c] > -300;
                        if (in) { sc += c; sr += r; cnt++; }
                    }
                }
                if (cnt > 0) mid[k] = v.slice(k).pixelToPatient(sc / cnt, sr / cnt).x();
            }
            if (!Double.isNaN(mid[k])) { sum += mid[k]; have++; }
        }
        if (have == 0) return null;
        double mean = sum / have;
        for (int k = 0; k < n; k++) if (Double.isNaN(mid[k])) mid[k] = mean;
        return mid;
    }

    /** Longest distance between pixel centres of one lesion on one slice, from its per-row extremes. */
    static double sliceDiameter(int[] rowMin, int[] rowMax, int off, int rows, double colSp, double rowSp) {
        // points: (col, row) of row extremes, in row order; monotone chain hull on (x = col, y = row)
        int np = 0;
        long[] px = new long[2 * rows], py = new long[2 * rows];
        for (int r = 0; r < rows; r++) {
            if (rowMax[off + r] < 0) continue;
            px[np] = rowMin[off + r]; py[np] = r; np++;
            if (rowMax[off + r] != rowMin[off + r]) { px[np] = rowMax[off + r]; py[np] = r; np++; }
        }
        if (np == 1) return 0;
        int[] hull = ConvexHull.of(px, py, np);
        int h = hull.length;
        double best = 0;
        for (int a = 0; a < h; a++) {
            for (int b = a + 1; b < h; b++) {
                double dx = (px[hull[a]] - px[hull[b]]) * colSp, dy = (py[hull[a]] - py[hull[b]]) * rowSp;
                double d = dx * dx + dy * dy;
                if (d > best) best = d;
            }
        }
        if (h == 1 && np > 1) {   // all points collinear and equal after hull reduction: fall back to brute force
            for (int a = 0; a < np; a++) {
                for (int b = a + 1; b < np; b++) {
                    double dx = (px[a] - px[b]) * colSp, dy = (py[a] - py[b]) * rowSp;
                    best = Math.max(best, dx * dx + dy * dy);
                }
            }
        }
        return Math.sqrt(best);
    }
}
