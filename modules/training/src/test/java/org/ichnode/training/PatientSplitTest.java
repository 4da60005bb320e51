package org.ichnode.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;
import org.junit.jupiter.api.Test;

class PatientSplitTest {

    private static final Volume ONE_SLICE = new Volume(2, 2, new short[4],
            List.of(new SliceGeometry(new Vec3(0, 0, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), 1, 1)), List.of("1.2.3"), "1.2");

    /** 36 patients with hemorrhage and 46 without (the CT-ICH proportions), two studies each for some. */
    private static List<LabelledStudy> studies() {
        List<LabelledStudy> out = new ArrayList<>();
        for (int p = 0; p < 82; p++) {
            boolean positive = p < 36;
            out.add(new LabelledStudy("s" + p + "a", "p" + p, ONE_SLICE, positive, null, null));
            if (p % 3 == 0) out.add(new LabelledStudy("s" + p + "b", "p" + p, ONE_SLICE, false, null, null));
        }
        return out;
    }

    @Test
    void heldSideHasBothLabelsInProportionAndPatientsAreNeverSplit() {
        for (long seed = 1; seed <= 20; seed++) {
            PatientSplit split = PatientSplit.of(studies(), 0.15, seed);
            Set<String> held = new HashSet<>(), kept = new HashSet<>();
            split.held().forEach(s -> held.add(s.patientId()));
            split.train().forEach(s -> kept.add(s.patientId()));
            held.forEach(p -> assertTrue(!kept.contains(p), "patient " + p + " on both sides"));
            long heldPositive = held.stream().filter(p -> Integer.parseInt(p.substring(1)) < 36).count();
            assertEquals(5, heldPositive, "round(0.15 x 36) patients with hemorrhage held, seed " + seed);
            assertEquals(7, held.size() - heldPositive, "round(0.15 x 46) patients without, seed " + seed);
            assertEquals(studies().size(), split.train().size() + split.held().size());
        }
        assertEquals(PatientSplit.of(studies(), 0.15, 4).held(), PatientSplit.of(studies(), 0.15, 4).held(), "reproducible");
    }

    @Test
    void smallSetsKeepOneOfEachClassAndNothingWhenNothingIsAsked() {
        List<LabelledStudy> few = studies().stream().filter(s -> List.of("p0", "p1", "p50", "p51", "p52").contains(s.patientId())).toList();
        PatientSplit split = PatientSplit.of(few, 0.15, 7);
        assertEquals(1, split.held().stream().filter(LabelledStudy::positive).map(LabelledStudy::patientId).distinct().count());
        assertEquals(1, split.held().stream().filter(s -> !s.positive() && !s.patientId().equals("p0")).map(LabelledStudy::patientId).distinct().count());
        assertEquals(0, PatientSplit.of(few, 0, 7).held().size());
    }
}
