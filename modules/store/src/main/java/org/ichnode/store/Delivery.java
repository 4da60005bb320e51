package org.ichnode.store;

import java.time.Instant;

/** A delivery row as read (a detached copy). {@code attempts} counts attempts started (claims). */
public record Delivery(long id, long resultId, String filePath, String sopClassUid, String sopInstanceUid,
                       String destination, String destAe, String destHost, int destPort, DeliveryState state,
                       int attempts, int maxAttempts, Instant nextAttemptAt, String leaseOwner, Instant leaseUntil,
                       String lastError, Instant createdAt, Instant deliveredAt) {
}
