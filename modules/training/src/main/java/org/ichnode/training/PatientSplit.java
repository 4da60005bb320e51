package org.ichnode.training;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Patient-wise split, stratified by label: every study of a patient falls on the same side; of the patients with
 * hemorrhage (any positive study) and of those without, the held fraction is taken separately (at least one of each
 * class that has two or more patients), those first in the order of a hash of the patient id and a seed. So the split
 * is reproducible, does not depend on the order studies arrive in, and the held side always has both labels to choose
 * an operating point on: unstratified, a fold of the CT-ICH cross-validation held no positive patient at all.
 */
public record PatientSplit(List<LabelledStudy> train, List<LabelledStudy> held) {

    public static PatientSplit of(List<LabelledStudy> studies, double heldFraction, long seed) {
        Map<String, Boolean> positive = new LinkedHashMap<>();
        for (LabelledStudy s : studies) positive.merge(s.patientId(), s.positive(), Boolean::logicalOr);
        Set<String> held = heldPatients(positive, heldFraction, seed);
        List<LabelledStudy> a = new ArrayList<>(), b = new ArrayList<>();
        for (LabelledStudy s : studies) (held.contains(s.patientId()) ? b : a).add(s);
        return new PatientSplit(a, b);
    }

    /**
     * The patients held out: {@code heldFraction} of those labelled positive and of the others, at least one of each
     * class with two or more patients, first in the order of {@link #bucket}.
     */
    public static Set<String> heldPatients(Map<String, Boolean> positiveByPatient, double heldFraction, long seed) {
        if (!(heldFraction >= 0 && heldFraction < 1)) throw new IllegalArgumentException("held fraction must be in [0, 1)");
        Set<String> held = new HashSet<>();
        if (heldFraction == 0) return held;
        for (boolean label : new boolean[] {true, false}) {
            List<String> patients = new ArrayList<>();
            positiveByPatient.forEach((p, positive) -> { if (positive == label) patients.add(p); });
            patients.sort(Comparator.comparingDouble(p -> bucket(p, seed)));
            int n = patients.size(), take = n >= 2 ? Math.max(1, Math.min(n - 1, (int) Math.round(heldFraction * n))) : 0;
            held.addAll(patients.subList(0, take));
        }
        return held;
    }

    /** Uniform in [0, 1) per (patient, seed). */
    public static double bucket(String patientId, long seed) {
        CRC32 crc = new CRC32();
        crc.update((seed + ":" + patientId).getBytes(StandardCharsets.UTF_8));
        long h = crc.getValue() * 0x9E3779B97F4A7C15L;
        return (h >>> 11) / (double) (1L << 53);
    }
}
