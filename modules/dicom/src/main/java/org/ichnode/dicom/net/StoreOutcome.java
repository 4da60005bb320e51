package org.ichnode.dicom.net;

import java.nio.file.Path;

/**
 * What happened to one file of a {@link StorageScu#send} call.
 *
 * @param sopInstanceUid from the file's meta header; null if the file could not be read
 * @param status         the C-STORE-RSP status, or -1 when no response was received
 * @param reason         null on plain success; the warning, the ErrorComment or why it was not sent otherwise
 */
public record StoreOutcome(Path file, String sopInstanceUid, Result result, int status, String reason) {

    public enum Result {
        /** The peer answered success or a warning (B000, B006, B007, ...): the object is stored there. */
        DELIVERED,
        /** The peer answered the C-STORE with a failure status (e.g. A700 out of resources). */
        REFUSED,
        /** Not sent or no answer: unreadable file, no accepted presentation context, association broke. */
        FAILED
    }

    public boolean isDelivered() { return result == Result.DELIVERED; }

    static StoreOutcome failed(Path file, String sopInstanceUid, String reason) {
        return new StoreOutcome(file, sopInstanceUid, Result.FAILED, -1, reason);
    }

    @Override
    public String toString() {
        String s = file.getFileName() + ": " + result;
        if (status >= 0) s += String.format(" status %04X", status);
        return reason == null ? s : s + " (" + reason + ")";
    }
}
