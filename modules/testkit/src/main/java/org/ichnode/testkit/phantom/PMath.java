package org.ichnode.testkit.phantom;

/**
 * Deterministic, fast sine and cosine from + and * only (Java 17 floating point is strict), so the phantom's bytes
 * do not depend on the JIT's choice of intrinsics. Absolute error below 1e-7.
 */
final class PMath {
    private static final double TWO_PI = 2 * Math.PI, INV_TWO_PI = 1 / TWO_PI, HALF_PI = 0.5 * Math.PI;

    private PMath() {}

    static double sin(double x) {
        double k = Math.floor(x * INV_TWO_PI + 0.5);
        x -= k * TWO_PI;
        if (x > HALF_PI) x = Math.PI - x;
        else if (x < -HALF_PI) x = -Math.PI - x;
        double x2 = x * x;
        return x * (1 + x2 * (-1.0 / 6 + x2 * (1.0 / 120 + x2 * (-1.0 / 5040 + x2 * (1.0 / 362880 + x2 * (-1.0 / 39916800 + x2 / 6227020800.0))))));
    }

    static double cos(double x) { return sin(x + HALF_PI); }
}
