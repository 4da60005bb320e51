package org.ichnode.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ichnode.node.config.Keys;
import org.ichnode.node.config.Settings;
import org.ichnode.ris.alert.HemorrhageAlert;
import org.ichnode.ris.alert.OruAlertMessage;
import org.ichnode.store.AlertRequest;
import org.ichnode.store.StoreQueries;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Which alerts a result raises and what they say. Only a positive call alerts (negatives are quiet; their result
 * and SR are recorded as always). The messages are rendered from the recorded result summary, so the first attempt
 * and a job run again after a crash raise the same alerts.
 */
final class AlertPlanner {
    private final String hl7Destination;
    private final String receivingApplication;
    private final String receivingFacility;
    private final String webhookUrl;
    private final String publicUrl;
    private final String sendingApplication;
    private final int maxAttempts;

    AlertPlanner(Settings settings) {
        this.hl7Destination = settings.get(Keys.ALERT_HL7_DESTINATION);
        this.receivingApplication = settings.get(Keys.ALERT_HL7_RECEIVING_APPLICATION);
        this.receivingFacility = settings.get(Keys.ALERT_HL7_RECEIVING_FACILITY);
        this.webhookUrl = settings.get(Keys.ALERT_WEBHOOK_URL);
        this.publicUrl = settings.get(Keys.HTTP_PUBLIC_URL).replaceAll("/+$", "");
        this.sendingApplication = settings.get(Keys.DICOM_AET);
        this.maxAttempts = settings.getInt(Keys.ALERT_MAX_ATTEMPTS);
    }

    boolean anyConfigured() { return !hl7Destination.isEmpty() || !webhookUrl.isEmpty(); }

    /** The alerts of a positive result (none for a negative one or when no channel is configured). */
    List<AlertRequest> plan(long resultId, ResultSummary s, StoreQueries.SeriesIdentity id, Instant resultAt) throws IOException {
        if (!anyConfigured() || s == null || !s.positive()) return List.of();
        HemorrhageAlert a = new HemorrhageAlert(resultId, id.studyInstanceUid(), id.accessionNumber(), id.patientId(),
                id.seriesInstanceUid(), s.call(), s.probability(), s.operatingPoint(), s.volumeMl(), s.lesions(), s.algorithm(), resultAt,
                publicUrl.isEmpty() ? null : publicUrl + "/results/" + resultId);
        List<AlertRequest> out = new ArrayList<>();
        if (!hl7Destination.isEmpty()) {
            out.add(new AlertRequest(AlertRequest.HL7, hl7Destination,
                    OruAlertMessage.render(a, sendingApplication, receivingApplication, receivingFacility, "ICH" + resultId), maxAttempts));
        }
        if (!webhookUrl.isEmpty()) out.add(new AlertRequest(AlertRequest.WEBHOOK, webhookUrl, webhookJson(a), maxAttempts));
        return out;
    }

    /** The webhook's body: no patient ID (webhooks often end in chat tools); the accession number finds the study. */
    static String webhookJson(HemorrhageAlert a) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("event", "ich.suspected_hemorrhage");
        n.put("resultId", a.resultId());
        n.put("studyInstanceUid", a.studyInstanceUid());
        n.put("seriesInstanceUid", a.seriesInstanceUid());
        n.put("accessionNumber", a.accessionNumber());
        n.put("call", a.call());
        n.put("probability", a.probability());
        n.put("operatingPoint", a.operatingPoint());
        n.put("volumeMl", a.volumeMl());
        n.put("lesions", a.lesions());
        n.put("algorithm", a.algorithm());
        n.put("resultAt", a.resultAt().toString());
        n.put("resultUrl", a.resultUrl());
        n.put("text", a.text());
        return n.toString();
    }
}
