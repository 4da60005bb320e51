package org.ichnode.node.ris;

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
 * The report harvest's sink: labels the report text and stores it (one transaction, committed before this returns, so
 * the HL7 listener's AA follows the commit). The observation time stored is OBR-7 (HL7) or the effective time (FHIR).
 * One sink per channel: the channel says how the status reads and is stored as the report's source.
 */
public final class ReportStoreSink implements ReportSink {
    /** Where reports come from: the HL7 v2 listener or the FHIR DiagnosticReport pull. */
    public enum Channel {
        HL7("hl7"), FHIR("fhir");

        private final String source;

        Channel(String source) {
            this.source = source;
        }

        ReportState state(String status) {
            return this == HL7 ? ReportState.fromHl7Status(status) : ReportState.fromFhirStatus(status);
        }
    }

    private final ReportStore store;
    private final ReportLabeller labeller;
    private final Channel channel;

    /** The HL7 listener's sink. */
    public ReportStoreSink(ReportStore store, ReportLabeller labeller) {
        this(store, labeller, Channel.HL7);
    }

    public ReportStoreSink(ReportStore store, ReportLabeller labeller, Channel channel) {
        this.store = Objects.requireNonNull(store, "store");
        this.labeller = Objects.requireNonNull(labeller, "labeller");
        this.channel = Objects.requireNonNull(channel, "channel");
    }

    @Override
    public Stored accept(IncomingReport r) throws Exception {
        ReportState state;
        try {
            state = channel.state(r.resultStatus());
        } catch (IllegalArgumentException e) {
            throw new ReportRejectedException(e.getMessage(), e);
        }
        ReportLabel label = labeller.label(r.text());
        NewReport report = new NewReport(channel.source, r.sender(), r.messageControlId(), r.messagePart(), r.accessionNumber(),
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
