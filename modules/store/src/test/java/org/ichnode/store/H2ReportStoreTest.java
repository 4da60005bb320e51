package org.ichnode.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The report store on the embedded H2 file database. */
class H2ReportStoreTest extends ReportStoreContractTest {
    private Path dir;

    @Override
    protected Database openFreshDatabase() throws Exception {
        dir = Files.createTempDirectory("ichnode-h2-");
        return Database.open("jdbc:h2:file:" + dir.resolve("db"));
    }

    @Override
    protected void dropDatabase() throws Exception {
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
