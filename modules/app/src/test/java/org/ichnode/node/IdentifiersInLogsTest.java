package org.ichnode.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ichnode.core.net.FreePorts;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.store.Database;
import org.ichnode.store.SeriesState;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study and reports full of identifiers go through a real node process (DICOM over storescu, HL7 over MLLP: a
 * matching report, one whose patient ID disagrees, one the listener refuses and one it cannot parse); then the whole
 * log is searched for every identifier. Logs carry UIDs, never names, patient IDs or accession numbers.
 */
class IdentifiersInLogsTest {
    private static final String NAME = "ZZSECRETFAMILY^ZZSECRETGIVEN", PATIENT_ID = "PIDX93817", ACCESSION = "ACCX55219",
            NATIONAL_ID = "NATX44711", OTHER_PATIENT_ID = "OTHERPIDX71", BIRTH = "19450317";

    @TempDir Path tmp;

    @Test
    void noNameNoPatientIdNoAccessionNumberInTheWholeLog() throws Exception {
        List<Path> files = new ArrayList<>();
        for (Path f : Phantoms.study(tmp.resolve("phantom"), true)) files.add(withIdentifiers(f, tmp.resolve("sent").resolve(f.getFileName())));
        InstanceHeader h = InstanceHeader.read(files.get(0));
        int hl7Port = FreePorts.pick();
        Path log = tmp.resolve("node.log");
        try (TestPostgres pg = new TestPostgres();
             NodeProcess node = NodeProcess.start(log, pg.url(), tmp.resolve("storage"), "logs-a", "series.stableSeconds=1",
                     "hl7.port=" + hl7Port);
             Database db = Database.open(pg.url())) {
            var sent = CrashRecoveryTest.send(node.dicomPort, files);
            assertEquals(0, sent.exitCode(), sent.output());
            Thread.sleep(1500);
            CrashRecoveryTest.awaitNoSeriesIn(new StoreQueries(db), SeriesState.RECEIVING, SeriesState.COMPLETE, SeriesState.QUEUED,
                    SeriesState.RUNNING);
            assertEquals(SeriesState.DONE, new StoreQueries(db).findSeries(h.seriesInstanceUid()).orElseThrow().getState());

            List<String> acks = new ArrayList<>();
            acks.add(mllp(hl7Port, oru("LOG1", PATIENT_ID, h.studyInstanceUid(), "Acute subdural hematoma.")));
            acks.add(mllp(hl7Port, oru("LOG2", OTHER_PATIENT_ID, h.studyInstanceUid(), "No hemorrhage.")));
            // refused: no OBR, so no report
            acks.add(mllp(hl7Port, "MSH|^~\\&|RIS|HOSP|ICHNODE|NEURO|20261123120000||ORU^R01^ORU_R01|LOG3|P|2.5.1\rPID|1||"
                    + PATIENT_ID + "^^^HOSP^MR||" + NAME + "\r"));
            // not parseable: an unknown version, identifiers in every segment
            acks.add(mllp(hl7Port, "MSH|^~\\&|RIS|HOSP|ICHNODE|NEURO|20261123120000||ORU^R01^ORU_R01|LOG4|P|9.9.9\rPID|1||"
                    + PATIENT_ID + "^^^HOSP^MR~" + NATIONAL_ID + "^^^NAT^NI||" + NAME + "||" + BIRTH + "\rOBR|1||" + ACCESSION + "\r"));
            assertTrue(acks.get(0).contains("MSA|AA"), acks.get(0));
            assertTrue(acks.get(2).contains("MSA|AE") && acks.get(3).contains("MSA|AE"), acks.toString());
            Thread.sleep(1000);
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        // the paths that used to log identifiers did run
        assertTrue(text.contains("HL7 LOG1") && text.contains("HL7 LOG3"), "the reports were logged:\n" + text);
        assertTrue(text.matches("(?s).*report \\d+ stored.*"), "report storage was logged");
        for (String id : List.of(PATIENT_ID, ACCESSION, NATIONAL_ID, OTHER_PATIENT_ID, "ZZSECRETFAMILY", "ZZSECRETGIVEN", BIRTH)) {
            List<String> lines = text.lines().filter(l -> l.contains(id)).toList();
            assertTrue(lines.isEmpty(), id + " in the log:\n" + String.join("\n", lines));
        }
        assertFalse(text.contains("\tat "), "no stack traces for a peer's bad input:\n"
                + String.join("\n", text.lines().filter(l -> l.contains("Exception") || l.startsWith("\tat ")).limit(20).toList()));
    }

    private static String oru(String controlId, String patientId, String studyUid, String impression) {
        return String.join("\r",
                "MSH|^~\\&|RIS|HOSP|ICHNODE|NEURO|20261123120000||ORU^R01^ORU_R01|" + controlId + "|P|2.5.1",
                "PID|1||" + patientId + "^^^HOSP^MR~" + NATIONAL_ID + "^^^NAT^NI||" + NAME + "||" + BIRTH,
                "OBR|1||" + ACCESSION + "|CTHEAD^CT HEAD^L|||20261123110000|||||||||||" + ACCESSION + "||||||CT|F",
                "ZDS|" + studyUid + "^^Application^DICOM",
                "OBX|1|TX|CTHEAD^REPORT^L|1|IMPRESSION: " + impression + "||||||F") + "\r";
    }

    private static String mllp(int port, String message) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20000);
            OutputStream out = s.getOutputStream();
            out.write(0x0B);
            out.write(message.getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {0x1C, 0x0D});
            out.flush();
            var in = s.getInputStream();
            StringBuilder b = new StringBuilder();
            for (int c; (c = in.read()) != -1 && c != 0x1C; ) if (c != 0x0B) b.append((char) c);
            return b.toString();
        }
    }

    private static Path withIdentifiers(Path in, Path out) throws Exception {
        AttributeList l = new AttributeList();
        l.read(in.toFile());
        put(l, TagFromName.PatientName, NAME);
        put(l, TagFromName.PatientID, PATIENT_ID);
        put(l, TagFromName.AccessionNumber, ACCESSION);
        put(l, TagFromName.PatientBirthDate, BIRTH);
        Files.createDirectories(out.getParent());
        l.write(out.toFile(), l.get(TagFromName.TransferSyntaxUID).getSingleStringValueOrNull(), true, true);
        return out;
    }

    private static void put(AttributeList l, com.pixelmed.dicom.AttributeTag tag, String value) throws Exception {
        Attribute a = l.get(tag);
        if (a == null) {
            a = com.pixelmed.dicom.AttributeFactory.newAttribute(tag);
            l.put(a);
        }
        a.removeValues();
        a.addValue(value);
    }
}
