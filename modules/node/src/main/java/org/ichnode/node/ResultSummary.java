package org.ichnode.node;

import com.fasterxml.jackson.databind.JsonNode;
import org.ichnode.core.segmentation.Segmentation;

import java.io.IOException;
import java.util.Locale;

/**
 * The call and numbers of a recorded result, read from its summary JSON (written by the series pipeline): what the
 * dashboard shows and the alerts say.
 */
record ResultSummary(boolean positive, String call, double probability, double operatingPoint, double volumeMl, int lesions,
                     String algorithm, JsonNode findings) {

    /** Null for a missing or unreadable summary, or one without a segmentation (a refused series). */
    static ResultSummary of(String json) {
        if (json == null) return null;
        try {
            JsonNode seg = Json.MAPPER.readTree(json).path("segmentation");
            if (seg.isMissingNode()) return null;
            boolean positive = seg.path("hemorrhage").asBoolean();
            return new ResultSummary(positive, positive ? Segmentation.SUSPECTED : Segmentation.NOT_DETECTED,
                    seg.path("studyProbability").asDouble(), seg.path("operatingPoint").asDouble(), seg.path("totalVolumeMl").asDouble(),
                    seg.path("findings").size(), seg.path("algorithm").asText() + " " + seg.path("version").asText(), seg.path("findings"));
        } catch (IOException e) {
            return null;
        }
    }

    String probabilityText() {
        return fmt(probability * 100, 0) + " %" + (operatingPoint > 0 ? " (operating point " + fmt(operatingPoint * 100, 0) + " %)" : "");
    }

    String volumeText() { return fmt(volumeMl, 1) + " mL"; }

    static String fmt(double v, int decimals) { return String.format(Locale.ROOT, "%." + decimals + "f", v); }
}
