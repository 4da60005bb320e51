package org.ichnode.core.json;

import java.util.Collection;
import java.util.Locale;

/**
 * JSON output for the framework-free modules (core, ris): fields in the order written, numbers to 9 significant digits,
 * strings escaped (control characters, line and paragraph separators). The app and store use Jackson.
 */
public final class Json {
    private final StringBuilder sb = new StringBuilder();
    private boolean needComma;

    public Json beginObject() { sep(); sb.append('{'); needComma = false; return this; }
    public Json endObject() { sb.append('}'); needComma = true; return this; }
    public Json beginArray(String name) { key(name); sb.append('['); needComma = false; return this; }
    public Json beginArray() { sep(); sb.append('['); needComma = false; return this; }
    public Json endArray() { sb.append(']'); needComma = true; return this; }
    public Json beginObject(String name) { key(name); sb.append('{'); needComma = false; return this; }

    public Json field(String name, String value) { key(name); str(value); needComma = true; return this; }
    public Json field(String name, long value) { key(name); sb.append(value); needComma = true; return this; }
    public Json field(String name, boolean value) { key(name); sb.append(value); needComma = true; return this; }
    public Json field(String name, Double value) { key(name); num(value); needComma = true; return this; }
    public Json field(String name, double value) { key(name); num(value); needComma = true; return this; }
    public Json raw(String name, String json) { key(name); sb.append(json); needComma = true; return this; }

    public Json numbers(String name, Collection<? extends Number> values) {
        beginArray(name);
        for (Number n : values) { sep(); num(n == null ? null : n.doubleValue()); needComma = true; }
        return endArray();
    }

    public Json strings(String name, Collection<String> values) {
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

    /** Appends {@code s} as a JSON string literal (null as null). */
    public static void quote(StringBuilder sb, String s) {
        Json j = new Json();
        j.str(s);
        sb.append(j.sb);
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
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    @Override public String toString() { return sb.toString(); }
}
