package org.ichnode.node.ris;

import static org.junit.jupiter.api.Assertions.*;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.DiagnosticReport.DiagnosticReportStatus;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Reference;
import org.ichnode.ris.fhir.FhirReportPuller;
import org.ichnode.ris.fhir.PullCursor;
import org.ichnode.ris.hl7.ReportSink;
import org.ichnode.ris.label.ReportLabeller;
import org.ichnode.store.Database;
import org.ichnode.store.FhirCursorStore;
import org.ichnode.store.ReportLinkState;
import org.ichnode.store.ReportState;
import org.ichnode.store.ReportStore;
import org.ichnode.store.StoredReport;
import org.ichnode.store.TrainingLabel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The FHIR DiagnosticReport pull against HAPI's RestfulServer on a real socket, through the labeller into the report
 * store: paging, the cursor, a correction, idempotence, the Authorization header, an unmappable resource. Run once per
 * database engine by the subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FhirReportPullContractTest {
    private static final String TOKEN = "Bearer s3cr3t-token-for-the-test";
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00.125Z");
    private static final String ACSN_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203";
    private static final String CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0074";

    private Database db;
    private ReportStore reports;
    private FhirCursorStore cursorStore;
    private FhirTestServer server;

    protected abstract String openFreshDatabase() throws Exception;

    protected abstract void dropDatabase() throws Exception;

    @BeforeAll
    void openDb() throws Exception {
        db = Database.open(openFreshDatabase());
        reports = new ReportStore(db);
        cursorStore = new FhirCursorStore(db);
    }

    @AfterAll
    void closeDb() throws Exception {
        if (db != null) db.close();
        dropDatabase();
    }

    @BeforeEach
    void start() throws Exception {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE report SET superseded_by = NULL");
            for (String t : List.of("fhir_cursor", "report", "report_subject", "study")) st.executeUpdate("DELETE FROM " + t);
        }
        server = new FhirTestServer(TOKEN);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
    }

    private FhirReportPuller puller(String authorization, ReportSink sink) {
        return puller(authorization, "", sink);
    }

    private FhirReportPuller puller(String authorization, String searchParams, ReportSink sink) {
        FhirReportPuller.Settings settings = new FhirReportPuller.Settings(URI.create(server.baseUrl()), authorization, searchParams, 2,
                Duration.ofSeconds(10));
        return new FhirReportPuller(settings, sink, new StoredPullCursor(cursorStore, settings.sourceKey()));
    }

    private FhirReportPuller puller(String authorization) {
        return puller(authorization, new ReportStoreSink(reports, new ReportLabeller(), ReportStoreSink.Channel.FHIR));
    }

    // ---- resources

    private static Identifier accession(String value) {
        return new Identifier().setType(new CodeableConcept(new Coding(ACSN_SYSTEM, "ACSN", "Accession ID"))).setValue(value);
    }

    private static DiagnosticReport report(String id, DiagnosticReportStatus status, String patientId) {
        DiagnosticReport r = new DiagnosticReport();
        r.setId(id);
        r.setStatus(status);
        r.setCode(new CodeableConcept(new Coding("http://loinc.org", "24725-4", "CT Head")));
        r.addCategory(new CodeableConcept(new Coding(CATEGORY_SYSTEM, "RAD", "Radiology")));
        r.setSubject(new Reference().setIdentifier(new Identifier().setSystem("urn:oid:1.2.3.4").setValue(patientId)));
        r.setEffective(new DateTimeType("2025-03-01T09:45:00Z"));
        return r;
    }

    private static DiagnosticReport withPlainText(DiagnosticReport r, String text) {
        r.addPresentedForm().setContentType("text/plain; charset=utf-8").setData(text.getBytes(StandardCharsets.UTF_8));
        return r;
    }

    private void study(String uid, String accession, String patientId) throws Exception {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO study (study_instance_uid, patient_id, accession_number, created_at) VALUES (?, ?, ?, ?)")) {
            st.setString(1, uid);
            st.setString(2, patientId);
            st.setString(3, accession);
            st.setObject(4, OffsetDateTime.now());
            st.executeUpdate();
        }
    }

    private long count(String sql) throws Exception {
        try (Connection c = db.dataSource().getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Five mappable reports and one without any identifier to link it by, the last three at one instant:
     * r1 accession on the report + text/plain attachment; r2 accession on basedOn + conclusion only; r3 preliminary
     * with only the Study Instance UID on imagingStudy; r4 narrative only, accession from a contained ServiceRequest;
     * r5 another patient's accession; r6 unmappable.
     */
    private void serveSixReports() throws Exception {
        study("1.2.826.0.1.3680043.8.1055.2.1", "F1001", "PAT1");
        study("1.2.826.0.1.3680043.8.1055.2.2", "F1002", "PAT2");
        study("1.2.826.0.1.3680043.8.1055.2.3", "F1003", "PAT3");
        study("1.2.826.0.1.3680043.8.1055.2.4", "F1004", "PAT4");
        study("1.2.826.0.1.3680043.8.1055.2.5", "F1005", "PAT5");

        DiagnosticReport r1 = withPlainText(report("r1", DiagnosticReportStatus.FINAL, "PAT1"),
                "FINDINGS: Acute subdural hematoma along the left convexity, 8 mm.\nIMPRESSION: Acute left SDH.");
        r1.addIdentifier(new Identifier().setSystem("urn:ris:report").setValue("RPT-1")).addIdentifier(accession("F1001"));
        r1.setConclusion("This conclusion is not used: the attachment comes first. No hemorrhage.");
        server.put(r1, T0);

        DiagnosticReport r2 = report("r2", DiagnosticReportStatus.FINAL, "PAT2");
        r2.addBasedOn(new Reference().setType("ServiceRequest").setIdentifier(accession("F1002")));
        r2.setConclusion("IMPRESSION: No acute intracranial hemorrhage.");
        server.put(r2, T0.plusSeconds(60));

        DiagnosticReport r3 = withPlainText(report("r3", DiagnosticReportStatus.PRELIMINARY, "PAT3"), "IMPRESSION: Acute right EDH.");
        r3.addImagingStudy(new Reference().setType("ImagingStudy")
                .setIdentifier(new Identifier().setSystem("urn:dicom:uid").setValue("urn:oid:1.2.826.0.1.3680043.8.1055.2.3")));
        server.put(r3, T0.plusSeconds(120));

        DiagnosticReport r4 = report("r4", DiagnosticReportStatus.FINAL, "PAT4");
        org.hl7.fhir.r4.model.ServiceRequest order = new org.hl7.fhir.r4.model.ServiceRequest();
        order.setId("order");
        order.addIdentifier(accession("F1004"));
        r4.addContained(order);
        r4.addBasedOn(new Reference("#order"));
        Narrative n = new Narrative().setStatus(Narrative.NarrativeStatus.GENERATED);
        n.setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>IMPRESSION:</p><p>Small acute subarachnoid hemorrhage in the right sylvian fissure.</p></div>");
        r4.setText(n);
        Instant t4 = T0.plusSeconds(180);
        server.put(r4, t4);

        DiagnosticReport r5 = withPlainText(report("r5", DiagnosticReportStatus.FINAL, "SOMEONE-ELSE"), "IMPRESSION: Acute left SDH.");
        r5.addIdentifier(accession("F1005"));
        server.put(r5, t4);

        DiagnosticReport r6 = withPlainText(report("r6", DiagnosticReportStatus.FINAL, "PAT6"), "IMPRESSION: No hemorrhage.");
        r6.addIdentifier(new Identifier().setSystem("urn:ris:report").setValue("RPT-6")); // not an accession number
        server.put(r6, t4);
    }

    private static StoredReport only(List<StoredReport> versions) {
        assertEquals(1, versions.size(), versions.toString());
        return versions.get(0);
    }

    @Test
    void pullsAllPagesThenOnlyWhatChangedAndACorrectionReplacesTheFinal() throws Exception {
        serveSixReports();
        FhirReportPuller puller = puller(TOKEN);

        FhirReportPuller.PullResult first = puller.pullOnce();
        assertTrue(first.ok(), first.error());
        assertEquals(3, first.pages(), "6 resources, 2 a page");
        assertEquals(6, first.fetched());
        assertEquals(5, first.stored());
        assertEquals(1, first.skipped(), "r6 has nothing to link it by");
        assertEquals(T0.plusSeconds(180), first.cursor().lastUpdated());
        assertEquals(java.util.Set.of("DiagnosticReport/r4/_history/1", "DiagnosticReport/r5/_history/1", "DiagnosticReport/r6/_history/1"),
                first.cursor().idsAtLastUpdated(), "the skipped one is past too");
        assertEquals(3, server.requests().size());
        assertTrue(server.requests().stream().allMatch(r -> TOKEN.equals(r.authorization())), "Authorization on every page");
        String firstQuery = server.requests().get(0).query();
        assertFalse(firstQuery.contains("_lastUpdated="), "no lower bound the first time: " + firstQuery);
        assertTrue(firstQuery.contains("_sort=_lastUpdated") && firstQuery.contains("_count=2"), firstQuery);
        assertTrue(server.requests().get(1).query().contains("_getpages"), "the second page came from the next link");

        StoredReport r1 = only(reports.versions("F1001", null));
        assertEquals("fhir", r1.source());
        assertEquals("DiagnosticReport/r1/_history/1", r1.messageControlId());
        assertEquals("positive", r1.label(), "from the attachment, not the conclusion");
        assertEquals(ReportState.FINAL, r1.state());
        assertEquals("final", r1.reportStatus());
        assertEquals(ReportLinkState.LINKED, r1.linkState());
        assertTrue(r1.usableForTraining());
        assertEquals(Instant.parse("2025-03-01T09:45:00Z"), r1.observationTime());
        assertTrue(reports.text(r1.id()).orElseThrow().startsWith("FINDINGS: Acute subdural"));

        StoredReport r2 = only(reports.versions("F1002", null));
        assertEquals("negative", r2.label());
        assertEquals(ReportLinkState.LINKED, r2.linkState());

        StoredReport r3 = only(reports.versions(null, "1.2.826.0.1.3680043.8.1055.2.3"));
        assertNull(r3.accessionNumber());
        assertEquals(ReportState.PRELIMINARY, r3.state());
        assertEquals(ReportLinkState.LINKED, r3.linkState(), "linked by its Study Instance UID");
        assertFalse(r3.usableForTraining(), "preliminary is never used for training");

        StoredReport r4 = only(reports.versions("F1004", null));
        assertEquals("positive", r4.label(), "from the narrative");
        assertTrue(reports.text(r4.id()).orElseThrow().contains("IMPRESSION:\nSmall acute subarachnoid"), reports.text(r4.id()).orElseThrow());

        StoredReport r5 = only(reports.versions("F1005", null));
        assertEquals(ReportLinkState.REJECTED, r5.linkState());
        assertTrue(r5.linkNote().contains("patient ID mismatch"), r5.linkNote());

        Map<String, String> labels = reports.trainingLabels(Instant.EPOCH).stream()
                .collect(Collectors.toMap(TrainingLabel::studyInstanceUid, TrainingLabel::label));
        assertEquals(Map.of("1.2.826.0.1.3680043.8.1055.2.1", "positive", "1.2.826.0.1.3680043.8.1055.2.2", "negative",
                "1.2.826.0.1.3680043.8.1055.2.4", "positive"), labels);

        // Nothing changed: the resources at the cursor's instant come again (ge) and are skipped as seen.
        server.clearRequests();
        FhirReportPuller.PullResult again = puller.pullOnce();
        assertTrue(again.ok(), again.error());
        assertEquals(0, again.stored());
        assertEquals(3, again.alreadySeen());
        assertEquals(0, again.skipped(), "the unmappable one is not counted again");
        String query = java.net.URLDecoder.decode(server.requests().get(0).query(), StandardCharsets.UTF_8);
        assertTrue(query.contains("_lastUpdated=ge2025-03-01T10:03:00.125Z"), query);
        assertEquals(5, count("SELECT COUNT(*) FROM report"));

        // A correction of r1 later on, and a new report that the server commits with the cursor's own instant.
        DiagnosticReport corrected = withPlainText(report("r1", DiagnosticReportStatus.CORRECTED, "PAT1"),
                "IMPRESSION: Corrected report: no acute intracranial hemorrhage. The finding was a motion artefact.");
        corrected.addIdentifier(accession("F1001"));
        server.put(corrected, T0.plusSeconds(600));
        study("1.2.826.0.1.3680043.8.1055.2.7", "F1007", "PAT7");
        DiagnosticReport late = withPlainText(report("r7", DiagnosticReportStatus.FINAL, "PAT7"), "IMPRESSION: Acute left SDH.");
        late.addIdentifier(accession("F1007"));
        server.put(late, T0.plusSeconds(180));

        FhirReportPuller.PullResult third = puller.pullOnce();
        assertTrue(third.ok(), third.error());
        assertEquals(2, third.stored(), "the correction and the late one");
        assertEquals(3, third.alreadySeen());
        assertEquals(T0.plusSeconds(600), third.cursor().lastUpdated());
        assertEquals(java.util.Set.of("DiagnosticReport/r1/_history/2"), third.cursor().idsAtLastUpdated());
        assertEquals(7, count("SELECT COUNT(*) FROM report"), "5 + the correction + the late one: nothing twice");

        List<StoredReport> versions = reports.versions("F1001", null);
        assertEquals(2, versions.size());
        assertEquals(versions.get(1).id(), versions.get(0).supersededBy(), "the final one is superseded by the correction");
        assertEquals(ReportState.CORRECTED, versions.get(1).state());
        assertEquals("corrected", versions.get(1).reportStatus(), "the status as received");
        Map<String, String> after = reports.trainingLabels(Instant.EPOCH).stream()
                .collect(Collectors.toMap(TrainingLabel::studyInstanceUid, TrainingLabel::label));
        assertEquals("negative", after.get("1.2.826.0.1.3680043.8.1055.2.1"), "the correction's label counts");
        assertEquals("positive", after.get("1.2.826.0.1.3680043.8.1055.2.7"));

        // The cursor lost (e.g. a new database table): everything comes again, the store keeps each version once.
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM fhir_cursor");
        }
        FhirReportPuller.PullResult fromScratch = puller.pullOnce();
        assertTrue(fromScratch.ok(), fromScratch.error());
        assertEquals(0, fromScratch.stored());
        assertEquals(6, fromScratch.duplicates());
        assertEquals(1, fromScratch.skipped());
        assertEquals(7, count("SELECT COUNT(*) FROM report"));

        FhirReportPuller.Stats stats = puller.stats();
        assertEquals(4, stats.pulls());
        assertEquals(0, stats.failedPulls());
        assertEquals(7, stats.stored());
        assertEquals(2, stats.skipped());
        assertEquals(T0.plusSeconds(600), stats.cursor());
    }

    @Test
    void wrongAuthorizationFailsThePullAndStoresNothing() throws Exception {
        serveSixReports();
        FhirReportPuller puller = puller("Bearer not-the-token");
        FhirReportPuller.PullResult r = puller.pullOnce();
        assertFalse(r.ok());
        assertTrue(r.error().contains("401"), r.error());
        assertFalse(r.error().contains("not-the-token"), "the secret stays out of the error");
        assertFalse(puller.settings().toString().contains("not-the-token"));
        assertEquals("Bearer not-the-token", server.requests().get(0).authorization(), "the configured header value was sent");
        assertEquals(0, count("SELECT COUNT(*) FROM report"));
        assertEquals(0, count("SELECT COUNT(*) FROM fhir_cursor"));
        assertEquals(1, puller.stats().failedPulls());

        FhirReportPuller none = puller(null);
        assertFalse(none.pullOnce().ok());
        assertNull(server.requests().get(1).authorization(), "no header when none is configured");
    }

    @Test
    void aPullInterruptedByTheDatabaseResumesWithoutStoringTwice() throws Exception {
        serveSixReports();
        ReportStoreSink real = new ReportStoreSink(reports, new ReportLabeller(), ReportStoreSink.Channel.FHIR);
        ReportSink failsOnR4 = report -> {
            if (report.messageControlId().startsWith("DiagnosticReport/r4/")) throw new java.sql.SQLException("connection refused (test)");
            return real.accept(report);
        };
        FhirReportPuller.PullResult broken = puller(TOKEN, failsOnR4).pullOnce();
        assertFalse(broken.ok());
        assertEquals(3, broken.stored(), "r1, r2, r3 before the failure");
        PullCursor saved = new StoredPullCursor(cursorStore, server.baseUrl()).load().orElseThrow();
        assertEquals(T0.plusSeconds(120), saved.lastUpdated(), "the cursor stops at the last report stored");
        assertEquals(3, count("SELECT COUNT(*) FROM report"));

        FhirReportPuller.PullResult resumed = puller(TOKEN).pullOnce();
        assertTrue(resumed.ok(), resumed.error());
        assertEquals(2, resumed.stored(), "r4 and r5");
        assertEquals(1, resumed.alreadySeen(), "r3, at the cursor's instant");
        assertEquals(1, resumed.skipped());
        assertEquals(5, count("SELECT COUNT(*) FROM report"));
    }
    @Test
    void searchParametersKeepOtherReportsOutAndHaveTheirOwnCursor() throws Exception {
        serveSixReports();
        DiagnosticReport lab = withPlainText(report("lab1", DiagnosticReportStatus.FINAL, "PAT1"), "Haemoglobin 13.2 g/dL.");
        lab.getCategoryFirstRep().getCodingFirstRep().setCode("LAB");
        lab.addIdentifier(accession("L5001"));
        server.put(lab, T0.plusSeconds(30));

        FhirReportPuller radiology = puller(TOKEN, "category=" + CATEGORY_SYSTEM + "|RAD", new ReportStoreSink(reports, new ReportLabeller(),
                ReportStoreSink.Channel.FHIR));
        FhirReportPuller.PullResult r = radiology.pullOnce();
        assertTrue(r.ok(), r.error());
        assertEquals(6, r.fetched(), "the laboratory report is not asked for");
        assertEquals(5, r.stored());
        assertTrue(reports.versions("L5001", null).isEmpty());
        String query = java.net.URLDecoder.decode(server.requests().get(0).query(), StandardCharsets.UTF_8);
        assertTrue(query.contains("category=" + CATEGORY_SYSTEM + "|RAD"), query);
        assertEquals(server.baseUrl() + "?category=" + CATEGORY_SYSTEM + "|RAD", radiology.settings().sourceKey());
        assertTrue(new StoredPullCursor(cursorStore, radiology.settings().sourceKey()).load().isPresent());
        assertTrue(new StoredPullCursor(cursorStore, server.baseUrl()).load().isEmpty(), "the unfiltered search has a cursor of its own");

        FhirReportPuller.PullResult all = puller(TOKEN).pullOnce();
        assertTrue(all.ok(), all.error());
        assertEquals(7, all.fetched(), "without the filter from the beginning");
        assertEquals(1, all.stored(), "only the laboratory report is new");
    }
}
