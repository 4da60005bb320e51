package org.ichnode.store;

import static org.junit.jupiter.api.Assertions.*;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The report store's behaviour, run once per database engine by the subclasses (a fresh database per class). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ReportStoreContractTest {
    protected Database db;
    private ReportStore reports;
    private final AtomicInteger controlIds = new AtomicInteger();

    protected abstract Database openFreshDatabase() throws Exception;

    protected abstract void dropDatabase() throws Exception;

    @BeforeAll
    void openDb() throws Exception {
        db = openFreshDatabase();
        reports = new ReportStore(db);
    }

    @AfterAll
    void closeDb() throws Exception {
        if (db != null) db.close();
        dropDatabase();
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE report SET superseded_by = NULL");
            for (String t : List.of("report", "report_subject", "delivery", "result", "job", "instance", "series", "study")) {
                st.executeUpdate("DELETE FROM " + t);
            }
        }
    }

    // ---- helpers

    private static String uid() {
        return "2.25." + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    private static String accession() {
        return "ACC" + UUID.randomUUID().toString().replace("-", "").substring(0, 10).toUpperCase();
    }

    private long study(String uid, String accession, String patientId) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO study (study_instance_uid, patient_id, accession_number, created_at) VALUES (?, ?, ?, ?)", new String[] {"id"})) {
            st.setString(1, uid);
            st.setString(2, patientId);
            st.setString(3, accession);
            st.setObject(4, OffsetDateTime.now());
            st.executeUpdate();
            try (ResultSet rs = st.getGeneratedKeys()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private NewReport report(String accession, String uid, String patientId, String hl7Status, Instant observed, String label) {
        String json = "{\"hemorrhage\":\"" + label.toUpperCase() + "\"}";
        return new NewReport("hl7", "RIS^HOSP", "MSG" + controlIds.incrementAndGet(), 1, accession, uid, patientId,
                hl7Status, ReportState.fromHl7Status(hl7Status), observed, "IMPRESSION: " + label + ".", label, json,
                !label.equals("uncertain"));
    }

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    // ---- tests

    @Test
    void finalReportForKnownStudyIsLinkedAndUsable() throws SQLException {
        String acc = accession(), uid = uid();
        long studyId = study(uid, acc, "P100");
        Instant before = db.now();
        StoredReport r = reports.store(report(acc, null, "P100", "F", T0, "positive"));
        assertFalse(r.duplicate());
        assertEquals(ReportState.FINAL, r.state());
        assertEquals("F", r.reportStatus());
        assertEquals(ReportLinkState.LINKED, r.linkState());
        assertEquals(studyId, r.studyId());
        assertNull(r.linkNote());
        assertTrue(r.usableForTraining());
        assertTrue(r.current());
        assertEquals(T0, r.observationTime());
        assertEquals("IMPRESSION: positive.", reports.text(r.id()).orElseThrow());

        List<TrainingLabel> labels = reports.trainingLabels(before);
        assertEquals(1, labels.size());
        TrainingLabel l = labels.get(0);
        assertEquals(uid, l.studyInstanceUid());
        assertEquals("positive", l.label());
        assertEquals(r.id(), l.reportId());
        assertEquals("{\"hemorrhage\":\"POSITIVE\"}", l.labelJson());
        assertTrue(reports.trainingLabels(Instant.now().plusSeconds(3600)).isEmpty(), "since filters on the link time");
    }

    @Test
    void reportBeforeImagesIsLinkedWhenTheStudyArrives() throws SQLException {
        String acc = accession(), uid = uid();
        StoredReport r = reports.store(report(acc, null, "P200", "F", T0, "negative"));
        assertEquals(ReportLinkState.PENDING, r.linkState());
        assertNull(r.studyId());
        // the note says what is missing without the identifier (notes are logged); the row holds the accession number
        assertTrue(r.linkNote().contains("accession number") && !r.linkNote().contains(acc), r.linkNote());
        assertEquals(acc, r.accessionNumber());
        assertEquals(0, reports.linkPendingReports(), "no study yet");
        assertTrue(reports.trainingLabels(Instant.EPOCH).isEmpty());

        long studyId = study(uid, acc, "P200");
        assertEquals(1, reports.linkPendingReports());
        StoredReport linked = reports.find(r.id()).orElseThrow();
        assertEquals(ReportLinkState.LINKED, linked.linkState());
        assertEquals(studyId, linked.studyId());
        assertNotNull(linked.linkedAt());
        assertEquals(0, reports.linkPendingReports(), "linked once");
        List<TrainingLabel> labels = reports.trainingLabels(Instant.EPOCH);
        assertEquals(1, labels.size());
        assertEquals("negative", labels.get(0).label());
    }

    @Test
    void linkReportsOfStudyLinksByUidAndByAccession() throws SQLException {
        String acc = accession(), uid = uid();
        StoredReport byAcc = reports.store(report(acc, null, "P300", "F", T0, "negative"));
        String acc2 = accession(), uid2 = uid();
        StoredReport byUid = reports.store(report(null, uid2, "P301", "F", T0, "positive"));
        study(uid, acc, "P300");
        study(uid2, acc2, "P301");
        assertEquals(1, reports.linkReportsOfStudy(uid));
        assertEquals(ReportLinkState.LINKED, reports.find(byAcc.id()).orElseThrow().linkState());
        assertEquals(ReportLinkState.PENDING, reports.find(byUid.id()).orElseThrow().linkState());
        assertEquals(1, reports.linkReportsOfStudy(uid2));
        assertEquals(ReportLinkState.LINKED, reports.find(byUid.id()).orElseThrow().linkState());
    }

    @Test
    void correctedReportSupersedesTheFinalOne() throws SQLException {
        String acc = accession(), uid = uid();
        study(uid, acc, "P400");
        StoredReport fin = reports.store(report(acc, null, "P400", "F", T0, "negative"));
        StoredReport cor = reports.store(report(acc, null, "P400", "C", T0.plusSeconds(3600), "positive"));
        assertEquals(ReportState.CORRECTED, cor.state());
        assertEquals(fin.id(), cor.replacedReportId());
        assertTrue(cor.current());
        StoredReport old = reports.find(fin.id()).orElseThrow();
        assertEquals(cor.id(), old.supersededBy());
        assertFalse(old.current());

        List<TrainingLabel> labels = reports.trainingLabels(Instant.EPOCH);
        assertEquals(1, labels.size());
        assertEquals("positive", labels.get(0).label());
        assertEquals(cor.id(), labels.get(0).reportId());
        assertEquals(ReportState.CORRECTED, labels.get(0).state());
        assertEquals(2, reports.versions(acc, null).size());
    }

    @Test
    void finalArrivingAfterItsCorrectionIsStoredSuperseded() throws SQLException {
        String acc = accession();
        study(uid(), acc, "P500");
        StoredReport cor = reports.store(report(acc, null, "P500", "C", T0.plusSeconds(3600), "positive"));
        StoredReport lateFinal = reports.store(report(acc, null, "P500", "F", T0, "negative"));
        assertEquals(cor.id(), lateFinal.supersededBy());
        assertNull(lateFinal.replacedReportId());
        assertTrue(reports.find(cor.id()).orElseThrow().current());
        assertEquals("positive", reports.trainingLabels(Instant.EPOCH).get(0).label());
    }

    @Test
    void secondCorrectionWithLaterTimeWinsAndOlderOneArrivingLateLoses() throws SQLException {
        String acc = accession();
        study(uid(), acc, "P510");
        reports.store(report(acc, null, "P510", "F", T0, "negative"));
        StoredReport c2 = reports.store(report(acc, null, "P510", "C", T0.plusSeconds(7200), "positive"));
        StoredReport c1 = reports.store(report(acc, null, "P510", "C", T0.plusSeconds(3600), "negative"));
        assertEquals(c2.id(), c1.supersededBy());
        assertEquals(c2.id(), reports.trainingLabels(Instant.EPOCH).get(0).reportId());
    }

    @Test
    void preliminaryIsStoredButNotUsedAndTheFinalReplacesIt() throws SQLException {
        String acc = accession();
        study(uid(), acc, "P600");
        StoredReport pre = reports.store(report(acc, null, "P600", "P", T0, "positive"));
        assertEquals(ReportState.PRELIMINARY, pre.state());
        assertEquals(ReportLinkState.LINKED, pre.linkState());
        assertFalse(pre.usableForTraining());
        assertTrue(reports.trainingLabels(Instant.EPOCH).isEmpty());

        StoredReport fin = reports.store(report(acc, null, "P600", "F", T0.plusSeconds(60), "negative"));
        assertEquals(pre.id(), fin.replacedReportId());
        assertEquals("negative", reports.trainingLabels(Instant.EPOCH).get(0).label());

        // A preliminary arriving after the final never replaces it.
        StoredReport latePre = reports.store(report(acc, null, "P600", "P", T0.plusSeconds(120), "positive"));
        assertEquals(fin.id(), latePre.supersededBy());
        assertEquals(fin.id(), reports.trainingLabels(Instant.EPOCH).get(0).reportId());
    }

    @Test
    void uncertainAndCancelledGiveNoTrainingLabel() throws SQLException {
        String acc = accession();
        study(uid(), acc, "P700");
        StoredReport unc = reports.store(report(acc, null, "P700", "F", T0, "uncertain"));
        assertFalse(unc.usableForTraining());
        assertTrue(reports.trainingLabels(Instant.EPOCH).isEmpty());

        String acc2 = accession();
        study(uid(), acc2, "P701");
        reports.store(report(acc2, null, "P701", "F", T0, "positive"));
        assertEquals(1, reports.trainingLabels(Instant.EPOCH).size());
        StoredReport cancelled = reports.store(report(acc2, null, "P701", "X", T0.plusSeconds(60), "negative"));
        assertEquals(ReportState.CANCELLED, cancelled.state());
        assertNotNull(cancelled.replacedReportId());
        assertTrue(reports.trainingLabels(Instant.EPOCH).isEmpty(), "a withdrawn report takes the study out of training");
    }

    @Test
    void patientIdMismatchIsStoredButNotLinked() throws SQLException {
        String acc = accession(), uid = uid();
        study(uid, acc, "P800");
        StoredReport r = reports.store(report(acc, null, "OTHER-9", "F", T0, "positive"));
        assertEquals(ReportLinkState.REJECTED, r.linkState());
        assertNull(r.studyId());
        assertTrue(r.linkNote().contains("patient ID mismatch"), r.linkNote());
        assertTrue(r.linkNote().contains(uid) && !r.linkNote().contains("OTHER-9") && !r.linkNote().contains("P800"), r.linkNote());
        assertEquals(0, reports.linkPendingReports());
        assertTrue(reports.trainingLabels(Instant.EPOCH).isEmpty());

        // Arriving before the images: rejected when the images come.
        String acc2 = accession();
        StoredReport early = reports.store(report(acc2, null, "OTHER-10", "F", T0, "positive"));
        assertEquals(ReportLinkState.PENDING, early.linkState());
        study(uid(), acc2, "P801");
        assertEquals(0, reports.linkPendingReports());
        StoredReport after = reports.find(early.id()).orElseThrow();
        assertEquals(ReportLinkState.REJECTED, after.linkState());
        assertTrue(after.linkNote().contains("patient ID mismatch"), after.linkNote());
    }

    @Test
    void reportWithoutPatientIdIsLinkedWithANote() throws SQLException {
        String uid = uid();
        study(uid, null, "P900");
        StoredReport r = reports.store(report(null, uid, null, "F", T0, "negative"));
        assertEquals(ReportLinkState.LINKED, r.linkState());
        assertTrue(r.linkNote().contains("not checked"), r.linkNote());
    }

    @Test
    void studyUidThatContradictsTheAccessionIsNotLinked() throws SQLException {
        String acc = accession();
        study(uid(), acc, "P950");
        StoredReport r = reports.store(report(acc, uid(), "P950", "F", T0, "negative"));
        assertEquals(ReportLinkState.REJECTED, r.linkState());
        assertTrue(r.linkNote().contains("belongs to study"), r.linkNote());
    }

    @Test
    void resentMessageIsStoredOnce() throws SQLException {
        String acc = accession();
        NewReport r = report(acc, null, "P1000", "F", T0, "negative");
        StoredReport first = reports.store(r);
        StoredReport again = reports.store(r);
        assertTrue(again.duplicate());
        assertEquals(first.id(), again.id());
        assertEquals(1, reports.versions(acc, null).size());
        assertTrue(reports.find(first.id()).orElseThrow().current());
    }

    @Test
    void concurrentVersionsOfOneReportLeaveExactlyOneCurrent() throws Exception {
        String acc = accession();
        study(uid(), acc, "P1100");
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<StoredReport>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                NewReport r = report(acc, null, "P1100", i % 2 == 0 ? "F" : "C", T0.plusSeconds(i), "negative");
                Callable<StoredReport> task = () -> {
                    start.await();
                    return reports.store(r);
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            for (Future<StoredReport> f : futures) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        List<StoredReport> versions = reports.versions(acc, null);
        assertEquals(n, versions.size());
        List<StoredReport> current = versions.stream().filter(StoredReport::current).toList();
        assertEquals(1, current.size(), "exactly one current version");
        // The winner: a correction (rank above final) with the latest observation time (i = 7).
        assertEquals(T0.plusSeconds(7), current.get(0).observationTime());
        assertEquals(ReportState.CORRECTED, current.get(0).state());
    }

    @Test
    void statusMapping() {
        assertEquals(ReportState.FINAL, ReportState.fromHl7Status("F"));
        assertEquals(ReportState.CORRECTED, ReportState.fromHl7Status("c"));
        assertEquals(ReportState.PRELIMINARY, ReportState.fromHl7Status("P"));
        assertEquals(ReportState.PRELIMINARY, ReportState.fromHl7Status("A"));
        assertEquals(ReportState.CANCELLED, ReportState.fromHl7Status("X"));
        assertThrows(IllegalArgumentException.class, () -> ReportState.fromHl7Status("Y"));
        assertThrows(IllegalArgumentException.class, () -> ReportState.fromHl7Status(null));
        assertEquals(ReportState.CORRECTED, ReportState.fromFhirStatus("amended"));
        assertEquals(ReportState.FINAL, ReportState.fromFhirStatus("final"));
        assertThrows(IllegalArgumentException.class, () -> new NewReport("hl7", "", "1", 1, " ", null, "P", "F",
                ReportState.FINAL, null, "t", "negative", "{}", true));
    }
}
