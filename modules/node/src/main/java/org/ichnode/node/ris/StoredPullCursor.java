package org.ichnode.node.ris;

import java.util.Objects;
import java.util.Optional;
import org.ichnode.ris.fhir.PullCursor;
import org.ichnode.store.FhirCursorStore;

/** The FHIR pull's cursor kept in the database (table fhir_cursor), under the source's base URL. */
public final class StoredPullCursor implements PullCursor.Store {
    private final FhirCursorStore store;
    private final String sourceKey;

    public StoredPullCursor(FhirCursorStore store, String sourceKey) {
        this.store = Objects.requireNonNull(store, "store");
        this.sourceKey = Objects.requireNonNull(sourceKey, "sourceKey");
    }

    @Override
    public Optional<PullCursor> load() {
        return store.load(sourceKey).map(c -> new PullCursor(c.lastUpdated(), c.idsAtLastUpdated()));
    }

    @Override
    public void save(PullCursor cursor) {
        store.advance(new FhirCursorStore.Cursor(sourceKey, cursor.lastUpdated(), cursor.idsAtLastUpdated()));
    }
}
