package org.ichnode.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedded H2 writes commits up to 500 ms after they return; a durable transaction's commit must survive the process
 * dying the moment after (kill -9 during delivery sent objects twice before this existed).
 */
class H2DurableCommitTest {

    /** The child process: one durable commit, a line saying so, then death without shutdown hooks or close. */
    public static void main(String[] args) {
        Database db = Database.open(args[0]);
        db.inDurableTransaction(s -> s.doReturningWork(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "INSERT INTO fhir_cursor (source_key, last_updated, ids_at_last_updated, updated_at)"
                            + " VALUES (?, CURRENT_TIMESTAMP, '', CURRENT_TIMESTAMP)")) {
                st.setString(1, args[1]);
                return st.executeUpdate();
            }
        }));
        System.out.println("committed " + args[1]);
        System.out.flush();
        Runtime.getRuntime().halt(9);
    }

    @Test
    void aDurableCommitSurvivesTheProcessDyingRightAfter(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("node");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int processes = 4;
        for (int i = 0; i < processes; i++) {
            Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    H2DurableCommitTest.class.getName(), url, "source-" + i).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(9, p.waitFor(), out);
            assertTrue(out.contains("committed source-" + i), out);
        }
        try (Database db = Database.open(url)) {
            long rows = db.inTransaction(s -> s.doReturningWork(c -> {
                try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM fhir_cursor WHERE source_key LIKE 'source-%'");
                     ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }));
            assertEquals(processes, rows, "every acknowledged commit is in the file");
        }
    }
}
