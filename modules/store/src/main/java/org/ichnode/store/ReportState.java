package org.ichnode.store;

import java.util.Locale;

/**
 * Normalised state of a report version; stored lower-case in report.state. The raw status (HL7 OBR-25, FHIR
 * DiagnosticReport.status) is kept as received in report.report_status.
 */
public enum ReportState implements StoredState {
    /** Preliminary or partial results (HL7 P, R, A, I, S, O; FHIR preliminary, partial, registered): never used for training. */
    PRELIMINARY(1),
    /** Final (HL7 F; FHIR final). */
    FINAL(2),
    /** Corrected or amended after final (HL7 C; FHIR corrected, amended, appended). */
    CORRECTED(3),
    /** Withdrawn (HL7 X; FHIR cancelled, entered-in-error): the exam has no usable report until a later one arrives. */
    CANCELLED(3);

    private final int rank;

    ReportState(int rank) {
        this.rank = rank;
    }

    /** Order of precedence: a report of a higher rank replaces one of a lower rank, whatever arrives first. */
    public int rank() {
        return rank;
    }

    /** Final and corrected reports may be used for training (if their label is usable). */
    public boolean trainable() {
        return this == FINAL || this == CORRECTED;
    }

    public static ReportState fromDb(String v) {
        return StoredState.fromDb(ReportState.class, v);
    }

    /**
     * HL7 v2 result status (OBR-25, table 0123). Statuses that say no report exists (Y, Z) and unknown codes are
     * refused.
     *
     * @throws IllegalArgumentException for a status that is not a report
     */
    public static ReportState fromHl7Status(String status) {
        String s = status == null ? "" : status.trim().toUpperCase(Locale.ROOT);
        return switch (s) {
            case "F" -> FINAL;
            case "C" -> CORRECTED;
            case "P", "R", "A", "I", "S", "O" -> PRELIMINARY;
            case "X" -> CANCELLED;
            default -> throw new IllegalArgumentException("not a report result status (HL7 table 0123): '" + status + "'");
        };
    }

    /** FHIR R4 DiagnosticReport.status. @throws IllegalArgumentException for an unknown status */
    public static ReportState fromFhirStatus(String status) {
        String s = status == null ? "" : status.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "final" -> FINAL;
            case "corrected", "amended", "appended" -> CORRECTED;
            case "registered", "partial", "preliminary" -> PRELIMINARY;
            case "cancelled", "entered-in-error" -> CANCELLED;
            default -> throw new IllegalArgumentException("not a FHIR DiagnosticReport status: '" + status + "'");
        };
    }
}
