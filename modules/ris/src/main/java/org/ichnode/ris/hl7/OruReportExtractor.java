package org.ichnode.ris.hl7;

import ca.uhn.hl7v2.AcknowledgmentCode;
import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.DataTypeException;
import ca.uhn.hl7v2.model.Group;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.Structure;
import ca.uhn.hl7v2.model.Type;
import ca.uhn.hl7v2.model.Varies;
import ca.uhn.hl7v2.model.Primitive;
import ca.uhn.hl7v2.model.v25.datatype.CX;
import ca.uhn.hl7v2.model.v25.datatype.TS;
import ca.uhn.hl7v2.model.v25.segment.MSH;
import ca.uhn.hl7v2.model.v25.segment.NTE;
import ca.uhn.hl7v2.model.v25.segment.OBR;
import ca.uhn.hl7v2.model.v25.segment.OBX;
import ca.uhn.hl7v2.model.v25.segment.ORC;
import ca.uhn.hl7v2.model.v25.segment.PID;
import ca.uhn.hl7v2.util.Terser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Takes the reports out of an ORU^R01 message parsed into HAPI's v2.5 structures (messages of v2.3 to v2.5.1 are
 * parsed into them by the listener's CanonicalModelClassFactory), and checks what the store needs. Each OBR order
 * group is one report. Walks the message in order, so ORC, OBX, NTE and Z segments belong to the OBR they follow.
 */
final class OruReportExtractor {

    /** OBR-25 values (HL7 table 0123) that carry a report; Y and Z ("no order / no patient on record") do not. */
    static final Set<String> REPORT_STATUSES = Set.of("F", "C", "P", "R", "A", "I", "S", "O", "X");
    private static final Set<String> TEXT_TYPES = Set.of("TX", "FT", "ST");
    /** DICOM code for "Study Instance UID" (DCM 110180) and IHE's "DICOM Study" (DCM 113014) in OBX-3. */
    private static final Set<String> STUDY_UID_CODES = Set.of("110180", "113014");

    /** A message the listener must refuse: AE (content) or AR (type), with the HL7 error code and the reason. */
    static final class Refusal extends Exception {
        final AcknowledgmentCode ack;
        final ErrorCode code;

        Refusal(AcknowledgmentCode ack, ErrorCode code, String reason) {
            super(reason);
            this.ack = ack;
            this.code = code;
        }

        HL7Exception toHl7Exception() {
            return new HL7Exception(getMessage(), code);
        }
    }

    private final List<String> accessionFields;

    /** @param accessionFields where the accession number is looked for, in order: any of OBR-18, OBR-3, OBR-2, ORC-3, ORC-2, OBR-19 */
    OruReportExtractor(List<String> accessionFields) {
        for (String f : accessionFields) {
            if (!Set.of("OBR-18", "OBR-3", "OBR-2", "OBR-19", "ORC-3", "ORC-2").contains(f)) {
                throw new IllegalArgumentException("unsupported accession number field " + f);
            }
        }
        this.accessionFields = List.copyOf(accessionFields);
    }

    private static final class Part {
        ORC orc;
        OBR obr;
        String studyUid;
        final List<String> lines = new ArrayList<>();
    }

    private static final class Walk {
        String patientId;
        ORC pendingOrc;
        final List<Part> parts = new ArrayList<>();

        Part current() {
            return parts.isEmpty() ? null : parts.get(parts.size() - 1);
        }
    }

    List<IncomingReport> extract(Message message) throws Refusal, HL7Exception {
        MSH msh = (MSH) message.get("MSH");
        String type = msh.getMsh9_MessageType().getMsg1_MessageCode().getValue();
        String trigger = msh.getMsh9_MessageType().getMsg2_TriggerEvent().getValue();
        if (!"ORU".equals(type)) {
            throw new Refusal(AcknowledgmentCode.AR, ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
                    "unsupported message type " + type + "^" + trigger + " (only ORU^R01 is accepted)");
        }
        if (!"R01".equals(trigger)) {
            throw new Refusal(AcknowledgmentCode.AR, ErrorCode.UNSUPPORTED_EVENT_CODE,
                    "unsupported trigger event ORU^" + trigger + " (only ORU^R01 is accepted)");
        }
        String controlId = trim(msh.getMsh10_MessageControlID().getValue());
        if (controlId == null) throw missing("MSH-10 (message control ID) is missing");
        String sender = join(msh.getMsh3_SendingApplication().getNamespaceID().getValue(),
                msh.getMsh4_SendingFacility().getNamespaceID().getValue());
        String version = trim(msh.getMsh12_VersionID().getVersionID().getValue());

        Walk w = new Walk();
        walk(message, w);
        if (w.parts.isEmpty()) throw new Refusal(AcknowledgmentCode.AE, ErrorCode.SEGMENT_SEQUENCE_ERROR, "no OBR segment: the message carries no report");
        if (w.patientId == null) throw missing("PID-3 (patient ID) is missing");

        List<IncomingReport> out = new ArrayList<>();
        for (int i = 0; i < w.parts.size(); i++) {
            Part p = w.parts.get(i);
            String where = w.parts.size() > 1 ? " (OBR " + (i + 1) + ")" : "";
            String status = trim(p.obr.getObr25_ResultStatus().getValue());
            if (status == null) throw missing("OBR-25 (result status) is missing" + where);
            status = status.toUpperCase(Locale.ROOT);
            if (!REPORT_STATUSES.contains(status)) {
                throw new Refusal(AcknowledgmentCode.AE, ErrorCode.TABLE_VALUE_NOT_FOUND,
                        "OBR-25 result status '" + status + "' is not a report status (expected F, C, P, X ...)" + where);
            }
            String accession = accession(p);
            if (accession == null && p.studyUid == null) {
                throw missing("no accession number or Study Instance UID" + where + " (looked in " + String.join(", ", accessionFields)
                        + ", ZDS-1 and OBX)");
            }
            String text = String.join("\n", p.lines).strip();
            if (text.isEmpty() && !"X".equals(status)) throw missing("no report text (OBX-5 of type TX/FT/ST, or NTE-3)" + where);
            Instant observed = time(p.obr.getObr7_ObservationDateTime(), "OBR-7" + where);
            Instant result = time(p.obr.getObr22_ResultsRptStatusChngDateTime(), "OBR-22" + where);
            out.add(new IncomingReport(sender, controlId, i + 1, accession, p.studyUid, w.patientId, status, observed, result, text, version));
        }
        return out;
    }

