package org.ichnode.dicom.net;

import java.time.Duration;

/** Retry delays. */
public final class Backoff {
    private Backoff() {}

    /**
     * base * factor^(attempt - 1), at most {@code max}: the wait after the {@code attempt}-th failed attempt
     * (attempt 1 waits {@code base}). Overflow saturates at {@code max}.
     */
    public static Duration exponential(Duration base, double factor, Duration max, int attempt) {
        if (base.isNegative() || max.isNegative()) throw new IllegalArgumentException("durations must not be negative");
        if (factor < 1.0 || Double.isNaN(factor)) throw new IllegalArgumentException("factor must be at least 1: " + factor);
        if (attempt < 1) throw new IllegalArgumentException("attempt counts from 1: " + attempt);
        double millis = base.toMillis() * Math.pow(factor, attempt - 1);
        if (Double.isInfinite(millis) || millis >= max.toMillis()) return max;
        return Duration.ofMillis((long) millis);
    }
}
