package org.ichnode.store;

/**
 * One alert to send, as given to {@link AlertQueue#record}: a channel ("hl7" or "webhook"), its destination
 * ("host:port" or a URL) and the message, rendered already so that every retry sends the same one.
 */
public record AlertRequest(String channel, String destination, String message, int maxAttempts) {
    public static final String HL7 = "hl7";
    public static final String WEBHOOK = "webhook";

    public AlertRequest {
        if (!HL7.equals(channel) && !WEBHOOK.equals(channel)) throw new IllegalArgumentException("unknown alert channel: " + channel);
        if (destination == null || destination.isBlank()) throw new IllegalArgumentException("alert destination is missing");
        if (message == null || message.isEmpty()) throw new IllegalArgumentException("alert message is empty");
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
}
