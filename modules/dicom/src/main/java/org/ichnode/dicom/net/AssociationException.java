package org.ichnode.dicom.net;

import java.io.IOException;

/**
 * The association could not be established, so none of the files was sent: the peer could not be reached,
 * rejected the association, aborted or did not answer during negotiation, or broke the protocol there.
 * All of these are worth a retry later except, usually, a permanent rejection ({@link #isPermanent()}).
 */
public final class AssociationException extends IOException {

    public enum Kind {
        /** TCP connect failed or timed out (refused, unreachable, unknown host). */
        CONNECT_FAILED,
        /** A-ASSOCIATE-RJ from the peer; see {@link #isPermanent()} and the message for the reason. */
        REJECTED,
        /** A-ABORT (or the connection closed) in answer to our A-ASSOCIATE-RQ. */
        ABORTED,
        /** No answer to the A-ASSOCIATE-RQ in time. */
        TIMEOUT,
        /** The peer's answer was not a valid A-ASSOCIATE-AC/RJ. */
        PROTOCOL
    }

    private final Kind kind;
    private final boolean permanent;

    AssociationException(Kind kind, String message, boolean permanent, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.permanent = permanent;
    }

    public Kind kind() { return kind; }

    /** A permanent A-ASSOCIATE-RJ (result 1): retrying unchanged will most likely be rejected again. */
    public boolean isPermanent() { return permanent; }

    /** Text of an A-ASSOCIATE-RJ (PS3.8 9.3.4, table 9-21). */
    static String describeReject(int result, int source, int reason) {
        String r = switch (source) {
            case 1 -> switch (reason) {
                case 1 -> "no reason given";
                case 2 -> "application context name not supported";
                case 3 -> "calling AE title not recognized";
                case 7 -> "called AE title not recognized";
                default -> "reason " + reason;
            };
            case 2 -> switch (reason) {
                case 1 -> "no reason given";
                case 2 -> "protocol version not supported";
                default -> "reason " + reason;
            };
            case 3 -> switch (reason) {
                case 1 -> "temporary congestion";
                case 2 -> "local limit exceeded";
                default -> "reason " + reason;
            };
            default -> "reason " + reason;
        };
        String who = switch (source) {
            case 1 -> "service user";
            case 2 -> "service provider (ACSE)";
            case 3 -> "service provider (presentation)";
            default -> "source " + source;
        };
        String how = result == 1 ? "permanent" : result == 2 ? "transient" : "result " + result;
        return r + " (" + how + ", " + who + ")";
    }

    /** Text of an A-ABORT (PS3.8 9.3.8). */
    static String describeAbort(int source, int reason) {
        if (source == 0) return "aborted by the peer (service user)";
        String r = switch (reason) {
            case 0 -> "reason not specified";
            case 1 -> "unrecognized PDU";
            case 2 -> "unexpected PDU";
            case 4 -> "unrecognized PDU parameter";
            case 5 -> "unexpected PDU parameter";
            case 6 -> "invalid PDU parameter value";
            default -> "reason " + reason;
        };
        return "aborted by the peer's service provider: " + r;
    }
}
