package org.ichnode.core.segmentation;

import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;

/**
 * Skull stripping, slice by slice: the intracranial region is what the skull encloses.
 *
 * <p>Per slice: bone = HU &ge; {@link Options#boneHu}. Pixels reachable from the image border through non-bone are
 * outside; non-bone pixels not reachable are enclosed. Where the ring is open (skull base, foramen magnum, a
 * tangential cut at the vertex) the bone is dilated by 1, 2, ... pixels up to {@link Options#maxClosingMm} until
 * something is enclosed, and the enclosed region is then grown back by the same distance through non-bone pixels
 * (a morphological closing of the ring). Of the enclosed pixels only soft-tissue values
 * ({@link Options#minHu} .. boneHu) count, so sinus and mastoid air is not brain. Enclosed 4-connected components
 * smaller than {@link Options#minComponentMm2} or than {@link Options#minComponentFraction} of the slice's largest
 * are dropped. A slice with nothing enclosed even after the largest closing (an infant's skull, a craniectomy) takes
 * the soft tissue inside the convex hull of the head's bone where that region looks like a cranium (see
 * {@code hullFallback}); else it gets an empty mask.
 * The result is then eroded in-plane by {@link Options#erosionMm} (exact Euclidean distance, per-slice spacing)
 * to drop the partial-volume edge against the inner table.
 *
 * <p>HU below -1024 (padding outside the reconstruction circle, e.g. GE's -1500) is air. Deterministic.
 */
public final class BrainMask {

    /**
     * @param boneHu               bone threshold (HU)
     * @param minHu                lowest HU of an enclosed pixel that counts as intracranial (excludes air)
     * @param erosionMm            in-plane erosion of the intracranial region
     * @param maxClosingMm         largest dilation of the bone used to close an open ring
     * @param minComponentMm2      smallest enclosed component kept
     * @param minComponentFraction smallest enclosed component kept, as a fraction of the slice's largest
     */
    public record Options(double boneHu, double minHu, double erosionMm, double maxClosingMm,
                          double minComponentMm2, double minComponentFraction) {
        public Options {
            if (!(erosionMm >= 0) || !(maxClosingMm >= 0) || !(minComponentMm2 >= 0)
                    || !(minComponentFraction >= 0 && minComponentFraction <= 1) || !(minHu < boneHu)) {
                throw new IllegalArgumentException("bad brain mask options");
            }
        }

        /** bone 300 HU, soft tissue from -100 HU, erosion 2 mm, closing up to 8 mm, components 100 mm^2 and 5%. */
        public static Options defaults() { return new Options(300, -100, 2.0, 8.0, 100, 0.05); }

        public Options withErosionMm(double mm) {
            return new Options(boneHu, minHu, mm, maxClosingMm, minComponentMm2, minComponentFraction);
        }

        public Options withBoneHu(double hu) {
            return new Options(hu, minHu, erosionMm, maxClosingMm, minComponentMm2, minComponentFraction);
        }
    }

    /**
     * @param intracranial 1 where enclosed by the skull (before erosion), volume voxel order
     * @param brain        1 where intracranial after erosion: where a segmenter should look
     * @param closingMm    per slice, the bone dilation that closed the ring (0: closed as is; +infinity: the convex hull
     *                     of the bone, the ring could not be closed; NaN: nothing enclosed)
     */
    public record Result(byte[] intracranial, byte[] brain, double[] closingMm) {
        public int voxelCount() {
            int n = 0;
            for (byte b : brain) n += b;
            return n;
        }
    }

    private final Options options;

    public BrainMask(Options options) { this.options = options; }

    public BrainMask() { this(Options.defaults()); }

    public Options options() { return options; }

    public Result compute(Volume volume) {
        int per = volume.voxelsPerSlice();
        byte[] intracranial = new byte[per * volume.slices()];
        byte[] brain = new byte[per * volume.slices()];
        double[] closing = new double[volume.slices()];
        // each slice writes only its own plane: spread them over the cores
        java.util.stream.IntStream.range(0, volume.slices()).parallel()
                .forEach(k -> closing[k] = computeSlice(volume, k, intracranial, brain));
        return new Result(intracranial, brain, closing);
    }

