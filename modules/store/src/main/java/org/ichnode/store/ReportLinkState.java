package org.ichnode.store;

/** Whether a report is linked to a study; stored lower-case in report.link_state. */
public enum ReportLinkState implements StoredState {
    /** No study with its accession number / Study Instance UID yet (images not received, or never sent to the node). */
    PENDING,
    /** Linked to report.study_id. */
    LINKED,
    /** A study matches its identifiers but must not be linked (patient ID mismatch, conflicting UIDs): see link_note. */
    REJECTED;

    public static ReportLinkState fromDb(String v) {
        return StoredState.fromDb(ReportLinkState.class, v);
    }
}
