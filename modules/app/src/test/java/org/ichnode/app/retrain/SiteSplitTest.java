package org.ichnode.app.retrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;
import org.ichnode.training.LabelledStudy;
import org.ichnode.training.PatientSplit;
import org.ichnode.training.data.DatasetOption;
import org.junit.jupiter.api.Test;

/** The site's own studies the weak trainer holds out for the retraining gate. */
class SiteSplitTest {
    private static java.util.Set<String> ids(List<LabelledStudy> l) {
        return new java.util.TreeSet<>(l.stream().map(LabelledStudy::id).toList());
    }

    @Test
    void siteStudiesAreHeldOutOnlyFromLargeEnoughSnapshotsAndAlwaysTheSameOnes() {
        Volume v = new Volume(2, 2, new short[4], List.of(new SliceGeometry(new Vec3(0, 0, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), 1, 1)),
                List.of("1.2.3"), "1.2");
        List<LabelledStudy> studies = new ArrayList<>();
        for (int i = 0; i < 30; i++) studies.add(new LabelledStudy("1.2.840." + i, "1.2.840." + i, v, i < 12, null, null));
        WeakCandidateTrainer trainer = new WeakCandidateTrainer(128, 1, 1, new DatasetOption("phantom:small", 1, 0, 1, null), 0.2, 10);
        PatientSplit split = trainer.siteSplit(studies);
        assertEquals(2, split.held().stream().filter(LabelledStudy::positive).count(), "round(0.2 x 12) report-positive held out");
        assertEquals(4, split.held().stream().filter(s -> !s.positive()).count(), "round(0.2 x 18) report-negative held out");
        List<LabelledStudy> reversed = new ArrayList<>(studies);
        java.util.Collections.reverse(reversed);
        assertEquals(ids(split.held()), ids(trainer.siteSplit(reversed).held()), "the same studies whatever the order");
        assertTrue(trainer.siteSplit(studies.subList(0, 21)).held().isEmpty(), "9 report-negative studies: too few to hold any out");
    }
}