    /** Writes slice k of both masks; returns the closing distance used (NaN when nothing is enclosed). */
    double computeSlice(Volume volume, int k, byte[] intracranialOut, byte[] brainOut) {
        int cols = volume.columns(), rows = volume.rows(), per = cols * rows, off = k * per;
        SliceGeometry g = volume.slice(k);
        double cs = g.columnSpacingMm(), rs = g.rowSpacingMm();
        short[] hu = volume.hu();
        double boneHu = options.boneHu();
        byte[] bone = new byte[per];
        boolean[] notBone = new boolean[per];
        boolean anyBone = false;
        for (int i = 0; i < per; i++) {
            boolean b = hu[off + i] >= boneHu;
            bone[i] = (byte) (b ? 1 : 0);
            notBone[i] = !b;
            anyBone |= b;
        }
        if (!anyBone) return Double.NaN;
        double minPx = Math.min(cs, rs);
        double pixelArea = cs * rs;
        double[] boneD2 = null;
        byte[] enclosedKept = null;
        double used = Double.NaN;
        int maxSteps = (int) Math.floor(options.maxClosingMm() / minPx + 1e-9);
        for (int step = 0; step <= maxSteps; step++) {
            double r = step * minPx;
            boolean[] passable;
            if (step == 0) {
                passable = notBone;
            } else {
                if (boneD2 == null) boneD2 = Morphology.squaredDistanceTo(bone, 0, cols, rows, cs, rs);
                passable = new boolean[per];
                double r2 = r * r + 1e-9;
                for (int i = 0; i < per; i++) passable[i] = boneD2[i] > r2;
            }
            byte[] outside = Morphology.floodFromBorder(passable, cols, rows);
            boolean[] enclosed = new boolean[per];
            for (int i = 0; i < per; i++) {
                enclosed[i] = passable[i] && outside[i] == 0 && hu[off + i] >= options.minHu();
            }
            byte[] kept = keepComponents(enclosed, cols, rows, pixelArea);
            if (kept == null) continue;
            if (step > 0) {
                // grow back through non-bone, soft-tissue pixels by the closing distance
                double[] d2 = Morphology.squaredDistanceTo(kept, 0, cols, rows, cs, rs);
                double r2 = r * r + 1e-9;
                boolean[] grown = new boolean[per];
                for (int i = 0; i < per; i++) {
                    grown[i] = d2[i] <= r2 && notBone[i] && hu[off + i] >= options.minHu();
                }
                // keep only what connects to the enclosed core (no leak along the outside of the skull)
                int[][] areas = new int[1][];
                int[] lab = Morphology.components2d(grown, cols, rows, areas);
                boolean[] keepLabel = new boolean[areas[0].length];
                for (int i = 0; i < per; i++) if (kept[i] != 0 && lab[i] > 0) keepLabel[lab[i]] = true;
                for (int i = 0; i < per; i++) kept[i] = (byte) (lab[i] > 0 && keepLabel[lab[i]] ? 1 : 0);
            }
            enclosedKept = kept;
            used = r;
            break;
        }
        if (enclosedKept == null) {
            enclosedKept = hullFallback(hu, off, cols, rows, bone, notBone, pixelArea);
            if (enclosedKept == null) return Double.NaN;
            used = Double.POSITIVE_INFINITY;
        }
        System.arraycopy(enclosedKept, 0, intracranialOut, off, per);
        if (options.erosionMm() <= 0) {
            System.arraycopy(enclosedKept, 0, brainOut, off, per);
            return used;
        }
        byte[] outsideBrain = new byte[per];
        for (int i = 0; i < per; i++) outsideBrain[i] = (byte) (enclosedKept[i] == 0 ? 1 : 0);
        double[] d2 = Morphology.squaredDistanceTo(outsideBrain, 0, cols, rows, cs, rs);
        double e2 = options.erosionMm() * options.erosionMm() + 1e-9;
        for (int i = 0; i < per; i++) brainOut[off + i] = (byte) (enclosedKept[i] != 0 && d2[i] > e2 ? 1 : 0);
        return used;
    }

