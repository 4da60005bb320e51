package org.ichnode.node.retrain;

import org.ichnode.store.Database;
import org.ichnode.store.ModelRegistry;
import org.ichnode.store.testing.TestH2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** What serving sees: the registry's active version and artifact, after refresh; the last one known while the database is away. */
class ActiveModelTest {
    @TempDir Path tmp;

    @Test
    void followsActivationsAndKeepsTheLastKnownWhenTheDatabaseIsGone() throws Exception {
        try (TestH2 h2 = new TestH2()) {
            Database db = Database.open(h2.url());
            ModelRegistry registry = new ModelRegistry(db);
            ActiveModel active = new ActiveModel(registry);
            assertEquals(Optional.empty(), active.refresh(), "no model yet: the HU baseline");

            Path m1 = Files.createDirectories(tmp.resolve("m1"));
            Path m2 = Files.createDirectories(tmp.resolve("m2"));
            registry.registerCandidate("m1", m1, Map.of("dice", 0.5), null, null);
            registry.registerCandidate("m2", m2, Map.of("dice", 0.6), null, null);
            assertEquals(Optional.empty(), active.refresh(), "candidates are not served");

            registry.activate("m1", "test");
            assertEquals(Optional.empty(), active.current(), "unchanged until refreshed");
            assertEquals(new ActiveModel.Active("m1", m1.toAbsolutePath()), active.refresh().orElseThrow());
            registry.activate("m2", "test");
            assertEquals("m2", active.refresh().orElseThrow().version());
            registry.activate("m1", "rollback");
            assertEquals(new ActiveModel.Active("m1", m1.toAbsolutePath()), active.refresh().orElseThrow());

            db.close();
            assertEquals("m1", active.refresh().orElseThrow().version(), "a database error keeps the model in use");
            assertEquals("m1", active.current().orElseThrow().version());
        }
    }
}
