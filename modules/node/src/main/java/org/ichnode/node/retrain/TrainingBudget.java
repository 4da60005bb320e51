package org.ichnode.node.retrain;

import java.time.Duration;
import java.time.Instant;

/**
 * What a training may use: at most {@code threads} compute threads (so receiving and processing are not starved), and
 * it should be done by {@code deadline} (retrain.maxMinutes after the run started).
 */
public record TrainingBudget(int threads, Instant deadline) {
    public TrainingBudget {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1");
    }

    public Duration remaining() {
        Duration d = Duration.between(Instant.now(), deadline);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
