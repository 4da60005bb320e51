package org.ichnode.app.ris;

import java.util.Locale;
import java.util.Objects;
import org.ichnode.ris.hl7.IncomingReport;
import org.ichnode.ris.hl7.ReportSink;
import org.ichnode.ris.label.ReportLabel;
import org.ichnode.ris.label.ReportLabeller;
import org.ichnode.store.NewReport;
import org.ichnode.store.ReportState;
import org.ichnode.store.ReportStore;
import org.ichnode.store.StoredReport;

/**
 * The HL7 listener's sink: labels the report text and stores it (one transaction, committed before this returns, so
 * the listener's AA follows the commit). The observation time stored is OBR-7.
 */
public final class ReportStoreSink implements ReportSink {
    private final ReportStore store;
    private final ReportLabeller labeller;

    public ReportStoreSink(ReportStore store, ReportLabeller labeller) {
        this.store = Objects.requireNonNull(store, "store");
        this.labeller = Objects.requireNonNull(labeller, "labeller");
    }

    @Override
    public Stored accept(IncomingReport r) throws Exception {
        ReportState state;
        try {
            state = ReportState.fromHl7Status(r.resultStatus());
        } catch (IllegalArgumentException e) {
            throw new ReportRejectedException(e.getMessage(), e);
        }
        ReportLabel label = labeller.label(r.text());
        NewReport report = new NewReport("hl7", r.sender(), r.messageControlId(), r.messagePart(), r.accessionNumber(),
                r.studyInstanceUid(), r.patientId(), r.resultStatus(), state, r.observationTime(), r.text(),
                label.hemorrhage().name().toLowerCase(Locale.ROOT), label.toJson(), label.usableForTraining());
        StoredReport s = store.store(report);
        String note = s.state().dbValue() + ", " + s.label() + (s.linked() ? ", linked" : ", " + s.linkState().dbValue())
                + (s.linkNote() == null ? "" : " (" + s.linkNote() + ")")
                + (s.replacedReportId() != null ? ", replaces report " + s.replacedReportId() : "")
                + (s.supersededBy() != null && !s.duplicate() ? ", superseded by report " + s.supersededBy() : "");
        return new Stored(s.id(), s.duplicate(), note);
    }
}
