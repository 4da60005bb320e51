package org.ichnode.ris.hl7;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which HL7 senders may deliver reports: {@code *} (anyone who reaches the port) or a comma separated list of
 * {@code APP}, {@code APP^FACILITY}, {@code APP^FACILITY@host}, {@code APP@host} or {@code @host} entries, matched
 * against MSH-3 (sending application), MSH-4 (sending facility), case-insensitively, and the connection's peer
 * address (a host name is resolved when the list is read). MSH fields can be claimed by anyone; the address cannot:
 * give hosts where the network allows it.
 */
public final class SenderAllowlist {
    private record Entry(String application, String facility, List<InetAddress> hosts) {
        boolean matches(String app, String fac, InetAddress peer) {
            if (application != null && !application.equalsIgnoreCase(app == null ? "" : app)) return false;
            if (facility != null && !facility.equalsIgnoreCase(fac == null ? "" : fac)) return false;
            return hosts == null || hosts.contains(peer);
        }
    }

    private final List<Entry> entries; // null: anyone

    private SenderAllowlist(List<Entry> entries) {
        this.entries = entries;
    }

    public static SenderAllowlist anyone() { return new SenderAllowlist(null); }

    /** @throws IllegalArgumentException for an empty entry or a host that does not resolve */
    public static SenderAllowlist parse(String spec) {
        if (spec.trim().equals("*")) return anyone();
        List<Entry> out = new ArrayList<>();
        for (String raw : spec.split(",")) {
            String e = raw.trim();
            if (e.isEmpty()) continue;
            String host = null;
            int at = e.indexOf('@');
            if (at >= 0) {
                host = e.substring(at + 1);
                e = e.substring(0, at);
                if (host.isEmpty()) throw new IllegalArgumentException("empty host in HL7 sender '" + raw.trim() + "'");
            }
            String app = null, fac = null;
            if (!e.isEmpty()) {
                String[] parts = e.split("\\^", -1);
                app = parts[0].isEmpty() ? null : parts[0];
                fac = parts.length > 1 && !parts[1].isEmpty() ? parts[1] : null;
            }
            if (app == null && fac == null && host == null) throw new IllegalArgumentException("empty HL7 sender entry");
            List<InetAddress> hosts = null;
            if (host != null) {
                try {
                    hosts = List.of(InetAddress.getAllByName(host));
                } catch (UnknownHostException ex) {
                    throw new IllegalArgumentException("HL7 sender host '" + host + "' does not resolve");
                }
            }
            out.add(new Entry(app, fac, hosts));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no HL7 sender allowed: use * for anyone");
        return new SenderAllowlist(List.copyOf(out));
    }

    public boolean allows(String sendingApplication, String sendingFacility, InetAddress peer) {
        return entries == null || entries.stream().anyMatch(e -> e.matches(sendingApplication, sendingFacility, peer));
    }

    @Override
    public String toString() {
        if (entries == null) return "*";
        List<String> s = new ArrayList<>();
        for (Entry e : entries) {
            s.add((e.application() == null ? "" : e.application()) + (e.facility() == null ? "" : "^" + e.facility())
                    + (e.hosts() == null ? "" : "@" + e.hosts().get(0).getHostAddress()));
        }
        return String.join(",", s).toUpperCase(Locale.ROOT);
    }
}
