package org.ichnode.dicom;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The project's UIDs. ich-node has no registered UID root: every UID it makes is UUID-derived under the 2.25 root
 * (PS3.5 B.2), at most 44 characters, so it fits the 64-character UI limit.
 */
public final class UidGenerator {
    private UidGenerator() { }

    /** A new random UID (2.25 + decimal of a random version 4 UUID). */
    public static String newUid() {
        return fromUuid(UUID.randomUUID());
    }

    /** A UID that is the same for the same name every time (2.25 + a name-based version 3 UUID): for identities such
     *  as a device observer UID that must stay stable across runs. */
    public static String fromName(String name) {
        return fromUuid(UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)));
    }

    static String fromUuid(UUID u) {
        byte[] b = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
        return "2.25." + new BigInteger(1, b);
    }
}
