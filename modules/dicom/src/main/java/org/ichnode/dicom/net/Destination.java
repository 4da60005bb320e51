package org.ichnode.dicom.net;

/**
 * Where result objects go: a named DICOM peer. {@code name} identifies the destination in the delivery records
 * (e.g. "pacs" or "caller"); the rest is how to reach it, {@code tls} whether over DICOM TLS.
 */
public record Destination(String name, String aeTitle, String host, int port, boolean tls) {
    /** A peer reached over plain TCP. */
    public Destination(String name, String aeTitle, String host, int port) {
        this(name, aeTitle, host, port, false);
    }

    public Destination {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("destination name is required");
        if (aeTitle == null || aeTitle.isBlank() || aeTitle.length() > 16) throw new IllegalArgumentException("AE title must be 1 to 16 characters: '" + aeTitle + "'");
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host is required");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
    }

    @Override
    public String toString() { return name + " (" + aeTitle + "@" + host + ":" + port + (tls ? ", TLS" : "") + ")"; }

    public Destination withTls(boolean on) { return new Destination(name, aeTitle, host, port, on); }
}
