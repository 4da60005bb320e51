package org.ichnode.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.ichnode.store.testing.TestRows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedded H2 writes commits up to 500 ms after they return; a durable transaction's commit must survive the process
 * dying the moment after (kill -9 during delivery sent objects twice before this existed).
 */
class H2DurableCommitTest {

    /**
     * The child process: one durable commit (a row, or with "claim" the claim of a due delivery), a line saying so,
     * then death without shutdown hooks or close.
     */
    public static void main(String[] args) {
        Database db = Database.open(args[0]);
        if (args[1].equals("claim")) {
            long id = new DeliveryQueue(db).claimDue("child", Duration.ofMinutes(5), 1).orElseThrow().items().get(0).deliveryId();
            System.out.println("committed claim of " + id);
        } else {
            db.inDurableTransaction(s -> s.doReturningWork(c -> {
                try (PreparedStatement st = c.prepareStatement(
                        "INSERT INTO fhir_cursor (source_key, last_updated, ids_at_last_updated, updated_at)"
                                + " VALUES (?, CURRENT_TIMESTAMP, '', CURRENT_TIMESTAMP)")) {
                    st.setString(1, args[1]);
                    return st.executeUpdate();
                }
            }));
            System.out.println("committed " + args[1]);
        }
        System.out.flush();
        Runtime.getRuntime().halt(9);
    }

    private static String runChild(String url, String what) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                H2DurableCommitTest.class.getName(), url, what).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(9, p.waitFor(), out);
        assertTrue(out.contains("committed"), out);
        return out;
    }

    /**
     * A delivery's claim counts its attempt before the object goes out: a claim lost with the process made the next
     * node send an object again without asking the destination first whether it had it (bench faults).
     */
    @Test
    void aDeliveryClaimSurvivesTheProcessDyingRightAfter(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("node");
        int deliveries = 4;
        List<Long> ids = new ArrayList<>();
        try (Database db = Database.open(url)) {
            OffsetDateTime now = OffsetDateTime.now();
            long study = TestRows.insert(db, "INSERT INTO study (study_instance_uid, created_at) VALUES (?, ?)", "2.25.71", now);
            long series = TestRows.insert(db, "INSERT INTO series (series_instance_uid, study_id, state, first_received_at, last_received_at)"
                    + " VALUES (?, ?, 'done', ?, ?)", "2.25.71.1", study, now, now);
            long job = TestRows.insert(db, "INSERT INTO job (series_id, kind, state, max_attempts, not_before, created_at)"
                    + " VALUES (?, 'segment', 'done', 3, ?, ?)", series, now, now);
            List<DeliveryRequest> requests = new ArrayList<>();
            for (int i = 0; i < deliveries; i++) {
                requests.add(new DeliveryRequest("/results/" + i + ".dcm", "1.2.840.10008.5.1.4.1.1.66.4", "2.25.71.2." + i,
                        "pacs", "PACS", "127.0.0.1", 104, 5));
            }
            long result = new DeliveryQueue(db).recordResult(job, series, "/results/job", "{}", requests);
            new DeliveryQueue(db).deliveriesOf(result).forEach(d -> ids.add(d.id()));
        }
        for (int i = 0; i < deliveries; i++) runChild(url, "claim");
        try (Database db = Database.open(url)) {
            DeliveryQueue q = new DeliveryQueue(db);
            for (long id : ids) assertEquals(1, q.findDelivery(id).orElseThrow().attempts(), "delivery " + id + " claimed once");
        }
    }

    @Test
    void aDurableCommitSurvivesTheProcessDyingRightAfter(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("node");
        int processes = 4;
        for (int i = 0; i < processes; i++) assertTrue(runChild(url, "source-" + i).contains("committed source-" + i));
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
