package org.ichnode.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The delivery queue on the embedded H2 file database. */
class H2DeliveryQueueTest extends DeliveryQueueContractTest {
    private Path dir;

    @Override
    protected Database openFreshDatabase() throws Exception {
        dir = Files.createTempDirectory("ichnode-h2-");
        return Database.open(url());
    }

    private String url() {
        return "jdbc:h2:file:" + dir.resolve("db") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
    }

    /** An embedded H2 file belongs to one process; a second pool in the same JVM is the closest match. */
    @Override
    protected Database openSecond() {
        return Database.open(url());
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