    private static Refusal missing(String reason) {
        return new Refusal(AcknowledgmentCode.AE, ErrorCode.REQUIRED_FIELD_MISSING, reason);
    }

    private void walk(Group g, Walk w) throws HL7Exception {
        for (String name : g.getNames()) {
            for (Structure s : g.getAll(name)) {
                if (s instanceof Group child) {
                    walk(child, w);
                } else if (s instanceof Segment seg && !seg.isEmpty()) {
                    visit(seg, w);
                }
            }
        }
    }

    private void visit(Segment seg, Walk w) throws HL7Exception {
        Part part = w.current();
        switch (seg.getName()) {
            case "PID" -> {
                if (w.patientId == null) w.patientId = patientId((PID) seg);
            }
            case "ORC" -> w.pendingOrc = (ORC) seg;
            case "OBR" -> {
                Part p = new Part();
                p.obr = (OBR) seg;
                p.orc = w.pendingOrc;
                w.pendingOrc = null;
                w.parts.add(p);
            }
            case "OBX" -> {
                if (part != null) observation((OBX) seg, part);
            }
            case "NTE" -> {
                if (part != null) {
                    for (var ft : ((NTE) seg).getNte3_Comment()) addLines(part, ft.getValue());
                }
            }
            case "ZDS" -> {
                if (part != null && part.studyUid == null) part.studyUid = trim(Terser.get(seg, 1, 0, 1, 1));
            }
            default -> { }
        }
    }

    private static void observation(OBX obx, Part part) throws HL7Exception {
        String valueType = trim(obx.getObx2_ValueType().getValue());
        String code = trim(obx.getObx3_ObservationIdentifier().getIdentifier().getValue());
        String codeText = trim(obx.getObx3_ObservationIdentifier().getText().getValue());
        boolean studyUid = (code != null && STUDY_UID_CODES.contains(code))
                || (codeText != null && codeText.toLowerCase(Locale.ROOT).contains("study instance uid"));
        if (studyUid) {
            if (part.studyUid == null && obx.getObx5_ObservationValue().length > 0) {
                part.studyUid = trim(Terser.get(obx, 5, 0, 1, 1));
            }
            return;
        }
        if (valueType == null || !TEXT_TYPES.contains(valueType.toUpperCase(Locale.ROOT))) return;
        for (Varies v : obx.getObx5_ObservationValue()) {
            Type data = v.getData();
            String value = data instanceof Primitive prim ? prim.getValue() : Terser.get(obx, 5, 0, 1, 1);
            addLines(part, value);
        }
    }

    /** FT may carry the formatting command \.br\ for a line break; the parser leaves it in the value. */
    private static void addLines(Part part, String value) {
        if (value == null) return;
        part.lines.add(value.replace("\\.br\\", "\n").replace("\\.BR\\", "\n"));
    }

    private String accession(Part p) {
        for (String f : accessionFields) {
            String v = switch (f) {
                case "OBR-18" -> p.obr.getObr18_PlacerField1().getValue();
                case "OBR-19" -> p.obr.getObr19_PlacerField2().getValue();
                case "OBR-3" -> p.obr.getObr3_FillerOrderNumber().getEntityIdentifier().getValue();
                case "OBR-2" -> p.obr.getObr2_PlacerOrderNumber().getEntityIdentifier().getValue();
                case "ORC-3" -> p.orc == null ? null : p.orc.getOrc3_FillerOrderNumber().getEntityIdentifier().getValue();
                case "ORC-2" -> p.orc == null ? null : p.orc.getOrc2_PlacerOrderNumber().getEntityIdentifier().getValue();
                default -> null;
            };
            v = trim(v);
            if (v != null) return v;
        }
        return null;
    }

    private static String patientId(PID pid) {
        String first = null;
        for (CX cx : pid.getPid3_PatientIdentifierList()) {
            String id = trim(cx.getIDNumber().getValue());
            if (id == null) continue;
            if ("MR".equalsIgnoreCase(trim(cx.getIdentifierTypeCode().getValue()))) return id;
            if (first == null) first = id;
        }
        return first;
    }

    private static Instant time(TS ts, String field) throws Refusal {
        String raw = trim(ts.getTime().getValue());
        if (raw == null) return null;
        try {
            return ts.getTime().getValueAsDate().toInstant();
        } catch (DataTypeException | RuntimeException e) {
            throw new Refusal(AcknowledgmentCode.AE, ErrorCode.DATA_TYPE_ERROR, field + " '" + raw + "' is not a valid HL7 date/time");
        }
    }

    private static String join(String app, String facility) {
        app = trim(app);
        facility = trim(facility);
        if (app == null && facility == null) return "";
        return (app == null ? "" : app) + "^" + (facility == null ? "" : facility);
    }

    static String trim(String s) {
        if (s == null) return null;
        s = s.strip();
        return s.isEmpty() ? null : s;
    }
}
