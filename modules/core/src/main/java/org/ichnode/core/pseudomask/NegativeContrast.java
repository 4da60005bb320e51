package org.ichnode.core.pseudomask;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * ich-node's choice of the {@link DensityPrior} components that are hemorrhage, learned from image-level labels
 * without a CAM: a component is kept when it looks like components of <em>positive</em> images and unlike those of
 * negative ones. Blood-density components are everywhere (noise, partial volume at the skull base, the falx, vessels);
 * they look the same in studies with and without hemorrhage, so among a normal component's nearest neighbours (in
 * {@link DensityComponent#FEATURES}, standardised) positives and negatives mix in their overall proportion, while a
 * lesion's neighbours are other lesions, all from positive images. The rule (positive-unlabelled learning by nearest
 * neighbours): keep a component of a positive image when the odds of "positive" among its {@code neighbours} nearest
 * components from <em>other</em> studies are at least {@code minOddsRatio} times the odds among all components.
 *
 * <p>At most {@code maxPerStudy} of the neighbours come from any one study. Normal components cluster by study (scans
 * alike in slice thickness, noise and anatomy have alike skull bases); without the limit a skull-base component's
 * neighbours could be the skull base of two or three similar studies, all positive by chance, and it was kept. On
 * full-size phantoms with study labels that kept 847 components where slice labels kept 417, the extra ones on
 * lesion-free slices at the skull base (pseudo-mask Dice 0.79 against 0.93; with the limit 3: 380 kept, 0.93).
 *
 * <p>On full-size phantoms with study labels only it gave pseudo masks of Dice 0.95 (docs/model.md), where every
 * component of a positive study gave 0.34 and the MIL classifiers' Grad-CAM gate 0.0 to 0.4. It needs negative images
 * among the training data, and components of at least {@code minPixels} (single noise pixels carry no shape).
 *
 * @param neighbours    nearest components compared (k)
 * @param minPixels     smaller components are neither kept nor compared
 * @param minOddsRatio  how much more often than overall a component's neighbours must come from positive images
 * @param maxReferences at most this many components (an even sample) are the neighbours searched, bounding the time
 *                      on large training sets
 * @param maxPerStudy   at most this many of the neighbours from one study (0: no limit)
 */
public record NegativeContrast(int neighbours, int minPixels, double minOddsRatio, int maxReferences, int maxPerStudy) {

    public NegativeContrast {
        if (neighbours < 1) throw new IllegalArgumentException("neighbours must be >= 1");
        if (minPixels < 1) throw new IllegalArgumentException("minPixels must be >= 1");
        if (!(minOddsRatio >= 1)) throw new IllegalArgumentException("minOddsRatio must be >= 1");
        if (maxReferences < neighbours) throw new IllegalArgumentException("maxReferences must be >= neighbours");
        if (maxPerStudy < 0) throw new IllegalArgumentException("maxPerStudy must be >= 0 (0: no limit)");
    }

    /** k = 20, components of 3 pixels or more, odds ratio 4, at most 20,000 references, at most 3 neighbours per study. */
    public static NegativeContrast defaults() {
        return new NegativeContrast(20, 3, 4.0, 20_000, 3);
    }

    /** A component to judge: its features, which study it belongs to (never its own neighbour), and its image's label. */
    public record Candidate(double[] features, int study, boolean positive, int pixels) {}

    /** What {@link #select} decided, with the figures behind it. */
    public record Selection(boolean[] keep, double positiveShare, double minPositiveShare, int references) {
        public int kept() {
            int n = 0;
            for (boolean b : keep) if (b) n++;
            return n;
        }
    }

