package org.ichnode.store;

/** State of one delivery (object x destination); stored lower-case in delivery.state. */
public enum DeliveryState {
    /** Waiting for its next attempt, or being sent under a lease. */
    PENDING,
    /** Stored at the destination: final, never sent again. */
    DELIVERED,
    /** Gave up (attempts exhausted or not retryable): visible until re-sent by hand. */
    FAILED;

    public String dbValue() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static DeliveryState fromDb(String v) { return valueOf(v.toUpperCase(java.util.Locale.ROOT)); }
}
