package org.ichnode.app.cli;

import java.util.ArrayList;
import java.util.List;

/** Minimal option parsing: "--name value" pairs, repeatable ones, and an error for anything left over. */
public final class Args {
    private final List<String> remaining;

    public Args(List<String> args) { this.remaining = new ArrayList<>(args); }

    /** The value after {@code name}, removed from the arguments; null when absent. */
    public String option(String name) {
        int i = remaining.indexOf(name);
        if (i < 0) return null;
        if (i + 1 >= remaining.size()) throw new IllegalArgumentException(name + " needs a value");
        String v = remaining.get(i + 1);
        remaining.subList(i, i + 2).clear();
        return v;
    }

    public String option(String name, String defaultValue) {
        String v = option(name);
        return v == null ? defaultValue : v;
    }

    public int intOption(String name, int defaultValue) {
        String v = option(name);
        if (v == null) return defaultValue;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, got '" + v + "'");
        }
    }

    /** Whether the option without a value {@code name} is there; removed from the arguments. */
    public boolean flag(String name) {
        return remaining.remove(name);
    }

    public List<String> repeated(String name) {
        List<String> values = new ArrayList<>();
        for (String v; (v = option(name)) != null; ) values.add(v);
        return values;
    }

    public void requireNoneLeft() {
        if (!remaining.isEmpty()) throw new IllegalArgumentException("unexpected argument(s): " + String.join(" ", remaining));
    }

    /** The data set options {@code --data --seed --from --studies --patients} (docs: Main's help). */
    public org.ichnode.training.data.DatasetOption dataset(String defaultData, int defaultFrom, int defaultStudies) {
        String data = option("--data", defaultData), seed = option("--seed", null);
        // --seed picks which phantoms are generated; on real data it would be read and do nothing
        if (seed != null && (data == null || !data.startsWith("phantom:"))) {
            throw new IllegalArgumentException("--seed picks phantom studies and means nothing for " + (data == null ? "real data" : data)
                    + "; another training draw is --training-seed (train, experiment real)");
        }
        return new org.ichnode.training.data.DatasetOption(data, Long.parseLong(seed == null ? "7" : seed),
                intOption("--from", defaultFrom), intOption("--studies", defaultStudies), option("--patients", null));
    }
}
