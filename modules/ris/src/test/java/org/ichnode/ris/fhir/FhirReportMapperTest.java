package org.ichnode.ris.fhir;

import static org.junit.jupiter.api.Assertions.*;

import ca.uhn.fhir.context.FhirContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.DiagnosticReport.DiagnosticReportStatus;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.ichnode.ris.hl7.IncomingReport;
import org.junit.jupiter.api.Test;

/** DiagnosticReport -> IncomingReport: the field rules of docs/ris.md, one by one. */
class FhirReportMapperTest {
    private static final String BASE = "https://ris.example.org/fhir";
    private final DiagnosticReportMapper mapper = new DiagnosticReportMapper(BASE);

    private static Identifier acsn(String v) {
        return new Identifier().setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "ACSN", null))).setValue(v);
    }

    private static DiagnosticReport base() {
        DiagnosticReport r = new DiagnosticReport();
        r.setId("DiagnosticReport/d1/_history/3");
        r.setStatus(DiagnosticReportStatus.FINAL);
        r.addIdentifier(acsn("ACC-1"));
        r.setConclusion("IMPRESSION: No hemorrhage.");
        return r;
    }

    @Test
    void identityStatusTimesAndSender() throws Exception {
        DiagnosticReport r = base();
        r.setEffective(new org.hl7.fhir.r4.model.Period().setStartElement(new org.hl7.fhir.r4.model.DateTimeType("2025-03-01T09:00:00Z")));
        r.setIssuedElement(new org.hl7.fhir.r4.model.InstantType("2025-03-01T11:00:00Z"));
        IncomingReport in = mapper.map(r);
        assertEquals("DiagnosticReport/d1/_history/3", in.messageControlId());
        assertEquals(BASE, in.sender());
        assertEquals(1, in.messagePart());
        assertEquals("final", in.resultStatus());
        assertEquals(Instant.parse("2025-03-01T09:00:00Z"), in.observationTime());
        assertEquals(Instant.parse("2025-03-01T11:00:00Z"), in.resultTime());
        assertNull(in.hl7Version());

        r.setStatus(DiagnosticReportStatus.AMENDED);
        assertEquals("amended", mapper.map(r).resultStatus());
        r.setStatus(DiagnosticReportStatus.UNKNOWN);
        DiagnosticReportMapper.Unmappable u = assertThrows(DiagnosticReportMapper.Unmappable.class, () -> mapper.map(r));
        assertTrue(u.getMessage().contains("'unknown'"), u.getMessage());
        r.setStatus(null);
        assertThrows(DiagnosticReportMapper.Unmappable.class, () -> mapper.map(r));
    }

    @Test
    void versionKeyFallsBackToMetaThenToLastUpdated() {
        DiagnosticReport r = new DiagnosticReport();
        r.setId("d2");
        r.getMeta().setVersionId("7");
        assertEquals("DiagnosticReport/d2/_history/7", DiagnosticReportMapper.versionKey(r));
        r.getMeta().setVersionId(null).setLastUpdated(java.util.Date.from(Instant.parse("2025-03-01T10:00:00.5Z")));
        assertEquals("DiagnosticReport/d2/_history/@2025-03-01T10:00:00.500Z", DiagnosticReportMapper.versionKey(r));
    }

    @Test
    void textFromPlainAttachmentsThenConclusionThenNarrative() throws Exception {
        DiagnosticReport r = base();
        r.addPresentedForm().setContentType("application/pdf").setData(new byte[] {1, 2, 3});
        r.addPresentedForm().setContentType("text/plain").setUrl("https://ris.example.org/report.txt"); // not fetched
        r.addPresentedForm().setContentType("text/plain; charset=ISO-8859-1").setData("Befund: Hämatom links.".getBytes(StandardCharsets.ISO_8859_1));
        r.addPresentedForm().setContentType("TEXT/PLAIN").setData("IMPRESSION: Acute left SDH.".getBytes(StandardCharsets.UTF_8));
        assertEquals("Befund: Hämatom links.\nIMPRESSION: Acute left SDH.", mapper.map(r).text());

        r.getPresentedForm().clear();
        assertEquals("IMPRESSION: No hemorrhage.", mapper.map(r).text());

        r.setConclusion(null);
        r.getText().setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\"><h3>Impression</h3><p>No acute <b>intracranial</b>"
                + " hemorrhage &amp; no mass.</p><ul><li>Old lacune.</li></ul></div>");
        assertEquals("Impression\nNo acute intracranial hemorrhage & no mass.\nOld lacune.", mapper.map(r).text());

        r.setText(null);
        DiagnosticReportMapper.Unmappable u = assertThrows(DiagnosticReportMapper.Unmappable.class, () -> mapper.map(r));
        assertTrue(u.getMessage().contains("no report text"), u.getMessage());
        r.setStatus(DiagnosticReportStatus.CANCELLED);
        assertEquals("", mapper.map(r).text(), "a cancelled report needs no text");
    }

    @Test
    void accessionNumberRule() throws Exception {
        DiagnosticReport r = base();
        r.getIdentifier().clear();
        r.addIdentifier(new Identifier().setSystem("urn:ris:report").setValue("RPT-9")); // the report's own id: not used
        r.addBasedOn(new Reference("ServiceRequest/123")); // literal: not read from the server
        r.addBasedOn(new Reference().setType("ServiceRequest").setIdentifier(new Identifier().setSystem("urn:ris:order").setValue("ORD-5")));
        assertEquals("ORD-5", mapper.map(r).accessionNumber(), "an order identifier when nothing is typed ACSN");
        r.addBasedOn(new Reference().setIdentifier(acsn("ACC-BASED")));
        assertEquals("ACC-BASED", mapper.map(r).accessionNumber(), "ACSN on basedOn before an untyped order identifier");
        r.addIdentifier(acsn("ACC-REPORT"));
        assertEquals("ACC-REPORT", mapper.map(r).accessionNumber(), "ACSN on the report first");

        r.getIdentifier().clear();
        r.getBasedOn().clear();
        DiagnosticReportMapper.Unmappable u = assertThrows(DiagnosticReportMapper.Unmappable.class, () -> mapper.map(r));
        assertTrue(u.getMessage().contains("no accession number or Study Instance UID"), u.getMessage());
    }

    @Test
    void containedResourcesAsParsedFromJson() throws Exception {
        String json = """
                {"resourceType":"DiagnosticReport","id":"d3","meta":{"versionId":"1","lastUpdated":"2025-03-01T10:00:00.000Z"},
                 "contained":[
                   {"resourceType":"ServiceRequest","id":"sr","status":"completed","intent":"order","subject":{"reference":"#pat"},
                    "identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"ACSN"}]},"value":"ACC-77"}]},
                   {"resourceType":"ImagingStudy","id":"img","status":"available","subject":{"reference":"#pat"},
                    "identifier":[{"system":"urn:dicom:uid","value":"urn:oid:1.2.3.4.5"}]},
                   {"resourceType":"Patient","id":"pat","identifier":[{"system":"urn:other","value":"OTHER-1"},
                    {"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"value":"MRN-42"}]}],
                 "status":"final","code":{"text":"CT head"},
                 "subject":{"reference":"#pat"},"basedOn":[{"reference":"#sr"}],"imagingStudy":[{"reference":"#img"}],
                 "conclusion":"No hemorrhage."}""";
        DiagnosticReport r = FhirContext.forR4Cached().newJsonParser().parseResource(DiagnosticReport.class, json);
        IncomingReport in = mapper.map(r);
        assertEquals("ACC-77", in.accessionNumber());
        assertEquals("1.2.3.4.5", in.studyInstanceUid());
        assertEquals("MRN-42", in.patientId(), "the MR identifier of the contained patient");
        assertEquals("DiagnosticReport/d3/_history/1", in.messageControlId());
    }

    @Test
    void studyInstanceUidAndPatientFromLogicalReferences() throws Exception {
        DiagnosticReport r = base();
        r.getIdentifier().clear();
        r.addIdentifier(new Identifier().setSystem("urn:dicom:uid").setValue("urn:oid:2.25.1"));
        r.setSubject(new Reference("Patient/p1"));
        IncomingReport in = mapper.map(r);
        assertEquals("2.25.1", in.studyInstanceUid(), "a report identifier with system urn:dicom:uid");
        assertNull(in.accessionNumber());
        assertNull(in.patientId(), "a literal subject reference is not a patient ID");

        r.addImagingStudy(new Reference().setIdentifier(new Identifier().setSystem("urn:dicom:uid").setValue("urn:oid:2.25.9")));
        r.setSubject(new Reference("Patient/p1").setIdentifier(new Identifier().setValue("PID-9")));
        in = mapper.map(r);
        assertEquals("2.25.9", in.studyInstanceUid(), "imagingStudy first");
        assertEquals("PID-9", in.patientId());
    }
}