    /**
     * @return per candidate whether it is kept (only candidates of positive images of at least {@code minPixels} can be)
     * @throws IllegalArgumentException when the candidates hold no component of a negative image (nothing to contrast
     *                                  with) or none of a positive one
     */
    public Selection select(List<Candidate> candidates) {
        List<Integer> eligible = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) if (candidates.get(i).pixels() >= minPixels) eligible.add(i);
        int positives = 0;
        for (int i : eligible) if (candidates.get(i).positive()) positives++;
        if (positives == 0 || positives == eligible.size()) {
            throw new IllegalArgumentException("negative contrast needs density components of both positive and negative images ("
                    + positives + " of " + eligible.size() + " are positive)");
        }
        int[] refs = sample(eligible, maxReferences);
        int dims = candidates.get(refs[0]).features().length;
        double[] mean = new double[dims], sd = new double[dims];
        for (int r : refs) for (int d = 0; d < dims; d++) mean[d] += candidates.get(r).features()[d];
        for (int d = 0; d < dims; d++) mean[d] /= refs.length;
        for (int r : refs) for (int d = 0; d < dims; d++) { double v = candidates.get(r).features()[d] - mean[d]; sd[d] += v * v; }
        for (int d = 0; d < dims; d++) sd[d] = Math.sqrt(sd[d] / refs.length) + 1e-9;
        double[][] ref = new double[refs.length][];
        int[] refStudy = new int[refs.length];
        boolean[] refPositive = new boolean[refs.length];
        int refPositives = 0;
        for (int j = 0; j < refs.length; j++) {
            Candidate c = candidates.get(refs[j]);
            ref[j] = standardised(c.features(), mean, sd);
            refStudy[j] = c.study();
            refPositive[j] = c.positive();
            if (c.positive()) refPositives++;
        }
        double share = refPositives / (double) refs.length;
        if (share <= 0 || share >= 1) throw new IllegalArgumentException("the sampled references are all of one label");
        double odds = minOddsRatio * share / (1 - share);
        double minShare = odds / (1 + odds);

        boolean[] keep = new boolean[candidates.size()];
        int[] order = byStudy(refStudy);
        double[] bestDist = new double[neighbours];
        boolean[] bestPositive = new boolean[neighbours];
        int cap = maxPerStudy > 0 ? maxPerStudy : neighbours;
        double[] studyDist = new double[cap];
        boolean[] studyPositive = new boolean[cap];
        for (int i : eligible) {
            Candidate c = candidates.get(i);
            if (!c.positive()) continue;
            double[] q = standardised(c.features(), mean, sd);
            Arrays.fill(bestDist, Double.POSITIVE_INFINITY);
            int found = 0;
            // per other study its `cap` nearest, then the k nearest of those
            for (int start = 0; start < order.length; ) {
                int study = refStudy[order[start]], end = start;
                while (end < order.length && refStudy[order[end]] == study) end++;
                if (study != c.study()) {
                    Arrays.fill(studyDist, Double.POSITIVE_INFINITY);
                    int inStudy = 0;
                    for (int o = start; o < end; o++) {
                        int j = order[o];
                        double dist = 0;
                        double bound = Math.min(studyDist[cap - 1], bestDist[neighbours - 1]);
                        for (int d = 0; d < dims && dist < bound; d++) { double v = q[d] - ref[j][d]; dist += v * v; }
                        if (dist >= bound) continue;
                        inStudy = Math.min(cap, inStudy + 1);
                        insert(studyDist, studyPositive, dist, refPositive[j]);
                    }
                    for (int t = 0; t < inStudy; t++) {
                        if (studyDist[t] >= bestDist[neighbours - 1]) break;
                        insert(bestDist, bestPositive, studyDist[t], studyPositive[t]);
                        found = Math.min(neighbours, found + 1);
                    }
                }
                start = end;
            }
            if (found < neighbours) continue;
            int pos = 0;
            for (boolean b : bestPositive) if (b) pos++;
            keep[i] = pos / (double) neighbours >= minShare;
        }
        return new Selection(keep, share, minShare, refs.length);
    }

    /** Inserts into a sorted list of nearest distances, dropping its last. */
    private static void insert(double[] dist, boolean[] positive, double d, boolean p) {
        int at = dist.length - 1;
        while (at > 0 && dist[at - 1] > d) { dist[at] = dist[at - 1]; positive[at] = positive[at - 1]; at--; }
        dist[at] = d;
        positive[at] = p;
    }

    /** Reference indices ordered by study (stable). */
    private static int[] byStudy(int[] refStudy) {
        return java.util.stream.IntStream.range(0, refStudy.length).boxed()
                .sorted(java.util.Comparator.comparingInt(j -> refStudy[j])).mapToInt(Integer::intValue).toArray();
    }

    private static double[] standardised(double[] f, double[] mean, double[] sd) {
        double[] z = new double[f.length];
        for (int d = 0; d < f.length; d++) z[d] = (f[d] - mean[d]) / sd[d];
        return z;
    }

    /** All of {@code from} when it fits, else an even sample of {@code max} (fixed seed: same data, same choice). */
    private static int[] sample(List<Integer> from, int max) {
        int[] all = from.stream().mapToInt(Integer::intValue).toArray();
        if (all.length <= max) return all;
        Random r = new Random(20261201L);
        for (int i = 0; i < max; i++) {
            int j = i + r.nextInt(all.length - i);
            int t = all[i]; all[i] = all[j]; all[j] = t;
        }
        int[] out = Arrays.copyOf(all, max);
        Arrays.sort(out);
        return out;
    }
}
