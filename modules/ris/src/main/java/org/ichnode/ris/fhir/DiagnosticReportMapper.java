package org.ichnode.ris.fhir;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.utilities.xhtml.NodeType;
import org.hl7.fhir.utilities.xhtml.XhtmlNode;
import org.ichnode.ris.hl7.IncomingReport;

/**
 * Turns one FHIR R4 DiagnosticReport into the {@link IncomingReport} the HL7 path hands to its sink, or says why it
 * cannot ({@link Unmappable}). Fields used (docs/ris.md):
 * <ul>
 *   <li>identity: {@code DiagnosticReport/<id>/_history/<meta.versionId>} as the message control id (a new version is
 *       a new report version, the same version pulled again is recognised as stored); the base URL as sender.</li>
 *   <li>text: the {@code presentedForm} attachments of type text/plain with inline data (in order), else
 *       {@code conclusion}, else the narrative ({@code text.div}) as plain text. Attachments by URL are not fetched.</li>
 *   <li>status: {@code status} as received; unknown or missing is refused.</li>
 *   <li>accession number: an identifier of type ACSN (v2-0203) on the report, else on a {@code basedOn} reference
 *       (its logical identifier or a contained ServiceRequest), else the logical identifier of the first
 *       {@code basedOn} ServiceRequest reference whatever its type (the order number, which radiology uses as accession).
 *       Literal references (ServiceRequest/123) are not read from the server.</li>
 *   <li>Study Instance UID: an {@code imagingStudy} reference's identifier (or a contained ImagingStudy's) with system
 *       {@code urn:dicom:uid}, else a report identifier with that system; the {@code urn:oid:} prefix is removed.</li>
 *   <li>patient ID: the {@code subject} reference's identifier, or a contained Patient's (type MR first); a literal
 *       reference alone gives none (the link is then made without the patient check, as the store notes).</li>
 *   <li>observation time: {@code effectiveDateTime} or {@code effectivePeriod.start}; result time: {@code issued}.</li>
 * </ul>
 */
public final class DiagnosticReportMapper {
    static final String DICOM_UID_SYSTEM = "urn:dicom:uid";
    static final String ACCESSION_TYPE = "ACSN";
    /** FHIR R4 DiagnosticReport.status values that are a report (all but "unknown"). */
    static final Set<String> REPORT_STATUSES = Set.of("registered", "partial", "preliminary", "final", "amended", "corrected",
            "appended", "cancelled", "entered-in-error");
    private static final Set<String> WITHDRAWN = Set.of("cancelled", "entered-in-error");
    /** Elements after which the narrative's plain text gets a line break. */
    private static final Set<String> BLOCKS = Set.of("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table");

    /** A resource that cannot be stored as a report; the reason names no patient data. */
    public static final class Unmappable extends Exception {
        public Unmappable(String reason) {
            super(reason);
        }
    }

    private final String sender;

    /** @param sender stored as the report's sender (the FHIR base URL) */
    public DiagnosticReportMapper(String sender) {
        this.sender = sender;
    }

    /** "DiagnosticReport/&lt;id&gt;/_history/&lt;version&gt;" (or without the version when the server gives none). */
    public static String versionKey(DiagnosticReport r) {
        String id = r.getIdElement().getIdPart();
        String version = r.getIdElement().hasVersionIdPart() ? r.getIdElement().getVersionIdPart()
                : r.getMeta().hasVersionId() ? r.getMeta().getVersionId() : null;
        if (version == null && r.getMeta().hasLastUpdated()) version = "@" + r.getMeta().getLastUpdated().toInstant();
        return "DiagnosticReport/" + id + (version == null ? "" : "/_history/" + version);
    }

    public IncomingReport map(DiagnosticReport r) throws Unmappable {
        if (!r.getIdElement().hasIdPart()) throw new Unmappable("no resource id");
        String status = r.hasStatus() ? r.getStatus().toCode() : null;
        if (status == null || !REPORT_STATUSES.contains(status)) {
            throw new Unmappable("status " + (status == null ? "missing" : "'" + status + "'") + " is not a report status");
        }
        String accession = accession(r);
        String studyUid = studyInstanceUid(r);
        if (accession == null && studyUid == null) {
            throw new Unmappable("no accession number or Study Instance UID (identifier of type ACSN, basedOn, imagingStudy, urn:dicom:uid)");
        }
        String text = text(r);
        if (text.isEmpty() && !WITHDRAWN.contains(status)) {
            throw new Unmappable("no report text (presentedForm text/plain data, conclusion or narrative)");
        }
        Instant observed = r.hasEffectiveDateTimeType() ? instant(r.getEffectiveDateTimeType().getValue())
                : r.hasEffectivePeriod() ? instant(r.getEffectivePeriod().getStart()) : null;
        Instant issued = instant(r.getIssued());
        return new IncomingReport(sender, versionKey(r), 1, accession, studyUid, patientId(r), status, observed, issued, text, null);
    }

