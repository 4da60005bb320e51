package org.ichnode.dicom.net;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which calling AE titles may associate, optionally only from a given host: entries "AET" or "AET@host"
 * (host by name or address), or "*" for any caller. AE titles compare case-sensitively, as DICOM says.
 */
public final class CallerAllowlist {
    private record Entry(String aeTitle, String host) {}

    private final List<Entry> entries;
    private final boolean anyCaller;

    private CallerAllowlist(List<Entry> entries, boolean anyCaller) {
        this.entries = entries;
        this.anyCaller = anyCaller;
    }

    public static CallerAllowlist any() { return new CallerAllowlist(List.of(), true); }

    /** Parses a comma separated list; throws IllegalArgumentException naming the bad entry. */
    public static CallerAllowlist parse(String spec) {
        if (spec == null || spec.isBlank() || spec.trim().equals("*")) return any();
        List<Entry> entries = new ArrayList<>();
        for (String raw : spec.split(",")) {
            String s = raw.trim();
            if (s.isEmpty()) continue;
            int at = s.indexOf('@');
            String ae = at < 0 ? s : s.substring(0, at).trim();
            String host = at < 0 ? null : s.substring(at + 1).trim().toLowerCase(Locale.ROOT);
            if (ae.isEmpty() || ae.length() > 16 || ae.chars().anyMatch(c -> c < 0x20 || c == '\\')) {
                throw new IllegalArgumentException("'" + s + "' is not a valid AE title (1 to 16 characters, no backslash)");
            }
            if (host != null && host.isEmpty()) throw new IllegalArgumentException("'" + s + "' has an empty host");
            entries.add(new Entry(ae, host));
        }
        return new CallerAllowlist(List.copyOf(entries), false);
    }

    public boolean allows(String callingAeTitle, InetAddress from) {
        if (anyCaller) return true;
        for (Entry e : entries) {
            if (!e.aeTitle.equals(callingAeTitle)) continue;
            if (e.host == null) return true;
            if (e.host.equals(from.getHostAddress()) || e.host.equalsIgnoreCase(from.getCanonicalHostName())) return true;
            if (e.host.equals("localhost") && from.isLoopbackAddress()) return true;
        }
        return false;
    }

    @Override
    public String toString() { return anyCaller ? "*" : entries.toString(); }
}
