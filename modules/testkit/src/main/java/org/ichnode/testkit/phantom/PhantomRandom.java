package org.ichnode.testkit.phantom;

/**
 * SplitMix64: a small, fully specified generator so that the same seed gives the same phantom on every JVM
 * (java.util.Random and SplittableRandom are not used: their streams are an implementation detail).
 * Not thread-safe; the generator uses one instance sequentially.
 */
public final class PhantomRandom {
    private long state;
    private double spareGaussian;
    private boolean hasSpare;

    public PhantomRandom(long seed) { this.state = seed; }

    /** An independent generator in the same state: it produces the same values as this one from here on. */
    public PhantomRandom copy() {
        PhantomRandom r = new PhantomRandom(state);
        r.spareGaussian = spareGaussian;
        r.hasSpare = hasSpare;
        return r;
    }

    /** The SplitMix64 finaliser: a good 64-bit hash of {@code z}. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Seed of a derived stream, e.g. per study: a hash of both values. */
    public static long derive(long seed, long salt) { return mix(mix(seed) ^ (salt * 0x9e3779b97f4a7c15L + 0x632be59bd9b4e019L)); }

    public long nextLong() {
        state += 0x9e3779b97f4a7c15L;
        return mix(state);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }

    public double uniform(double lo, double hi) { return lo + (hi - lo) * nextDouble(); }

    /** Uniform integer in [lo, hi] inclusive. */
    public int nextInt(int lo, int hi) {
        if (hi < lo) throw new IllegalArgumentException(lo + " > " + hi);
        return lo + (int) Math.floor(nextDouble() * (hi - lo + 1L));
    }

    public boolean chance(double p) { return nextDouble() < p; }

    /** +1 or -1 with equal probability. */
    public int sign() { return nextDouble() < 0.5 ? -1 : 1; }

    /** Log-uniform in [lo, hi]: many small values, some large. */
    public double logUniform(double lo, double hi) { return StrictMath.exp(uniform(StrictMath.log(lo), StrictMath.log(hi))); }

    /** Standard normal (Box-Muller, both values used). */
    public double gaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareGaussian;
        }
        double u1;
        do { u1 = nextDouble(); } while (u1 <= 1e-300);
        double u2 = nextDouble();
        double r = Math.sqrt(-2.0 * StrictMath.log(u1));
        double a = 2.0 * Math.PI * u2;
        spareGaussian = r * PMath.sin(a);
        hasSpare = true;
        return r * PMath.cos(a);
    }
}
