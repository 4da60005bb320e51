package org.ichnode.node;

import org.ichnode.node.config.ConfigException;
import org.ichnode.node.config.Keys;
import org.ichnode.node.config.Peers;
import org.ichnode.dicom.net.Destination;

import java.util.ArrayList;
import java.util.List;

/** {@code delivery.destinations} resolved against {@code dicom.peers}; "@caller" is resolved per series. */
final class DeliveryTargets {
    static final String CALLER = "@caller";

    record Resolved(List<Destination> destinations, List<String> problems) {}

    private final Peers peers;
    private final List<String> entries;

    DeliveryTargets(Peers peers, String spec) {
        this.peers = peers;
        this.entries = new ArrayList<>();
        for (String raw : spec.split(",")) {
            String s = raw.trim();
            if (s.isEmpty()) continue;
            if (!s.equals(CALLER) && peers.find(s).isEmpty()) {
                throw new ConfigException(Keys.DELIVERY_DESTINATIONS, "'" + s + "' is not an AE title in dicom.peers (nor @caller)");
            }
            entries.add(s);
        }
    }

    /**
     * Why no result can leave this node, seen from the configuration alone (a start-up warning and an unhealthy
     * "destinations" check), or null when they have somewhere to go.
     */
    String problem() {
        if (entries.isEmpty()) return "delivery.destinations is empty: results stay on this node";
        if (entries.equals(List.of(CALLER)) && peers.isEmpty()) {
            return "delivery.destinations=@caller but dicom.peers is empty: no caller's address is known, results stay on this node";
        }
        return null;
    }

    Resolved resolve(String callingAe) {
        List<Destination> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String e : entries) {
            if (e.equals(CALLER)) {
                if (callingAe == null) problems.add("@caller: the calling AE of the series is unknown");
                else peers.find(callingAe).ifPresentOrElse(d -> addOnce(out, d),
                        () -> problems.add("@caller: calling AE '" + callingAe + "' is not in dicom.peers, so its address is unknown"));
            } else {
                addOnce(out, peers.find(e).orElseThrow());
            }
        }
        return new Resolved(out, problems);
    }

    private static void addOnce(List<Destination> out, Destination d) {
        if (out.stream().noneMatch(x -> x.aeTitle().equals(d.aeTitle()))) out.add(d);
    }
}
