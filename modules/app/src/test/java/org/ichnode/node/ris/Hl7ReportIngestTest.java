package org.ichnode.node.ris;

import static org.junit.jupiter.api.Assertions.*;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.Connection;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.ichnode.ris.hl7.MllpReportListener;
import org.ichnode.ris.label.ReportLabeller;
import org.ichnode.store.Database;
import org.ichnode.store.ReportLinkState;
import org.ichnode.store.ReportState;
import org.ichnode.store.ReportStore;
import org.ichnode.store.StoredReport;
import org.ichnode.store.TrainingLabel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ORU^R01 over MLLP from HAPI's own client into the listener, the labeller and the report store (embedded H2):
 * the ACKs and what is stored.
 */
class Hl7ReportIngestTest {
    private Path dir;
    private Database db;
    private ReportStore reports;
    private MllpReportListener listener;
    private HapiContext client;
    private Connection connection;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("ichnode-hl7-");
        db = Database.open("jdbc:h2:file:" + dir.resolve("db"));
        reports = new ReportStore(db);
        listener = new MllpReportListener(MllpReportListener.Settings.of(java.net.InetAddress.getLoopbackAddress(), 0),
                new ReportStoreSink(reports, new ReportLabeller())).start();
        client = new DefaultHapiContext(new CanonicalModelClassFactory("2.5"));
        client.getParserConfiguration().setIdGenerator(new ca.uhn.hl7v2.util.idgenerator.InMemoryIDGenerator()); // no id_file in the working folder
        client.setValidationContext(ValidationContextFactory.noValidation());
        connection = client.newClient("127.0.0.1", listener.port(), false);
    }

    @AfterEach
    void stop() throws Exception {
        if (connection != null) connection.close();
        if (client != null) client.close();
        if (listener != null) listener.close();
        if (db != null) db.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String oru(String controlId, String accession, String patientId, String status, String time, String... reportLines) {
        StringBuilder b = new StringBuilder(String.join("\r",
                "MSH|^~\\&|RIS|CITYHOSP|ICHNODE|NEURO|" + time + "||ORU^R01^ORU_R01|" + controlId + "|P|2.5.1|||AL|NE||UNICODE UTF-8",
                "PID|1||" + patientId + "^^^CITYHOSP^MR||DOE^JANE||19600101|F",
                "ORC|RE|PL" + accession + "|" + accession + "||CM",
                "OBR|1|PL" + accession + "|" + accession + "|CTHEAD^CT HEAD WO CONTRAST^L|||20250301094500|||||||||DRS^SMITH^ANNE||"
                        + accession + "||||" + time + "||CT|" + status));
        for (int i = 0; i < reportLines.length; i++) {
            b.append("\rOBX|").append(i + 1).append("|TX|CTHEAD^CT HEAD REPORT^L|").append(i + 1).append('|')
                    .append(reportLines[i]).append("||||||").append(status);
        }
        return b.append('\r').toString();
    }

    private Message send(String text) throws Exception {
        return connection.getInitiator().sendAndReceive(client.getPipeParser().parse(text));
    }

    private static String msa(Message ack, int field) throws Exception {
        return new Terser(ack).get("MSA-" + field);
    }

    private void study(String uid, String accession, String patientId) throws Exception {
        try (java.sql.Connection c = db.dataSource().getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO study (study_instance_uid, patient_id, accession_number, created_at) VALUES (?, ?, ?, ?)")) {
            st.setString(1, uid);
            st.setString(2, patientId);
            st.setString(3, accession);
            st.setObject(4, OffsetDateTime.now());
            st.executeUpdate();
        }
    }

    private long reportCount() throws Exception {
        try (java.sql.Connection c = db.dataSource().getConnection();
             ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM report")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void goodReportIsStoredWithItsLabelBeforeTheAck() throws Exception {
        study("1.2.826.0.1.3680043.8.1055.1.1", "A1001", "PAT1");
        Message ack = send(oru("M1", "A1001", "PAT1", "F", "20250301103000",
                "FINDINGS: Acute subdural hematoma along the left convexity, 8 mm.", "IMPRESSION: Acute left SDH."));
        assertEquals("AA", msa(ack, 1));
        assertEquals("M1", msa(ack, 2));
        List<StoredReport> versions = reports.versions("A1001", null);
        assertEquals(1, versions.size());
        StoredReport r = versions.get(0);
        assertEquals("positive", r.label());
        assertEquals(ReportState.FINAL, r.state());
        assertEquals(ReportLinkState.LINKED, r.linkState());
        assertTrue(r.usableForTraining());
        List<TrainingLabel> labels = reports.trainingLabels(Instant.EPOCH);
        assertEquals(1, labels.size());
        assertEquals("1.2.826.0.1.3680043.8.1055.1.1", labels.get(0).studyInstanceUid());
        assertTrue(labels.get(0).labelJson().contains("SUBDURAL"), labels.get(0).labelJson());

        // The same message again (ACK lost): AA, stored once.
        assertEquals("AA", msa(send(oru("M1", "A1001", "PAT1", "F", "20250301103000",
                "FINDINGS: Acute subdural hematoma along the left convexity, 8 mm.", "IMPRESSION: Acute left SDH.")), 1));
        assertEquals(1, reportCount());
    }

    @Test
    void malformedAndUnlinkableMessagesAreRefusedAndNothingIsStored() throws Exception {
        Message unlinkable = send(oru("M2", "", "PAT2", "F", "20250301103000", "IMPRESSION: No hemorrhage."));
        assertEquals("AE", msa(unlinkable, 1));
        assertTrue(msa(unlinkable, 3).contains("no accession number or Study Instance UID"), msa(unlinkable, 3));

        Message noStatus = send(oru("M3", "A2002", "PAT2", "", "20250301103000", "IMPRESSION: No hemorrhage."));
        assertEquals("AE", msa(noStatus, 1));
        assertTrue(msa(noStatus, 3).contains("OBR-25"), msa(noStatus, 3));
        assertEquals(0, reportCount());
    }

    @Test
    void correctionReplacesTheFinalReport() throws Exception {
        study("1.2.826.0.1.3680043.8.1055.1.2", "A3001", "PAT3");
        assertEquals("AA", msa(send(oru("M4", "A3001", "PAT3", "F", "20250301103000", "IMPRESSION: No acute intracranial hemorrhage.")), 1));
        Message ack = send(oru("M5", "A3001", "PAT3", "C", "20250301120000",
                "IMPRESSION: Corrected report: small acute subarachnoid hemorrhage in the right sylvian fissure."));
        assertEquals("AA", msa(ack, 1));
        assertTrue(msa(ack, 3).contains("replaces report"), msa(ack, 3));
        List<StoredReport> versions = reports.versions("A3001", null);
        assertEquals(2, versions.size());
        assertEquals(versions.get(1).id(), versions.get(0).supersededBy(), "the final one is superseded by the correction");
        assertTrue(versions.get(1).current());
        List<TrainingLabel> labels = reports.trainingLabels(Instant.EPOCH);
        assertEquals(1, labels.size());
        assertEquals("positive", labels.get(0).label());
        assertEquals(ReportState.CORRECTED, labels.get(0).state());
    }

    @Test
    void preliminaryIsStoredButNotForTraining() throws Exception {
        study("1.2.826.0.1.3680043.8.1055.1.3", "A4001", "PAT4");
        assertEquals("AA", msa(send(oru("M6", "A4001", "PAT4", "P", "20250301103000", "IMPRESSION: Acute left SDH.")), 1));
        StoredReport r = reports.versions("A4001", null).get(0);
        assertEquals(ReportState.PRELIMINARY, r.state());
        assertEquals("P", r.reportStatus());
        assertFalse(r.usableForTraining());
        assertTrue(reports.trainingLabels(Instant.EPOCH).isEmpty());
    }

    @Test
    void reportBeforeImagesIsLinkedWhenTheyArrive() throws Exception {
        Message ack = send(oru("M7", "A5001", "PAT5", "F", "20250301103000", "IMPRESSION: No intracranial hemorrhage."));
        assertEquals("AA", msa(ack, 1), "stored now, linked later");
        assertTrue(msa(ack, 3).contains("pending"), msa(ack, 3));
        assertEquals(ReportLinkState.PENDING, reports.versions("A5001", null).get(0).linkState());
        study("1.2.826.0.1.3680043.8.1055.1.5", "A5001", "PAT5");
        assertEquals(1, reports.linkPendingReports());
        List<TrainingLabel> labels = reports.trainingLabels(Instant.EPOCH);
        assertEquals(1, labels.size());
        assertEquals("negative", labels.get(0).label());
    }

    @Test
    void patientIdMismatchIsStoredButNotLinked() throws Exception {
        study("1.2.826.0.1.3680043.8.1055.1.6", "A6001", "PAT6");
        Message ack = send(oru("M8", "A6001", "SOMEONE-ELSE", "F", "20250301103000", "IMPRESSION: Acute left SDH."));
        assertEquals("AA", msa(ack, 1), "the report is kept (stored), only the link is refused");
        StoredReport r = reports.versions("A6001", null).get(0);
        assertEquals(ReportLinkState.REJECTED, r.linkState());
        assertTrue(r.linkNote().contains("patient ID mismatch"), r.linkNote());
        assertTrue(reports.trainingLabels(Instant.EPOCH).isEmpty());
    }
}
