package org.ichnode.app.docs;

import org.ichnode.node.config.Keys;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/configuration.md must list every key with its default, so the documentation stays true. */
class DocsTest {
    @Test
    void everyConfigurationKeyIsDocumentedWithItsDefault() throws Exception {
        Path root = Path.of(System.getProperty("ichnode.root.dir", "../.."));
        String doc = Files.readString(root.resolve("docs/configuration.md"));
        for (Keys.Key k : Keys.ALL) {
            assertTrue(doc.contains("| `" + k.name() + "` |"), k.name() + " is not in docs/configuration.md");
            if (!k.defaultValue().isEmpty() && !k.name().equals(Keys.NODE_ID) && !k.name().equals(Keys.SELECTION_HEAD_PATTERN)
                    && !k.name().equals(Keys.SELECTION_URGENT_PATTERN)) { // patterns with '|' are given below the table
                assertTrue(doc.contains("| `" + k.name() + "` | `" + k.defaultValue() + "` |"),
                        k.name() + ": docs/configuration.md does not give its default " + k.defaultValue());
            }
        }
        assertTrue(doc.contains(Keys.find(Keys.SELECTION_HEAD_PATTERN).defaultValue()), "head pattern default documented");
        assertTrue(doc.contains(Keys.find(Keys.SELECTION_URGENT_PATTERN).defaultValue()), "urgent pattern default documented");
    }
}
