package org.ichnode.app.fuzz;

import java.util.Map;
import java.util.TreeMap;

/** Outcomes counted by case kind, e.g. {@code DATASET_TRUNCATED -> {refused_status=412, aborted=3}}. */
public final class FuzzTally {
    private final Map<String, Map<String, Integer>> byKind = new TreeMap<>();

    synchronized void count(String kind, String outcome) {
        byKind.computeIfAbsent(kind, k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
    }

    /** Cases that ended in this outcome, over all kinds. */
    public synchronized int total(String outcome) {
        return byKind.values().stream().mapToInt(m -> m.getOrDefault(outcome, 0)).sum();
    }

    public synchronized int cases() {
        return byKind.values().stream().flatMap(m -> m.values().stream()).mapToInt(Integer::intValue).sum();
    }

    public synchronized Map<String, Map<String, Integer>> byKind() {
        Map<String, Map<String, Integer>> copy = new TreeMap<>();
        byKind.forEach((k, v) -> copy.put(k, new TreeMap<>(v)));
        return copy;
    }
}
