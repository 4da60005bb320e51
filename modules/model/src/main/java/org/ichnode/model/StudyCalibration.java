package org.ichnode.model;

/**
 * Turns a study's raw score ({@link IchModel.StudyScore}) into a calibrated probability:
 * {@code sigmoid(slope * logit + intercept)} (Platt scaling), fitted on validation studies the classifiers never saw.
 * Classifiers trained on balanced batches are overconfident and their logits are not probabilities of a study;
 * the SR, the alert and the operating point should speak of a probability that means what it says.
 */
public record StudyCalibration(double slope, double intercept) {
    /** Pulls the fit towards the identity: about 10 validation studies per fold cannot carry two free parameters. */
    static final double PRIOR_WEIGHT = 1.0;
    static final double MIN_SLOPE = 1e-3;

    public StudyCalibration {
        if (!(slope >= MIN_SLOPE) || !Double.isFinite(slope) || !Double.isFinite(intercept)) {
            throw new IllegalArgumentException("calibration slope must be >= " + MIN_SLOPE + " and both finite: " + slope + ", " + intercept);
        }
    }

    /** No calibration: the sigmoid of the raw logit (artifacts made before calibration). */
    public static StudyCalibration identity() { return new StudyCalibration(1, 0); }

    public double probability(double logit) {
        double p = 1 / (1 + Math.exp(-(slope * logit + intercept)));
        return Double.isFinite(p) ? Math.min(1, Math.max(0, p)) : (logit > 0 ? 1 : 0);
    }

    /**
     * Platt's fit: the logistic regression of the labels on the logits with his smoothed targets
     * ({@code (n+ + 1)/(n+ + 2)} and {@code 1/(n- + 2)}, so a perfectly separated validation set does not drive the
     * slope to infinity) and a Gaussian prior of weight {@link #PRIOR_WEIGHT} around the identity; Newton steps with
     * step halving. The slope stays positive (a calibration must not reverse the ranking). Identity without both
     * classes.
     */
    public static StudyCalibration fit(double[] logits, boolean[] labels) {
        if (logits.length != labels.length) throw new IllegalArgumentException("one label per logit");
        int pos = 0;
        for (boolean l : labels) if (l) pos++;
        int neg = labels.length - pos;
        if (pos == 0 || neg == 0) return identity();
        double tPos = (pos + 1.0) / (pos + 2.0), tNeg = 1.0 / (neg + 2.0);
        double a = 1, b = 0, loss = loss(logits, labels, tPos, tNeg, a, b);
        for (int it = 0; it < 100; it++) {
            double ga = PRIOR_WEIGHT * (a - 1), gb = PRIOR_WEIGHT * b, haa = PRIOR_WEIGHT, hab = 0, hbb = PRIOR_WEIGHT;
            for (int i = 0; i < logits.length; i++) {
                double z = logits[i], p = sigmoid(a * z + b), t = labels[i] ? tPos : tNeg, w = p * (1 - p);
                ga += (p - t) * z;
                gb += p - t;
                haa += w * z * z;
                hab += w * z;
                hbb += w;
            }
            double det = haa * hbb - hab * hab;
            if (!(det > 0)) break;
            double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
            double step = 1, next = Double.NaN, na = a, nb = b;
            for (int h = 0; h < 30; h++) {
                na = Math.max(MIN_SLOPE, a - step * da);
                nb = b - step * db;
                next = loss(logits, labels, tPos, tNeg, na, nb);
                if (next <= loss) break;
                step /= 2;
            }
            if (!(next <= loss)) break;
            boolean done = loss - next < 1e-12;
            a = na;
            b = nb;
            loss = next;
            if (done) break;
        }
        return new StudyCalibration(a, b);
    }

    private static double loss(double[] z, boolean[] y, double tPos, double tNeg, double a, double b) {
        double l = 0.5 * PRIOR_WEIGHT * ((a - 1) * (a - 1) + b * b);
        for (int i = 0; i < z.length; i++) {
            double s = a * z[i] + b, t = y[i] ? tPos : tNeg;
            // -t log p - (1-t) log(1-p), written so that large |s| does not overflow
            l += Math.max(s, 0) - t * s + Math.log1p(Math.exp(-Math.abs(s)));
        }
        return l;
    }

    private static double sigmoid(double s) { return 1 / (1 + Math.exp(-s)); }
}