    // ---- text

    static String text(DiagnosticReport r) {
        List<String> parts = new ArrayList<>();
        for (Attachment a : r.getPresentedForm()) {
            String type = a.hasContentType() ? a.getContentType().toLowerCase(Locale.ROOT) : "";
            if (!type.startsWith("text/plain") || !a.hasData()) continue;
            String t = new String(a.getData(), charset(type)).strip();
            if (!t.isEmpty()) parts.add(t);
        }
        if (!parts.isEmpty()) return String.join("\n", parts);
        if (r.hasConclusion() && !r.getConclusion().isBlank()) return r.getConclusion().strip();
        if (r.hasText() && r.getText().hasDiv()) {
            StringBuilder b = new StringBuilder();
            plainText(r.getText().getDiv(), b);
            return b.toString().replaceAll("[ \\t]+", " ").replaceAll(" *\\n[ \\n]*", "\n").strip();
        }
        return "";
    }

    private static Charset charset(String contentType) {
        int i = contentType.indexOf("charset=");
        if (i < 0) return StandardCharsets.UTF_8;
        String name = contentType.substring(i + 8).split("[;\\s]")[0].replace("\"", "");
        try {
            return Charset.forName(name);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    private static void plainText(XhtmlNode node, StringBuilder b) {
        if (node.getNodeType() == NodeType.Text) {
            if (node.getContent() != null) b.append(node.getContent());
            return;
        }
        if (node.getNodeType() != NodeType.Element && node.getNodeType() != NodeType.Document) return;
        for (XhtmlNode child : node.getChildNodes()) plainText(child, b);
        if (node.getName() != null && BLOCKS.contains(node.getName().toLowerCase(Locale.ROOT))) b.append('\n');
    }

    // ---- identifiers

    static String accession(DiagnosticReport r) {
        for (Identifier id : r.getIdentifier()) {
            if (isAccession(id)) return id.getValue().strip();
        }
        for (Reference ref : r.getBasedOn()) {
            if (isAccession(ref.getIdentifier())) return ref.getIdentifier().getValue().strip();
            if (contained(r, ref) instanceof ServiceRequest sr) {
                for (Identifier id : sr.getIdentifier()) {
                    if (isAccession(id)) return id.getValue().strip();
                }
            }
        }
        for (Reference ref : r.getBasedOn()) {
            boolean serviceRequest = !ref.hasType() || "ServiceRequest".equals(ref.getType());
            if (serviceRequest && ref.hasIdentifier() && hasValue(ref.getIdentifier())) return ref.getIdentifier().getValue().strip();
        }
        return null;
    }

    private static boolean isAccession(Identifier id) {
        return hasValue(id) && id.getType().getCoding().stream().anyMatch(c -> ACCESSION_TYPE.equals(c.getCode()));
    }

    static String studyInstanceUid(DiagnosticReport r) {
        for (Reference ref : r.getImagingStudy()) {
            if (isDicomUid(ref.getIdentifier())) return uid(ref.getIdentifier());
            if (contained(r, ref) instanceof ImagingStudy study) {
                for (Identifier id : study.getIdentifier()) {
                    if (isDicomUid(id)) return uid(id);
                }
            }
        }
        for (Identifier id : r.getIdentifier()) {
            if (isDicomUid(id)) return uid(id);
        }
        return null;
    }

    private static boolean isDicomUid(Identifier id) {
        return hasValue(id) && DICOM_UID_SYSTEM.equals(id.getSystem());
    }

    private static String uid(Identifier id) {
        String v = id.getValue().strip();
        return v.startsWith("urn:oid:") ? v.substring(8) : v;
    }

    static String patientId(DiagnosticReport r) {
        Reference subject = r.getSubject();
        if (hasValue(subject.getIdentifier())) return subject.getIdentifier().getValue().strip();
        if (contained(r, subject) instanceof Patient p) {
            String first = null;
            for (Identifier id : p.getIdentifier()) {
                if (!hasValue(id)) continue;
                if (id.getType().getCoding().stream().anyMatch(c -> "MR".equals(c.getCode()))) return id.getValue().strip();
                if (first == null) first = id.getValue().strip();
            }
            return first;
        }
        return null;
    }

    /** The contained resource a reference "#id" points to (the parser links it; built in code it may not be). */
    private static Resource contained(DiagnosticReport r, Reference ref) {
        if (ref.getResource() instanceof Resource res) return res;
        String target = ref.getReference();
        if (target == null || !target.startsWith("#")) return null;
        for (Resource c : r.getContained()) {
            String id = c.getIdElement().getIdPart();
            if (id != null && (id.equals(target.substring(1)) || id.equals(target))) return c;
        }
        return null;
    }

    private static boolean hasValue(Identifier id) {
        return id != null && id.hasValue() && !id.getValue().isBlank();
    }

    private static Instant instant(java.util.Date d) {
        return d == null ? null : d.toInstant();
    }
}
