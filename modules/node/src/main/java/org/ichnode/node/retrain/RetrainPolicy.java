package org.ichnode.node.retrain;

import org.ichnode.node.config.Keys;
import org.ichnode.node.config.Settings;

import java.time.Duration;

/**
 * The gate and the limits of a retraining run.
 *
 * @param minDiceGain candidate Dice minus the active model's Dice must be at least this (0: not worse); the rule when
 *                    the snapshot held out no site studies of both labels
 * @param minSiteAucGain     with held-out site studies: candidate study AUC on them minus the other model's
 * @param maxPhantomDiceDrop with held-out site studies: how far the candidate's phantom Dice may fall below the other's
 * @param minStudies  fewest labelled studies (with a processed series) in the dataset for a run to train at all
 * @param threads     compute threads the trainer may use
 * @param maxTime     training time limit; the run is failed a tenth of it after the deadline if training has not ended
 * @param autoPromote a candidate that passes the gate becomes active at once; false (the default): it waits, approved
 *                    by the gate, until a person activates it
 */
public record RetrainPolicy(double minDiceGain, int minStudies, int threads, Duration maxTime, double minSiteAucGain,
                            double maxPhantomDiceDrop, boolean autoPromote) {
    /** Site-study rules at their defaults (not worse in study AUC, phantom Dice at most 0.2 lower); human sign-off. */
    public RetrainPolicy(double minDiceGain, int minStudies, int threads, Duration maxTime) {
        this(minDiceGain, minStudies, threads, maxTime, 0.0, 0.2, false);
    }

    public RetrainPolicy withAutoPromote(boolean on) {
        return new RetrainPolicy(minDiceGain, minStudies, threads, maxTime, minSiteAucGain, maxPhantomDiceDrop, on);
    }

    public static RetrainPolicy of(Settings s) {
        return new RetrainPolicy(s.getDouble(Keys.RETRAIN_GATE_MIN_DICE_GAIN), s.getInt(Keys.RETRAIN_GATE_MIN_STUDIES),
                s.getInt(Keys.RETRAIN_THREADS), Duration.ofMinutes(s.getLong(Keys.RETRAIN_MAX_MINUTES)),
                s.getDouble(Keys.RETRAIN_GATE_MIN_SITE_AUC_GAIN), s.getDouble(Keys.RETRAIN_GATE_MAX_PHANTOM_DICE_DROP),
                s.getBoolean(Keys.RETRAIN_AUTO_PROMOTE));
    }
}
