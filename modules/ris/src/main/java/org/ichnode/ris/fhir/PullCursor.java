package org.ichnode.ris.fhir;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * Where a pull got to: the latest meta.lastUpdated handled and the resources (version keys, see
 * {@link DiagnosticReportMapper#versionKey}) handled at that instant. The next pull asks for {@code _lastUpdated=ge}
 * that instant and skips those resources, so a resource updated in the same millisecond as the last one seen is not
 * missed, and none is handled twice.
 */
public record PullCursor(Instant lastUpdated, Set<String> idsAtLastUpdated) {
    public PullCursor {
        Objects.requireNonNull(lastUpdated, "lastUpdated");
        idsAtLastUpdated = Set.copyOf(idsAtLastUpdated);
    }

    /** Where the pull stands (the persistent implementation is the app's, on the store's fhir_cursor table). */
    public interface Store {
        java.util.Optional<PullCursor> load();

        /** Persists the cursor (a later one stored already wins); called after each page. */
        void save(PullCursor cursor);
    }
}
