package org.ichnode.core.volume;

import java.util.Collection;
import java.util.Locale;

/** Minimal hand-written JSON output (no dependencies). Package-private helper, also used by selection. */
final class Json {
    private final StringBuilder sb = new StringBuilder();
    private boolean needComma;

    Json beginObject() { sep(); sb.append('{'); needComma = false; return this; }
    Json endObject() { sb.append('}'); needComma = true; return this; }
    Json beginArray(String name) { key(name); sb.append('['); needComma = false; return this; }
    Json beginArray() { sep(); sb.append('['); needComma = false; return this; }
    Json endArray() { sb.append(']'); needComma = true; return this; }
    Json beginObject(String name) { key(name); sb.append('{'); needComma = false; return this; }

    Json field(String name, String value) { key(name); str(value); needComma = true; return this; }
    Json field(String name, long value) { key(name); sb.append(value); needComma = true; return this; }
    Json field(String name, boolean value) { key(name); sb.append(value); needComma = true; return this; }
    Json field(String name, Double value) { key(name); num(value); needComma = true; return this; }
    Json field(String name, double value) { key(name); num(value); needComma = true; return this; }
    Json raw(String name, String json) { key(name); sb.append(json); needComma = true; return this; }

    Json numbers(String name, Collection<? extends Number> values) {
        beginArray(name);
        for (Number n : values) { sep(); num(n == null ? null : n.doubleValue()); needComma = true; }
        return endArray();
    }

    Json strings(String name, Collection<String> values) {
        beginArray(name);
        for (String s : values) { sep(); str(s); needComma = true; }
        return endArray();
    }

    private void key(String name) { sep(); str(name); sb.append(':'); needComma = false; }

    private void sep() { if (needComma) sb.append(','); }

    private void num(Double d) {
        if (d == null || d.isNaN() || d.isInfinite()) { sb.append("null"); return; }
        double v = d;
        if (v == Math.rint(v) && Math.abs(v) < 1e15) sb.append((long) v);
        else sb.append(new java.math.BigDecimal(v).round(new java.math.MathContext(9)).stripTrailingZeros());
    }

    private void str(String s) {
        if (s == null) { sb.append("null"); return; }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    @Override public String toString() { return sb.toString(); }
}