    /**
     * For a skull ring too open to close (an infant's thin skull with its fontanelles and sutures, a craniectomy): the
     * soft tissue inside the convex hull of the bone of the head, accepted only where it looks like a cranium: bone in
     * at least {@link #MIN_HULL_BONE_COVERAGE} of the directions around the hull's centre, at least
     * {@link #MIN_HULL_AREA_MM2} inside, and at least {@link #MIN_HULL_BRAIN_SHARE} of the soft tissue there of brain
     * or blood density (0..100 HU; the face and the neck hold fat and air). Null when it does not.
     */
    private byte[] hullFallback(short[] hu, int off, int cols, int rows, byte[] bone, boolean[] notBone, double pixelArea) {
        int per = cols * rows;
        boolean[] body = new boolean[per];
        for (int i = 0; i < per; i++) body[i] = hu[off + i] >= options.minHu();
        int[][] areasOut = new int[1][];
        int[] lab = Morphology.components2d(body, cols, rows, areasOut);
        int head = 0;
        for (int a = 1; a < areasOut[0].length; a++) if (areasOut[0][a] > areasOut[0][head]) head = a;
        if (head == 0) return null;
        // the hull of the head's bone from each row's outermost bone pixels (the table and the headrest lie apart)
        long[] px = new long[2 * rows], py = new long[2 * rows];
        int np = 0;
        for (int y = 0; y < rows; y++) {
            int first = -1, last = -1;
            for (int x = 0; x < cols; x++) {
                int i = y * cols + x;
                if (bone[i] != 0 && lab[i] == head) { if (first < 0) first = x; last = x; }
            }
            if (first < 0) continue;
            px[np] = first; py[np] = y; np++;
            if (last != first) { px[np] = last; py[np] = y; np++; }
        }
        int[] hullIndex = ConvexHull.of(px, py, np);
        if (hullIndex.length < 3) return null;
        long[][] hull = new long[hullIndex.length][];
        for (int v = 0; v < hull.length; v++) hull[v] = new long[] {px[hullIndex[v]], py[hullIndex[v]]};
        double cx = 0, cy = 0;
        for (long[] p : hull) { cx += p[0]; cy += p[1]; }
        cx /= hull.length;
        cy /= hull.length;
        boolean[] direction = new boolean[36];
        for (int i = 0; i < per; i++) {
            if (bone[i] == 0 || lab[i] != head) continue;
            double angle = Math.atan2(i / cols - cy, i % cols - cx);
            direction[(int) Math.floor((angle + Math.PI) / (2 * Math.PI) * 36) % 36] = true;
        }
        int covered = 0;
        for (boolean d : direction) if (d) covered++;
        if (covered < MIN_HULL_BONE_COVERAGE * direction.length) return null;
        boolean[] inside = new boolean[per];
        int soft = 0, brainDensity = 0;
        for (int y = 0; y < rows; y++) {
            double[] span = hullSpan(hull, y);
            if (span == null) continue;
            for (int x = (int) Math.ceil(span[0]); x <= Math.floor(span[1]); x++) {
                int i = y * cols + x;
                if (!notBone[i] || hu[off + i] < options.minHu()) continue;
                inside[i] = true;
                soft++;
                if (hu[off + i] >= 0 && hu[off + i] <= 100) brainDensity++;
            }
        }
        if (soft * pixelArea < MIN_HULL_AREA_MM2 || brainDensity < MIN_HULL_BRAIN_SHARE * soft) return null;
        return keepComponents(inside, cols, rows, pixelArea);
    }

    static final double MIN_HULL_BONE_COVERAGE = 0.6;
    static final double MIN_HULL_AREA_MM2 = 3000;
    static final double MIN_HULL_BRAIN_SHARE = 0.85;

    /** The x range of the convex polygon on row {@code y}; null where the row misses it. */
    private static double[] hullSpan(long[][] hull, int y) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < hull.length; i++) {
            long[] a = hull[i], b = hull[(i + 1) % hull.length];
            if ((y < a[1] && y < b[1]) || (y > a[1] && y > b[1])) continue;
            if (a[1] == b[1]) {
                lo = Math.min(lo, Math.min(a[0], b[0]));
                hi = Math.max(hi, Math.max(a[0], b[0]));
            } else {
                double x = a[0] + (double) (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
        }
        return lo <= hi ? new double[] {lo, hi} : null;
    }

    /** Enclosed components large enough to be brain; null when none. */
    private byte[] keepComponents(boolean[] enclosed, int cols, int rows, double pixelArea) {
        int[][] areasOut = new int[1][];
        int[] lab = Morphology.components2d(enclosed, cols, rows, areasOut);
        int[] areas = areasOut[0];
        int largest = 0;
        for (int a = 1; a < areas.length; a++) largest = Math.max(largest, areas[a]);
        if (largest == 0 || largest * pixelArea < options.minComponentMm2()) return null;
        boolean[] keep = new boolean[areas.length];
        for (int a = 1; a < areas.length; a++) {
            keep[a] = areas[a] * pixelArea >= options.minComponentMm2() && areas[a] >= options.minComponentFraction() * largest;
        }
        byte[] out = new byte[enclosed.length];
        for (int i = 0; i < out.length; i++) out[i] = (byte) (lab[i] > 0 && keep[lab[i]] ? 1 : 0);
        return out;
    }
}
