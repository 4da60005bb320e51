package org.ichnode.app.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code --training-seed LIST} of {@code train} and {@code experiment real}: one model member per entry, averaged at
 * inference. {@code recipe} keeps the recipe's own seeds; a number draws other initial weights, batches and
 * augmentations (the patients and the validation split stay). Default: one member with the recipe's seeds. E.g.
 * {@code --training-seed 11} (one member, another draw), {@code --training-seed recipe,11} (an ensemble of two).
 */
final class MemberSeeds {
    private MemberSeeds() {}

    /** The seeds, {@code null} for {@code recipe}; read from {@code args}. */
    static List<Long> from(Args args) {
        String option = args.option("--training-seed");
        if (option == null) return Collections.singletonList(null);
        List<Long> seeds = new ArrayList<>();
        for (String s : option.split(",")) {
            String t = s.trim();
            if (t.equals("recipe")) seeds.add(null);
            else {
                try {
                    seeds.add(Long.valueOf(t));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--training-seed: a comma list of numbers or 'recipe', not " + option);
                }
            }
        }
        if (seeds.stream().distinct().count() < seeds.size()) throw new IllegalArgumentException("--training-seed: the same seed twice makes the same member twice: " + option);
        return seeds;
    }

    /** For reports: nothing for the default, else ", training seeds recipe, 11". */
    static String describe(List<Long> seeds) {
        if (seeds.equals(Collections.singletonList(null))) return "";
        return ", training seed" + (seeds.size() > 1 ? "s " : " ") + String.join(", ", seeds.stream().map(x -> x == null ? "recipe" : x.toString()).toList());
    }
}
