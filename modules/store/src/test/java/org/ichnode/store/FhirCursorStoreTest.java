package org.ichnode.store;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.Set;
import org.ichnode.store.testing.TestH2;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.Test;

/** The FHIR pull's cursor on both engines: stored per source, merged at one instant, never moved backwards. */
class FhirCursorStoreTest {
    private static final Instant T = Instant.parse("2025-03-01T10:00:00.125Z");

    @Test
    void onH2() throws Exception {
        try (TestH2 h2 = new TestH2(); Database db = Database.open(h2.url())) {
            behaves(new FhirCursorStore(db));
        }
    }

    @Test
    void onPostgres() throws Exception {
        try (TestPostgres pg = new TestPostgres(); Database db = Database.open(pg.url())) {
            behaves(new FhirCursorStore(db));
        }
    }

    private static void behaves(FhirCursorStore store) {
        String a = "https://ris-a.example.org/fhir";
        String b = "https://ris-b.example.org/fhir";
        assertTrue(store.load(a).isEmpty());

        store.advance(new FhirCursorStore.Cursor(a, T, Set.of("DiagnosticReport/1/_history/1")));
        FhirCursorStore.Cursor merged = store.advance(new FhirCursorStore.Cursor(a, T, Set.of("DiagnosticReport/2/_history/1")));
        assertEquals(Set.of("DiagnosticReport/1/_history/1", "DiagnosticReport/2/_history/1"), merged.idsAtLastUpdated());
        assertEquals(merged, store.load(a).orElseThrow(), "the millisecond survives the round trip");

        FhirCursorStore.Cursor older = store.advance(new FhirCursorStore.Cursor(a, T.minusMillis(1), Set.of("DiagnosticReport/0/_history/1")));
        assertEquals(merged, older, "a cursor never moves backwards");
        assertEquals(merged, store.load(a).orElseThrow());

        FhirCursorStore.Cursor later = new FhirCursorStore.Cursor(a, T.plusSeconds(1), Set.of("DiagnosticReport/3/_history/2"));
        assertEquals(later, store.advance(later), "a later instant replaces the ids");
        assertEquals(later, store.load(a).orElseThrow());

        assertTrue(store.load(b).isEmpty(), "one cursor per source");
        assertThrows(IllegalArgumentException.class, () -> new FhirCursorStore.Cursor(b, T, Set.of("two\nlines")));
    }
}
