package org.ichnode.store;

/** State of one delivery (object x destination); stored lower-case in delivery.state. */
public enum DeliveryState implements StoredState {
    /** Waiting for its next attempt, or being sent under a lease. */
    PENDING,
    /** Stored at the destination: final, never sent again. */
    DELIVERED,
    /** Gave up (attempts exhausted or not retryable): visible until re-sent by hand. */
    FAILED;

    public static DeliveryState fromDb(String v) { return StoredState.fromDb(DeliveryState.class, v); }
}
