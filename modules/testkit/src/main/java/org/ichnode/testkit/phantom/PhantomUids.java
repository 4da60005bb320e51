package org.ichnode.testkit.phantom;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Deterministic DICOM UIDs for the phantom: "2.25." followed by the decimal value of a name-based (MD5, version 3)
 * UUID of (seed, study, series, instance), as PS3.5 B.2 allows. The same inputs always give the same UID.
 */
public final class PhantomUids {
    private PhantomUids() {}

    /** Use for study-level UIDs (series = 0, instance = 0) and frame of reference (series = -1). */
    public static String uid(long seed, int study, int series, int instance) {
        String name = "ich-node-phantom/" + seed + "/" + study + "/" + series + "/" + instance;
        UUID u = UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
        byte[] b = new byte[16];
        long hi = u.getMostSignificantBits();
        long lo = u.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return "2.25." + new BigInteger(1, b).toString();
    }

    public static String studyUid(long seed, int study) { return uid(seed, study, 0, 0); }

    public static String seriesUid(long seed, int study, int series) { return uid(seed, study, series, 0); }

    public static String frameOfReferenceUid(long seed, int study) { return uid(seed, study, -1, 0); }

    /** Instance numbers start at 1. */
    public static String instanceUid(long seed, int study, int series, int instance) { return uid(seed, study, series, instance); }
}
