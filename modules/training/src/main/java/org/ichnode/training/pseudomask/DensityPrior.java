package org.ichnode.training.pseudomask;

import org.ichnode.core.volume.ConnectedComponents;

/**
 * ich-node's addition after the published pseudo-mask steps: the CAM-based mask says <em>where</em> the hemorrhage
 * is, the CT density says <em>which pixels</em> it is. Fresh blood (about 50 to 90 HU) is denser than brain (25 to 40
 * HU), so the lesion is a connected region of blood density inside the skull; a CAM, even after fusion and the CRF,
 * is a blob that spills over it or covers part of it. The refined mask is every 8-connected component of candidate
 * pixels of at least {@code minComponentPixels} that overlaps the CAM-based mask by at least {@code minOverlapPixels},
 * kept whole; the rest is dropped.
 *
 * <p>Candidates: intracranial pixels whose HU lies in [{@code minHu}, {@code maxHu}], except those within
 * {@code calcificationMarginPixels} of an intracranial pixel above {@code calcificationHu} (the partial-volume rim
 * of a calcification has blood density). Bone is outside the intracranial mask, so blood along the inner table
 * (subdural, epidural) stays a candidate.
 *
 * <p>With {@code grow}, a kept component then grows ({@link #grow}): through connected intracranial pixels of at
 * least {@code minHu} whatever their HU above (a core denser than {@code maxHu}; the candidate window cuts such a
 * lesion into a ring of fragments), then by one pixel into pixels of at least {@code rimHu} (its partial-volume rim).
 * Only kept components grow, so brain is never reached from a noise speck (what growing gained on the phantom: docs/model.md,
 * "What it does").
 *
 * <p>No truth is read: the inputs are the image, the brain mask and the mask made from image-level labels.
 */
public record DensityPrior(double minHu, double maxHu, double calcificationHu, int calcificationMarginPixels,
                           int minOverlapPixels, int minComponentPixels, boolean grow, double rimHu) {

    public DensityPrior {
        if (!(rimHu <= minHu)) throw new IllegalArgumentException("rimHu must be at most minHu");
        if (!(minHu < maxHu)) throw new IllegalArgumentException("minHu must be below maxHu");
        if (!(calcificationHu > maxHu)) throw new IllegalArgumentException("calcificationHu must be above maxHu");
        if (calcificationMarginPixels < 0) throw new IllegalArgumentException("calcificationMarginPixels must be >= 0");
        if (minOverlapPixels < 1) throw new IllegalArgumentException("minOverlapPixels must be >= 1");
        if (minComponentPixels < 1) throw new IllegalArgumentException("minComponentPixels must be >= 1");
    }

    /**
     * Blood 48..90 HU, calcification above 100 HU with a 1-pixel margin, any overlap, components of 1 pixel or more,
     * kept components grown with a rim from 44 HU.
     */
    public static DensityPrior defaults() {
        return new DensityPrior(48, 90, 100, 1, 1, 1, true, 44);
    }

    /** The same prior with kept components as they are (no {@link #grow}). */
    public DensityPrior withoutGrowth() {
        return new DensityPrior(minHu, maxHu, calcificationHu, calcificationMarginPixels, minOverlapPixels, minComponentPixels, false, rimHu);
    }

    /**
     * @param width        columns
     * @param height       rows
     * @param hu           HU per pixel
     * @param intracranial 1 = inside the skull
     * @param mask         the CAM-based mask (1 = hemorrhage)
     * @return the refined mask; empty where no candidate component meets the mask
     */
    public byte[] refine(int width, int height, float[] hu, byte[] intracranial, byte[] mask) {
        int n = width * height;
        if (hu.length != n || intracranial.length != n || mask.length != n) {
            throw new IllegalArgumentException("image, brain mask and mask must have " + n + " pixels");
        }
        byte[] out = new byte[n];
        boolean anyMask = false;
        for (byte b : mask) if (b != 0) { anyMask = true; break; }
        if (!anyMask) return out;

        int[] component = labelComponents(width, height, hu, intracranial);
        int labels = 0;
        for (int c : component) labels = Math.max(labels, c);
        int[] size = new int[labels + 1], overlap = new int[labels + 1];
        for (int i = 0; i < n; i++) {
            size[component[i]]++;
            if (mask[i] != 0) overlap[component[i]]++;
        }
        for (int i = 0; i < n; i++) {
            int c = component[i];
            if (c != 0 && overlap[c] >= minOverlapPixels && size[c] >= minComponentPixels) out[i] = 1;
        }
        return grow ? grow(width, height, hu, intracranial, out) : out;
    }

    /**
     * The kept mask grown through 4-connected intracranial pixels of at least {@code minHu} (no upper bound), then by
     * one pixel (4-neighbours) into intracranial pixels of at least {@code rimHu}. {@code kept} is not changed.
     */
    public byte[] grow(int width, int height, float[] hu, byte[] intracranial, byte[] kept) {
        int n = width * height;
        if (hu.length != n || intracranial.length != n || kept.length != n) {
            throw new IllegalArgumentException("image, brain mask and mask must have " + n + " pixels");
        }
        byte[] out = kept.clone();
        int[] stack = new int[n];
        int top = 0;
        for (int i = 0; i < n; i++) if (out[i] != 0) stack[top++] = i;
        while (top > 0) {
            int p = stack[--top];
            for (int q : neighbours4(p, width, height)) {
                if (q >= 0 && out[q] == 0 && intracranial[q] != 0 && hu[q] >= minHu) { out[q] = 1; stack[top++] = q; }
            }
        }
        byte[] rim = out.clone();
        for (int p = 0; p < n; p++) {
            if (out[p] == 0) continue;
            for (int q : neighbours4(p, width, height)) if (q >= 0 && intracranial[q] != 0 && hu[q] >= rimHu) rim[q] = 1;
        }
        return rim;
    }

    private static int[] neighbours4(int p, int width, int height) {
        int x = p % width, y = p / width;
        return new int[] {x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < height - 1 ? p + width : -1};
    }

    /**
     * The candidate pixels' 8-connected components: per pixel its component's label, 1..L in scan order of each
     * component's first pixel, 0 where the pixel is no candidate.
     */
    public int[] labelComponents(int width, int height, float[] hu, byte[] intracranial) {
        int n = width * height;
        if (hu.length != n || intracranial.length != n) throw new IllegalArgumentException("image and brain mask must have " + n + " pixels");
        boolean[] candidate = candidates(width, height, hu, intracranial);
        return ConnectedComponents.label(candidate, width, height, 1, ConnectedComponents.Connectivity.SLICE_8).labels();
    }

    private boolean[] candidates(int width, int height, float[] hu, byte[] intracranial) {
        int n = width * height;
        boolean[] bright = new boolean[n];
        for (int i = 0; i < n; i++) bright[i] = intracranial[i] != 0 && hu[i] > calcificationHu;
        boolean[] c = new boolean[n];
        int r = calcificationMarginPixels;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                if (intracranial[i] == 0 || hu[i] < minHu || hu[i] > maxHu) continue;
                boolean nearBright = false;
                for (int dy = -r; dy <= r && !nearBright; dy++) {
                    int yy = y + dy;
                    if (yy < 0 || yy >= height) continue;
                    for (int dx = -r; dx <= r; dx++) {
                        int xx = x + dx;
                        if (xx >= 0 && xx < width && bright[yy * width + xx]) { nearBright = true; break; }
                    }
                }
                c[i] = !nearBright;
            }
        }
        return c;
    }
}
