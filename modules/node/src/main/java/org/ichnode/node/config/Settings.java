package org.ichnode.node.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The node's configuration: every key is declared in {@link Keys} with its default. Values come, later ones
 * winning, from the defaults, a properties file ({@code --config FILE}), environment variables
 * ({@code ICHNODE_} + key in upper case, dots as underscores) and {@code --set key=value}. Unknown keys and
 * bad values stop start-up with a message that names the key.
 */
public final class Settings {
    private final Map<String, String> values;
    private final Map<String, String> sources;

    private Settings(Map<String, String> values, Map<String, String> sources) {
        this.values = values;
        this.sources = sources;
    }

    public static Settings load(Path configFile, Map<String, String> env, List<String> overrides) {
        Map<String, String> values = new TreeMap<>();
        Map<String, String> sources = new TreeMap<>();
        for (Keys.Key k : Keys.ALL) {
            values.put(k.name(), k.defaultValue());
            sources.put(k.name(), "default");
        }
        if (configFile != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException(null, "cannot read configuration file " + configFile + ": " + e.getMessage());
            }
            for (String name : p.stringPropertyNames()) {
                put(values, sources, name, p.getProperty(name).trim(), "file " + configFile.getFileName());
            }
        }
        for (Keys.Key k : Keys.ALL) {
            String v = env.get(envName(k.name()));
            if (v != null) put(values, sources, k.name(), v.trim(), "environment " + envName(k.name()));
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) throw new ConfigException(null, "--set needs key=value, got '" + o + "'");
            put(values, sources, o.substring(0, eq).trim(), o.substring(eq + 1).trim(), "--set");
        }
        Settings s = new Settings(values, sources);
        for (Keys.Key k : Keys.ALL) k.validate(s.get(k.name()));
        return s;
    }

    public static String envName(String key) {
        return "ICHNODE_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private static void put(Map<String, String> values, Map<String, String> sources, String key, String value, String source) {
        if (Keys.find(key) == null) throw new ConfigException(key, "unknown key (from " + source + "); see docs/configuration.md");
        values.put(key, value);
        sources.put(key, source);
    }

    public String get(String key) {
        if (!values.containsKey(key)) throw new IllegalArgumentException("undeclared key " + key);
        return values.get(key);
    }

    public int getInt(String key) { return Integer.parseInt(get(key)); }

    public long getLong(String key) { return Long.parseLong(get(key)); }

    public double getDouble(String key) { return Double.parseDouble(get(key)); }

    public boolean getBoolean(String key) { return Boolean.parseBoolean(get(key)); }

    public Pattern getPattern(String key) { return Pattern.compile(get(key)); }

    public Path getPath(String key) { return Path.of(get(key)); }

    /** Every key with its value and where it came from, secrets masked: for the start-up log and /status. */
    public Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            Keys.Key k = Keys.find(e.getKey());
            String v = k.secret() && !e.getValue().isEmpty() ? "****" : e.getValue();
            out.put(e.getKey(), v + "  (" + sources.get(e.getKey()) + ")");
        }
        return out;
    }

    static void requirePattern(String key, String value) {
        try {
            Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            throw new ConfigException(key, "not a valid regular expression: " + e.getDescription());
        }
    }
}
