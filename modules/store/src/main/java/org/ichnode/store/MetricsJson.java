package org.ichnode.store;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Model metrics as a flat JSON object of numbers, e.g. {"dice":0.71,"recall":0.8}; names are plain identifiers. */
final class MetricsJson {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern ENTRY = Pattern.compile("\\s*\"(" + NAME.pattern() + ")\"\\s*:\\s*(-?[0-9.eE+-]+|null)\\s*(,|$)");

    private MetricsJson() {}

    static String write(Map<String, Double> metrics) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            if (!NAME.matcher(e.getKey()).matches()) throw new IllegalArgumentException("metric name '" + e.getKey() + "' is not [A-Za-z0-9_.-]+");
            Double v = e.getValue();
            if (b.length() > 1) b.append(',');
            b.append('"').append(e.getKey()).append("\":")
                    .append(v == null || v.isNaN() || v.isInfinite() ? "null" : String.format(Locale.ROOT, "%s", v));
        }
        return b.append('}').toString();
    }

    static Map<String, Double> read(String json) {
        Map<String, Double> out = new LinkedHashMap<>();
        String body = json.trim();
        if (!body.startsWith("{") || !body.endsWith("}")) throw new IllegalArgumentException("metrics are not a JSON object: " + json);
        body = body.substring(1, body.length() - 1).trim();
        Matcher m = ENTRY.matcher(body);
        int at = 0;
        while (at < body.length()) {
            if (!m.find(at) || m.start() != at) throw new IllegalArgumentException("metrics JSON not understood at " + at + ": " + json);
            out.put(m.group(1), m.group(2).equals("null") ? null : Double.valueOf(m.group(2)));
            at = m.end();
        }
        return out;
    }
}
