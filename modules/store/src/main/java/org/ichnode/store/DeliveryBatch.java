package org.ichnode.store;

import java.time.Instant;
import java.util.List;

/**
 * Due deliveries of one destination, claimed together so one association carries them all. Every item is
 * leased to the claiming worker until {@code leaseUntil}; report each with {@link DeliveryQueue#markDelivered}
 * or {@link DeliveryQueue#markFailedAttempt}.
 */
public record DeliveryBatch(String destination, String destAe, String destHost, int destPort, Instant leaseUntil,
                            List<Item> items) {

    /** @param attempt this attempt's number, from 1 (use it for the backoff after a failure) */
    public record Item(long deliveryId, long resultId, String filePath, String sopClassUid, String sopInstanceUid,
                       int attempt, int maxAttempts) {
    }

    public List<Long> ids() { return items.stream().map(Item::deliveryId).toList(); }
}
