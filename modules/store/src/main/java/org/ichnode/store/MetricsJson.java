package org.ichnode.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Model metrics as a flat JSON object of numbers, e.g. {"dice":0.71,"recall":0.8}; names are plain identifiers. */
final class MetricsJson {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private MetricsJson() {}

    /** NaN and infinities (a metric that could not be computed) are written as null. */
    static String write(Map<String, Double> metrics) {
        Map<String, Double> clean = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            if (!NAME.matcher(e.getKey()).matches()) throw new IllegalArgumentException("metric name '" + e.getKey() + "' is not [A-Za-z0-9_.-]+");
            Double v = e.getValue();
            clean.put(e.getKey(), v == null || v.isNaN() || v.isInfinite() ? null : v);
        }
        try {
            return MAPPER.writeValueAsString(clean);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a map of names and numbers always serialises
        }
    }

    static Map<String, Double> read(String json) {
        try {
            return MAPPER.readValue(json, new TypeReference<LinkedHashMap<String, Double>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metrics are not a JSON object of numbers: " + json, e);
        }
    }
}
