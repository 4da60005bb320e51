package org.ichnode.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A report version as received, with its label, to be stored by {@link ReportStore#store}.
 *
 * @param source            "hl7" or "fhir"
 * @param sender            who sent it (HL7 MSH-3^MSH-4, or the FHIR server); "" when unknown
 * @param messageControlId  HL7 MSH-10 (or FHIR resource id/version): with source, sender and messagePart the identity of
 *                          the message, so a re-sent message is stored once
 * @param messagePart       1-based order group within the message (an ORU^R01 may carry several OBRs)
 * @param accessionNumber   accession number, or null; at least one of accessionNumber and studyInstanceUid is required
 * @param studyInstanceUid  Study Instance UID, or null
 * @param patientId         patient ID (HL7 PID-3), or null; checked against the study's PatientID before linking
 * @param reportStatus      the status as received (OBR-25 "F", "C", "P", ...; FHIR "final" ...)
 * @param state             the normalised state ({@link ReportState#fromHl7Status}, {@link ReportState#fromFhirStatus})
 * @param observationTime   when the report was made (OBR-7 / effective time), or null
 * @param text              the report text
 * @param label             "positive", "negative" or "uncertain" (the report labeller's hemorrhage value)
 * @param labelJson         the labeller's full result (ReportLabel.toJson())
 * @param labelUsable       the labeller's verdict on the label alone (ReportLabel.usableForTraining()); the stored
 *                          usable_for_training also requires a final or corrected state
 */
public record NewReport(String source, String sender, String messageControlId, int messagePart,
                        String accessionNumber, String studyInstanceUid, String patientId,
                        String reportStatus, ReportState state, Instant observationTime,
                        String text, String label, String labelJson, boolean labelUsable) {

    private static final Set<String> SOURCES = Set.of("hl7", "fhir");
    private static final Set<String> LABELS = Set.of("positive", "negative", "uncertain");

    public NewReport {
        if (!SOURCES.contains(source)) throw new IllegalArgumentException("source must be hl7 or fhir, got " + source);
        sender = sender == null ? "" : sender;
        Objects.requireNonNull(messageControlId, "messageControlId");
        if (messagePart < 1) throw new IllegalArgumentException("messagePart starts at 1");
        accessionNumber = blankToNull(accessionNumber);
        studyInstanceUid = blankToNull(studyInstanceUid);
        patientId = blankToNull(patientId);
        if (accessionNumber == null && studyInstanceUid == null) {
            throw new IllegalArgumentException("no accession number or Study Instance UID");
        }
        Objects.requireNonNull(reportStatus, "reportStatus");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(text, "text");
        if (!LABELS.contains(label)) throw new IllegalArgumentException("label must be positive, negative or uncertain, got " + label);
        Objects.requireNonNull(labelJson, "labelJson");
    }

    /** The key that orders the versions of one exam's report: the accession number, else the Study Instance UID. */
    public String subjectKey() {
        return accessionNumber != null ? "acc:" + accessionNumber : "uid:" + studyInstanceUid;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
