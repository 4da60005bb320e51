package org.ichnode.ris.hl7;

import java.time.Instant;
import java.util.Objects;

/**
 * One report taken from an HL7 v2 ORU^R01 message (one per OBR order group), as the listener hands it to a
 * {@link ReportSink}. At least one of accession number and Study Instance UID is set. The FHIR pull hands over its
 * DiagnosticReports in the same shape (see org.ichnode.ris.fhir.DiagnosticReportMapper): sender = the FHIR base URL,
 * message control id = DiagnosticReport/id/_history/version, part 1, the FHIR status, no HL7 version.
 *
 * @param sender           MSH-3^MSH-4 (sending application ^ facility), "" when empty
 * @param messageControlId MSH-10
 * @param messagePart      1-based index of the OBR order group within the message
 * @param accessionNumber  the first non-empty of OBR-18, OBR-3, ORC-3 (configurable), or null
 * @param studyInstanceUid from a ZDS segment (ZDS-1) or an OBX for the Study Instance UID (OBX-3 113014 / "Study Instance UID"), or null
 * @param patientId        PID-3 (the identifier of type MR when there are several, else the first)
 * @param resultStatus     OBR-25 as received (F, C, P, X ...)
 * @param observationTime  OBR-7, or null
 * @param resultTime       OBR-22 (results report / status change time), or null
 * @param text             OBX-5 values of type TX, FT or ST and NTE-3 comments after the OBR, in message order, one line each
 * @param hl7Version       MSH-12 (null for FHIR)
 */
public record IncomingReport(String sender, String messageControlId, int messagePart, String accessionNumber,
                             String studyInstanceUid, String patientId, String resultStatus, Instant observationTime,
                             Instant resultTime, String text, String hl7Version) {
    public IncomingReport {
        Objects.requireNonNull(messageControlId, "messageControlId");
        Objects.requireNonNull(resultStatus, "resultStatus");
        Objects.requireNonNull(text, "text");
        if (accessionNumber == null && studyInstanceUid == null) {
            throw new IllegalArgumentException("no accession number or Study Instance UID");
        }
    }
}
