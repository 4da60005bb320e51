package org.ichnode.node.config;

/** A configuration problem, with the key it concerns: start-up stops with this message. */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String problem) {
        super(key == null ? problem : "configuration key '" + key + "': " + problem);
        this.key = key;
    }

    public String key() { return key; }
}
