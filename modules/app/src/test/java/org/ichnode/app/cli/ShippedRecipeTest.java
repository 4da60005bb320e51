package org.ichnode.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ichnode.training.WeakSupervision;
import org.junit.jupiter.api.Test;

/**
 * The nightly retraining trains with {@link WeakSupervision.Plan#recipe}; the shipped model was trained with the
 * {@code train} command written in models/README.md. Both must be the same plan and the same members, or the
 * retraining's candidates are not what was measured on real CT.
 */
class ShippedRecipeTest {
    private static final Path README = Path.of("../../models/README.md").toAbsolutePath().normalize();

    @Test void theShippedModelsTrainCommandIsTheRetrainingRecipe() throws IOException {
        List<String> tokens = shippedTrainCommand();
        assertTrue(tokens.contains("--size"), "the command names its input size: " + tokens);
        int size = Integer.parseInt(tokens.get(tokens.indexOf("--size") + 1));
        WeakSupervision.Plan fromReadme = TrainCommand.planOf(new Args(tokens));
        assertEquals(WeakSupervision.Plan.recipe(size), fromReadme);
        assertEquals(WeakSupervision.Plan.RECIPE_MEMBER_SEEDS, MemberSeeds.from(new Args(tokens)), "the same members");
        assertEquals(128, size, "retrain.inputSize defaults to the shipped model's input");
    }

    /** The arguments after {@code ./ichnode train} of the first command in the section of {@code models/default}. */
    private static List<String> shippedTrainCommand() throws IOException {
        String text = Files.readString(README);
        int section = text.indexOf("## `default/`");
        assertTrue(section >= 0, "models/README.md has a section for default/");
        int start = text.indexOf("./ichnode train", section);
        assertTrue(start >= 0, "the section shows the train command");
        StringBuilder command = new StringBuilder();
        for (String line : text.substring(start).split("\n")) {
            command.append(line.replace("\\", " ")).append(' ');
            if (!line.stripTrailing().endsWith("\\")) break;
        }
        List<String> tokens = new ArrayList<>(Arrays.asList(command.toString().trim().split("\\s+")));
        return tokens.subList(2, tokens.size());
    }
}
