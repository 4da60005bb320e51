package org.ichnode.training.pseudomask;

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
 * neighbours could be the skull base of two or three similar studies, all positive by chance, and it was kept
 * (the phantom measurements that showed it are in docs/model.md, "What it does").
 *
 * <p>It needs negative images
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
        // the references grouped by study (stable), so that each study's nearest can be taken in one pass
        int[] grouped = java.util.stream.IntStream.of(refs).boxed()
                .sorted(java.util.Comparator.comparingInt(r -> candidates.get(r).study())).mapToInt(Integer::intValue).toArray();
        double[][] ref = new double[refs.length][];
        int[] refStudy = new int[refs.length];
        boolean[] refPositive = new boolean[refs.length];
        int refPositives = 0;
        for (int j = 0; j < refs.length; j++) {
            Candidate c = candidates.get(grouped[j]);
            ref[j] = standardised(c.features(), mean, sd);
            refStudy[j] = c.study();
            refPositive[j] = c.positive();
            if (c.positive()) refPositives++;
        }
        double share = refPositives / (double) refs.length;
        if (share <= 0 || share >= 1) throw new IllegalArgumentException("the sampled references are all of one label");
        double odds = minOddsRatio * share / (1 - share);
        double minShare = odds / (1 + odds);

        List<Integer> groupStarts = new ArrayList<>();
        for (int j = 0; j < refs.length; j++) if (j == 0 || refStudy[j] != refStudy[j - 1]) groupStarts.add(j);
        groupStarts.add(refs.length);
        Neighbours nearest = new Neighbours(ref, refStudy, refPositive, groupStarts.stream().mapToInt(Integer::intValue).toArray());
        boolean[] keep = new boolean[candidates.size()];
        for (int i : eligible) {
            Candidate c = candidates.get(i);
            if (!c.positive()) continue;
            int pos = nearest.positives(standardised(c.features(), mean, sd), c.study());
            keep[i] = pos >= 0 && pos / (double) neighbours >= minShare;
        }
        return new Selection(keep, share, minShare, refs.length);
    }

    /** The k nearest references of a query from other studies, at most {@code maxPerStudy} from any one. */
    private final class Neighbours {
        private final double[][] ref;
        private final int[] refStudy;
        private final boolean[] refPositive;
        private final int[] groupStarts;   // references are grouped by study: group g is [groupStarts[g], groupStarts[g+1])
        private final double[] bestDist = new double[neighbours], studyDist;
        private final boolean[] bestPositive = new boolean[neighbours], studyPositive;

        Neighbours(double[][] ref, int[] refStudy, boolean[] refPositive, int[] groupStarts) {
            this.ref = ref;
            this.refStudy = refStudy;
            this.refPositive = refPositive;
            this.groupStarts = groupStarts;
            int cap = maxPerStudy > 0 ? maxPerStudy : neighbours;
            studyDist = new double[cap];
            studyPositive = new boolean[cap];
        }

        /** How many of the k nearest are from positive images; -1 when fewer than k references qualify. */
        int positives(double[] q, int ownStudy) {
            Arrays.fill(bestDist, Double.POSITIVE_INFINITY);
            int found = 0;
            for (int g = 0; g + 1 < groupStarts.length; g++) {
                if (refStudy[groupStarts[g]] == ownStudy) continue;
                // this study's nearest few, then those of them that are among the k nearest so far
                Arrays.fill(studyDist, Double.POSITIVE_INFINITY);
                for (int j = groupStarts[g]; j < groupStarts[g + 1]; j++) {
                    double bound = Math.min(studyDist[studyDist.length - 1], bestDist[neighbours - 1]);
                    double dist = 0;
                    for (int d = 0; d < q.length && dist < bound; d++) { double v = q[d] - ref[j][d]; dist += v * v; }
                    if (dist < bound) insert(studyDist, studyPositive, dist, refPositive[j]);
                }
                for (int t = 0; t < studyDist.length && studyDist[t] < bestDist[neighbours - 1]; t++) {
                    insert(bestDist, bestPositive, studyDist[t], studyPositive[t]);
                    found = Math.min(neighbours, found + 1);
                }
            }
            if (found < neighbours) return -1;
            int pos = 0;
            for (boolean b : bestPositive) if (b) pos++;
            return pos;
        }
    }

    /** Inserts into a sorted list of nearest distances, dropping its last. */
    private static void insert(double[] dist, boolean[] positive, double d, boolean p) {
        int at = dist.length - 1;
        while (at > 0 && dist[at - 1] > d) { dist[at] = dist[at - 1]; positive[at] = positive[at - 1]; at--; }
        dist[at] = d;
        positive[at] = p;
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
