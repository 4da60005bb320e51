package org.ichnode.core.volume;

import org.ichnode.core.json.Json;

/**
 * Summary of the HU values of a volume: min, max, mean, standard deviation, percentiles 1/50/99 (nearest rank),
 * fraction of voxels in the brain window 0..80 HU (inclusive) and above 700 HU (bone), voxel count.
 */
public record HuStatistics(long voxelCount, int min, int max, double mean, double std,
                           int p1, int p50, int p99, double fractionBrainWindow, double fractionBone) {

    public static final int BRAIN_WINDOW_LOW = 0;
    public static final int BRAIN_WINDOW_HIGH = 80;
    public static final int BONE_THRESHOLD = 700;

    public static HuStatistics of(Volume volume) { return of(volume.hu()); }

    public static HuStatistics of(short[] hu) {
        if (hu.length == 0) throw new IllegalArgumentException("no voxels");
        long[] hist = new long[65536];
        double sum = 0, sumSq = 0;
        long brain = 0, bone = 0;
        for (short s : hu) {
            hist[s + 32768]++;
            sum += s;
            sumSq += (double) s * s;
            if (s >= BRAIN_WINDOW_LOW && s <= BRAIN_WINDOW_HIGH) brain++;
            if (s > BONE_THRESHOLD) bone++;
        }
        long n = hu.length;
        int min = 0, max = 0;
        for (int i = 0; i < hist.length; i++) if (hist[i] > 0) { min = i - 32768; break; }
        for (int i = hist.length - 1; i >= 0; i--) if (hist[i] > 0) { max = i - 32768; break; }
        double mean = sum / n;
        double var = Math.max(0, sumSq / n - mean * mean);
        return new HuStatistics(n, min, max, mean, Math.sqrt(var),
                percentile(hist, n, 0.01), percentile(hist, n, 0.50), percentile(hist, n, 0.99),
                (double) brain / n, (double) bone / n);
    }

    /** Nearest rank: the smallest value v with count(<= v) >= ceil(q * n). */
    private static int percentile(long[] hist, long n, double q) {
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long c = 0;
        for (int i = 0; i < hist.length; i++) {
            c += hist[i];
            if (c >= rank) return i - 32768;
        }
        return hist.length - 1 - 32768;
    }

    public String toJson() {
        return new Json().beginObject()
                .field("voxelCount", voxelCount).field("min", min).field("max", max)
                .field("mean", mean).field("std", std)
                .field("p1", p1).field("p50", p50).field("p99", p99)
                .field("fractionBrainWindow0to80", fractionBrainWindow)
                .field("fractionAbove700", fractionBone)
                .endObject().toString();
    }
}
