package org.ichnode.ris.hl7;

/**
 * Where the listener puts the reports it receives (the app implements it with the store and the labeller). The
 * listener acknowledges a message with AA only after {@link #accept} returned for every report in it, so an
 * implementation must have made the report durable (committed) before it returns.
 */
@FunctionalInterface
public interface ReportSink {

    /**
     * Stores one report.
     *
     * @return what was stored (its id goes into the acknowledgement's text)
     * @throws ReportRejectedException the report is not acceptable as it is (answered AE with the reason; the sender
     *                                 should not send it again unchanged)
     * @throws Exception               anything else, e.g. the database is down (answered AR: the sender may retry later)
     */
    Stored accept(IncomingReport report) throws Exception;

    /**
     * @param reportId  the stored report's id
     * @param duplicate true when the same message was stored already (a re-send after a lost ACK)
     * @param note      e.g. "linked to study ..." or "not linked yet: ..."; may be null
     */
    record Stored(long reportId, boolean duplicate, String note) {
    }

    /** The sink refuses a report because of its content. */
    final class ReportRejectedException extends Exception {
        public ReportRejectedException(String reason) {
            super(reason);
        }

        public ReportRejectedException(String reason, Throwable cause) {
            super(reason, cause);
        }
    }
}
