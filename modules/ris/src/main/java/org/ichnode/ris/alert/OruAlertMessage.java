package org.ichnode.ris.alert;

import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.v25.message.ORU_R01;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.Terser;

import java.io.IOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The HL7 v2.5 ORU^R01 that tells the RIS about a positive call: preliminary (result status P), one OBR for the AI
 * triage of the study (accession number in OBR-3 and OBR-18, the way RIS send it to us), and OBX rows a RIS can file
 * or show: the call (ST), probability and operating point (NM, unit 1), volume (NM, mL), lesions (NM), the study
 * instance UID (ST) and the sentence (TX).
 */
public final class OruAlertMessage {
    private static final DateTimeFormatter HL7_TS = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

    private OruAlertMessage() {}

    /**
     * @param sendingApplication MSH-3, e.g. the node's AE title; @param receiving MSH-5 / MSH-6 "application^facility"
     *                           as configured; @param controlId MSH-10, unique per alert (the same on every retry)
     */
    public static String render(HemorrhageAlert a, String sendingApplication, String receivingApplication,
                                String receivingFacility, String controlId) {
        try {
            ORU_R01 m = new ORU_R01();
            m.initQuickstart("ORU", "R01", "P");
            Terser t = new Terser(m);
            t.set("MSH-3-1", sendingApplication);
            t.set("MSH-5-1", receivingApplication);
            t.set("MSH-6-1", receivingFacility);
            t.set("MSH-7-1", HL7_TS.format(a.resultAt()));
            t.set("MSH-10", controlId);
            t.set("/PATIENT_RESULT/PATIENT/PID-1", "1");
            if (a.patientId() != null) t.set("/PATIENT_RESULT/PATIENT/PID-3-1", a.patientId());
            String obr = "/PATIENT_RESULT/ORDER_OBSERVATION/";
            t.set(obr + "ORC-1", "RE");
            if (a.accessionNumber() != null) t.set(obr + "ORC-3-1", a.accessionNumber());
            t.set(obr + "OBR-1", "1");
            if (a.accessionNumber() != null) {
                t.set(obr + "OBR-3-1", a.accessionNumber());
                t.set(obr + "OBR-18", a.accessionNumber());
            }
            t.set(obr + "OBR-4-1", "ICHAI");
            t.set(obr + "OBR-4-2", "AI intracranial hemorrhage triage");
            t.set(obr + "OBR-4-3", "L");
            t.set(obr + "OBR-22-1", HL7_TS.format(a.resultAt()));
            t.set(obr + "OBR-25", "P");
            int i = 0;
            obx(t, i++, "ST", "CALL", "AI call", a.call(), null);
            obx(t, i++, "NM", "PROB", "Probability of hemorrhage", num(a.probability(), 3), "1");
            obx(t, i++, "NM", "OPPOINT", "Operating point", num(a.operatingPoint(), 3), "1");
            obx(t, i++, "NM", "VOLUME", "Hemorrhage volume", num(a.volumeMl(), 1), "mL");
            obx(t, i++, "NM", "LESIONS", "Lesions", Integer.toString(a.lesions()), null);
            obx(t, i++, "ST", "STUDYUID", "Study Instance UID", a.studyInstanceUid(), null);
            if (a.resultUrl() != null) obx(t, i++, "ST", "URL", "Result page", a.resultUrl(), null);
            obx(t, i, "TX", "TEXT", "Summary", a.text(), null);
            return new PipeParser().encode(m);
        } catch (HL7Exception | IOException e) {
            throw new IllegalStateException("cannot build the ORU^R01 alert: " + e.getMessage(), e);
        }
    }

    private static void obx(Terser t, int rep, String type, String code, String name, String value, String unit) throws HL7Exception {
        String p = "/PATIENT_RESULT/ORDER_OBSERVATION/OBSERVATION(" + rep + ")/OBX-";
        t.set(p + "1", Integer.toString(rep + 1));
        t.set(p + "2", type);
        t.set(p + "3-1", code);
        t.set(p + "3-2", name);
        t.set(p + "3-3", "L");
        t.set(p + "5", value);
        if (unit != null) t.set(p + "6-1", unit);
        t.set(p + "11", "P");
    }

    private static String num(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
