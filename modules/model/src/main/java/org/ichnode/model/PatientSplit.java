package org.ichnode.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Patient-wise split: every study of a patient falls on the same side, decided by a hash of the patient id and a
 * seed, so the split is reproducible and does not depend on the order studies arrive in.
 */
public record PatientSplit(List<LabelledStudy> train, List<LabelledStudy> held) {

    public static PatientSplit of(List<LabelledStudy> studies, double heldFraction, long seed) {
        if (!(heldFraction >= 0 && heldFraction < 1)) throw new IllegalArgumentException("held fraction must be in [0, 1)");
        List<LabelledStudy> a = new ArrayList<>(), b = new ArrayList<>();
        for (LabelledStudy s : studies) (bucket(s.patientId(), seed) < heldFraction ? b : a).add(s);
        if (a.isEmpty() && !b.isEmpty()) a.add(b.remove(b.size() - 1));
        return new PatientSplit(a, b);
    }

    /** Uniform in [0, 1) per (patient, seed). */
    public static double bucket(String patientId, long seed) {
        CRC32 crc = new CRC32();
        crc.update((seed + ":" + patientId).getBytes(StandardCharsets.UTF_8));
        long h = crc.getValue() * 0x9E3779B97F4A7C15L;
        return (h >>> 11) / (double) (1L << 53);
    }
}
