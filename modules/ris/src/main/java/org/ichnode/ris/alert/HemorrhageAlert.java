package org.ichnode.ris.alert;

import java.time.Instant;
import java.util.Objects;

/**
 * What an alert says about one positive call: which study (the RIS matches on the accession number, the PACS on the
 * study UID), the call, its probability and operating point, the volume and lesion count, the model, and a link to
 * the result page where one is configured. Patient ID travels only in the HL7 message to the RIS, which needs it to
 * file the result; it is never logged.
 */
public record HemorrhageAlert(long resultId, String studyInstanceUid, String accessionNumber, String patientId,
                              String seriesInstanceUid, String call, double probability, double operatingPoint,
                              double volumeMl, int lesions, String algorithm, Instant resultAt, String resultUrl) {
    public HemorrhageAlert {
        Objects.requireNonNull(studyInstanceUid, "studyInstanceUid");
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(resultAt, "resultAt");
        if (!(probability >= 0 && probability <= 1)) throw new IllegalArgumentException("probability outside 0..1");
    }

    /** One line a person reads on a pager or a worklist. */
    public String text() {
        return String.format(java.util.Locale.ROOT, "%s: %.1f mL in %d lesion(s), probability %.0f %% (operating point %.0f %%)."
                        + " AI result, not for primary diagnosis.", call, volumeMl, lesions, probability * 100, operatingPoint * 100);
    }
}
