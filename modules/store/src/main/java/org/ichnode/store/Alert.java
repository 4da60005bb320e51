package org.ichnode.store;

import java.time.Instant;

/** An alert row as read (a detached copy). {@code attempts} counts attempts started (claims). */
public record Alert(long id, long resultId, String channel, String destination, String message, DeliveryState state,
                    int attempts, int maxAttempts, Instant nextAttemptAt, String lastError, Instant createdAt,
                    Instant deliveredAt) {
}
