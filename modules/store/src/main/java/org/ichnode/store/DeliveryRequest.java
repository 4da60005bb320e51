package org.ichnode.store;

/**
 * One object to deliver to one destination, as given to {@link DeliveryQueue#recordResult}. The destination is
 * resolved already ("back to the calling AE" becomes that AE's title, host and port); {@code destination} is its
 * name, unique per object.
 */
public record DeliveryRequest(String filePath, String sopClassUid, String sopInstanceUid, String destination,
                              String destAe, String destHost, int destPort, int maxAttempts) {
    public DeliveryRequest {
        if (filePath == null || sopClassUid == null || sopInstanceUid == null || destination == null
                || destAe == null || destHost == null) {
            throw new IllegalArgumentException("every field of a delivery is required");
        }
        if (destPort < 1 || destPort > 65535) throw new IllegalArgumentException("port out of range: " + destPort);
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
}
