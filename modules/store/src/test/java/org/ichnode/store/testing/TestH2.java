package org.ichnode.store.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A fresh embedded H2 file database (the zero-setup default) in a temporary folder, deleted on close. */
public final class TestH2 implements AutoCloseable {
    private final Path dir;

    public TestH2() throws IOException {
        dir = Files.createTempDirectory("ichnode-h2-");
    }

    /** JDBC URL of the database; Database.open adds the PostgreSQL-compatibility options. */
    public String url() { return "jdbc:h2:file:" + dir.resolve("db"); }

    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
