package org.ichnode.app.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which options choose a training draw, and which refuse to pretend to. */
class TrainingDrawOptionsTest {

    @Test void theDatasetSeedIsForPhantomsOnly() {
        assertEquals(5, new Args(List.of("--data", "phantom:small", "--seed", "5")).dataset(null, 0, 4).seed());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Args(List.of("--data", "../shared/data/ct-ich", "--seed", "11")).dataset(null, 0, 4));
        assertTrue(e.getMessage().contains("--training-seed"), e.getMessage());
        assertEquals(7, new Args(List.of("--data", "../shared/data/ct-ich")).dataset(null, 0, 4).seed(), "unused, the default");
    }

    @Test void trainingSeedsAreOneMemberEach() {
        assertEquals(Collections.singletonList(null), MemberSeeds.from(new Args(List.of())));
        assertEquals(List.of(11L), MemberSeeds.from(new Args(List.of("--training-seed", "11"))));
        List<Long> pair = MemberSeeds.from(new Args(List.of("--training-seed", "recipe,11")));
        assertEquals(Arrays.asList(null, 11L), pair);
        assertEquals(", training seeds recipe, 11", MemberSeeds.describe(pair));
        assertEquals("", MemberSeeds.describe(Collections.singletonList(null)));
        assertThrows(IllegalArgumentException.class, () -> MemberSeeds.from(new Args(List.of("--training-seed", "11,11"))));
        assertThrows(IllegalArgumentException.class, () -> MemberSeeds.from(new Args(List.of("--training-seed", "eleven"))));
    }
}
