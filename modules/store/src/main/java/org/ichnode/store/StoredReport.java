package org.ichnode.store;

import java.time.Instant;

/**
 * A stored report version.
 *
 * @param duplicate        true when {@link ReportStore#store} found this message stored already (a re-sent message): nothing changed
 * @param replacedReportId the report this one superseded when it was stored, or null
 * @param supersededBy     the report that replaces this one, or null when this one is current
 * @param studyId          the linked study, or null
 * @param linkNote         why the report is not linked (or what was not checked when it was)
 * @param usableForTraining label usable and state final or corrected (superseded or unlinked reports are still not used)
 */
public record StoredReport(long id, boolean duplicate, String source, String messageControlId, int messagePart,
                           String accessionNumber, String studyInstanceUid, String patientId,
                           String reportStatus, ReportState state, Instant observationTime, Instant receivedAt,
                           String label, boolean usableForTraining,
                           Long replacedReportId, Long supersededBy,
                           Long studyId, ReportLinkState linkState, String linkNote, Instant linkedAt) {

    public boolean current() {
        return supersededBy == null;
    }

    public boolean linked() {
        return linkState == ReportLinkState.LINKED;
    }

    StoredReport asDuplicate() {
        return new StoredReport(id, true, source, messageControlId, messagePart, accessionNumber, studyInstanceUid, patientId,
                reportStatus, state, observationTime, receivedAt, label, usableForTraining, replacedReportId, supersededBy,
                studyId, linkState, linkNote, linkedAt);
    }

    StoredReport withReplaced(Long replaced) {
        return new StoredReport(id, duplicate, source, messageControlId, messagePart, accessionNumber, studyInstanceUid, patientId,
                reportStatus, state, observationTime, receivedAt, label, usableForTraining, replaced, supersededBy,
                studyId, linkState, linkNote, linkedAt);
    }
}
