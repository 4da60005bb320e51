package org.ichnode.ris.label;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The label of one radiology report.
 *
 * @param hemorrhage    POSITIVE when acute / subacute / persisting blood is affirmed, NEGATIVE when it is negated, never
 *                      mentioned, or only chronic / historical; UNCERTAIN when only hedged mentions decide
 * @param subtypes      compartments (with side) of the affirmed, non-chronic blood; empty unless POSITIVE; sorted by type
 * @param acute         true when non-chronic blood is present (equals {@code hemorrhage == POSITIVE})
 * @param chronic       true when the report body affirms chronic / old / historical blood (e.g. chronic SDH, old hemorrhage)
 * @param postoperative true when the report body describes postoperative changes (craniotomy, evacuation, burr hole ...)
 * @param evidence      the sentences (with their section) that decided the label; empty when nothing was mentioned
 */
public record ReportLabel(Hemorrhage hemorrhage, List<SubtypeFinding> subtypes, boolean acute, boolean chronic,
                          boolean postoperative, List<Evidence> evidence) {

    /** One hemorrhage compartment with its side. */
    public record SubtypeFinding(Subtype type, Side side) {
        public SubtypeFinding {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(side, "side");
        }
    }

    /** A sentence that decided the label and the report section it came from (IMPRESSION, FINDINGS, ADDENDUM ...). */
    public record Evidence(String section, String sentence) {
        public Evidence {
            Objects.requireNonNull(section, "section");
            Objects.requireNonNull(sentence, "sentence");
        }
    }

    public ReportLabel {
        Objects.requireNonNull(hemorrhage, "hemorrhage");
        List<SubtypeFinding> sorted = new ArrayList<>(subtypes == null ? List.of() : subtypes);
        sorted.sort(Comparator.comparing(SubtypeFinding::type));
        subtypes = List.copyOf(sorted);
        evidence = List.copyOf(evidence == null ? List.of() : evidence);
    }

    /** Whether the nightly retraining may use this report: POSITIVE and NEGATIVE yes, UNCERTAIN no (the default policy). */
    public boolean usableForTraining() {
        return usableForTraining(false);
    }

    /** As {@link #usableForTraining()}, but UNCERTAIN reports are usable when {@code includeUncertain} is set. */
    public boolean usableForTraining(boolean includeUncertain) {
        return hemorrhage != Hemorrhage.UNCERTAIN || includeUncertain;
    }

    /** The subtype set as compact codes ("SDH:L;SAH:U"), in type order; used by tests and logs. */
    public String subtypeCodes() {
        StringBuilder sb = new StringBuilder();
        for (SubtypeFinding f : subtypes) {
            if (sb.length() > 0) sb.append(';');
            sb.append(code(f.type())).append(':').append(f.side().name().charAt(0));
        }
        return sb.toString();
    }

    static String code(Subtype t) {
        return switch (t) {
            case EPIDURAL -> "EDH";
            case SUBDURAL -> "SDH";
            case SUBARACHNOID -> "SAH";
            case INTRAPARENCHYMAL -> "IPH";
            case INTRAVENTRICULAR -> "IVH";
        };
    }

    /**
     * JSON with a stable field order: hemorrhage, subtypes [{type, side}], acute, chronic, postoperative,
     * usableForTraining, evidence [{section, sentence}]. No whitespace, one line.
     */
    public String toJson() {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"hemorrhage\":\"").append(hemorrhage.name()).append("\",\"subtypes\":[");
        for (int i = 0; i < subtypes.size(); i++) {
            SubtypeFinding f = subtypes.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"type\":\"").append(f.type().name()).append("\",\"side\":\"").append(f.side().name()).append("\"}");
        }
        sb.append("],\"acute\":").append(acute)
          .append(",\"chronic\":").append(chronic)
          .append(",\"postoperative\":").append(postoperative)
          .append(",\"usableForTraining\":").append(usableForTraining())
          .append(",\"evidence\":[");
        for (int i = 0; i < evidence.size(); i++) {
            Evidence e = evidence.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"section\":");
            quote(sb, e.section());
            sb.append(",\"sentence\":");
            quote(sb, e.sentence());
            sb.append('}');
        }
        return sb.append("]}").toString();
    }

    static void quote(StringBuilder sb, String s) { org.ichnode.core.json.Json.quote(sb, s); }
}
