package org.ichnode.node.config;

import org.ichnode.dicom.net.Destination;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The remote AEs the node sends to ({@code dicom.peers}: comma separated {@code AET@host:port}). */
public final class Peers {
    private final Map<String, Destination> byAeTitle;

    private Peers(Map<String, Destination> byAeTitle) { this.byAeTitle = byAeTitle; }

    public static Peers parse(String spec) {
        Map<String, Destination> map = new LinkedHashMap<>();
        if (spec != null) {
            for (String raw : spec.split(",")) {
                String s = raw.trim();
                if (s.isEmpty()) continue;
                boolean tls = s.endsWith("/tls");
                if (tls) s = s.substring(0, s.length() - 4);
                int at = s.indexOf('@');
                int colon = s.lastIndexOf(':');
                if (at <= 0 || colon < at + 2 || colon == s.length() - 1) {
                    throw new IllegalArgumentException("'" + s + "' is not AET@host:port (or AET@host:port/tls)");
                }
                String ae = s.substring(0, at);
                if (ae.length() > 16) throw new IllegalArgumentException("AE title '" + ae + "' is longer than 16 characters");
                int port;
                try {
                    port = Integer.parseInt(s.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + s + "' has no numeric port");
                }
                if (port < 1 || port > 65535) throw new IllegalArgumentException("'" + s + "': port outside 1..65535");
                map.put(ae, new Destination(ae, ae, s.substring(at + 1, colon), port, tls));
            }
        }
        return new Peers(map);
    }

    public Optional<Destination> find(String aeTitle) { return Optional.ofNullable(byAeTitle.get(aeTitle)); }

    public boolean isEmpty() { return byAeTitle.isEmpty(); }
}
