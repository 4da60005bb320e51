package org.ichnode.testkit.phantom;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.json.Json;
import org.ichnode.testkit.phantom.Confounder;
import org.ichnode.testkit.phantom.Lesion;
import org.ichnode.testkit.phantom.PhantomGenerator;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomStudy;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;

/**
 * Writes phantom studies with their ground truth:
 * <pre>
 * DIR/&lt;studyId&gt;/dicom/*.dcm      one CT Image Storage file per slice, names hashed (not in slice order)
 * DIR/&lt;studyId&gt;/truth-mask.raw   uint8 0/1, slice-major (slice, row, column), slices in Volume order (along the normal)
 * DIR/&lt;studyId&gt;/truth.json       geometry, lesions, per-slice SOP Instance UID / file / label, study label
 * DIR/labels-study.csv              study_instance_uid,study_id,hemorrhage
 * DIR/labels-slice.csv              study_instance_uid,sop_instance_uid,slice_index,hemorrhage
 * </pre>
 * Studies are numbered 1..K ("PH0001"...). Same (seed, K, options) gives byte-identical output.
 */
public final class PhantomExporter {

    /** What was written for one study. */
    public record ExportedStudy(String studyId, String studyInstanceUid, boolean hemorrhage, int slices, Path directory) {}

    private PhantomExporter() {}

    public static List<ExportedStudy> export(Path outDir, long seed, int studies, PhantomOptions opts) throws IOException {
        if (studies < 1) throw new IllegalArgumentException("studies must be >= 1, got " + studies);
        Files.createDirectories(outDir);
        PhantomGenerator gen = new PhantomGenerator(opts);
        StringBuilder studyCsv = new StringBuilder("study_instance_uid,study_id,hemorrhage\n");
        StringBuilder sliceCsv = new StringBuilder("study_instance_uid,sop_instance_uid,slice_index,hemorrhage\n");
        List<ExportedStudy> out = new ArrayList<>();
        for (int i = 1; i <= studies; i++) {
            PhantomStudy s = gen.generate(seed, i);
            Path dir = outDir.resolve(s.studyId());
            writeStudy(s, dir);
            studyCsv.append(s.studyInstanceUid()).append(',').append(s.studyId()).append(',').append(s.hemorrhage() ? 1 : 0).append('\n');
            for (int k = 0; k < s.volume().slices(); k++) {
                sliceCsv.append(s.studyInstanceUid()).append(',').append(s.volume().sourceInstanceUids().get(k)).append(',')
                        .append(k).append(',').append(s.sliceLabel(k) ? 1 : 0).append('\n');
            }
            out.add(new ExportedStudy(s.studyId(), s.studyInstanceUid(), s.hemorrhage(), s.volume().slices(), dir));
        }
        Files.writeString(outDir.resolve("labels-study.csv"), studyCsv, StandardCharsets.US_ASCII);
        Files.writeString(outDir.resolve("labels-slice.csv"), sliceCsv, StandardCharsets.US_ASCII);
        return out;
    }

    /** Writes one study's DICOM files, mask and truth.json into {@code dir}. */
    public static void writeStudy(PhantomStudy s, Path dir) throws IOException {
        Files.createDirectories(dir);
        PhantomDicomWriter.writeSeries(s, dir.resolve("dicom"));
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(dir.resolve("truth-mask.raw")), 1 << 16)) {
            o.write(s.mask());
        }
        Files.writeString(dir.resolve("truth.json"), truthJson(s), StandardCharsets.UTF_8);
    }

    /** The truth.json document (hand-written JSON, stable key order, fixed number formatting). */
    public static String truthJson(PhantomStudy s) {
        Volume v = s.volume();
        StringBuilder b = new StringBuilder(4096 + v.slices() * 300);
        b.append("{\n");
        field(b, 1, "format", str("ich-node-phantom-truth/1")).append(",\n");
        field(b, 1, "studyId", str(s.studyId())).append(",\n");
        field(b, 1, "seed", Long.toString(s.seed())).append(",\n");
        field(b, 1, "studyIndex", Integer.toString(s.studyIndex())).append(",\n");
        field(b, 1, "patientName", str(s.patientName())).append(",\n");
        field(b, 1, "patientId", str(s.patientId())).append(",\n");
        field(b, 1, "studyInstanceUid", str(s.studyInstanceUid())).append(",\n");
        field(b, 1, "seriesInstanceUid", str(s.seriesInstanceUid())).append(",\n");
        field(b, 1, "frameOfReferenceUid", str(v.frameOfReferenceUid())).append(",\n");
        field(b, 1, "hemorrhage", Boolean.toString(s.hemorrhage())).append(",\n");
        field(b, 1, "dims", "{\"columns\": " + v.columns() + ", \"rows\": " + v.rows() + ", \"slices\": " + v.slices() + "}").append(",\n");
        field(b, 1, "pixelSpacingMm", "[" + num(v.slice(0).rowSpacingMm()) + ", " + num(v.slice(0).columnSpacingMm()) + "]").append(",\n");
        field(b, 1, "sliceThicknessMm", num(s.sliceThicknessMm())).append(",\n");
        field(b, 1, "tableIncrementMm", num(s.tableIncrementMm())).append(",\n");
        field(b, 1, "spacingAlongNormalMm", num(s.spacingAlongNormalMm())).append(",\n");
        field(b, 1, "gantryTiltDeg", num(s.gantryTiltDegrees())).append(",\n");
        field(b, 1, "noiseSigmaHu", num(s.noiseSigmaHu())).append(",\n");
        SliceGeometry g0 = v.slice(0);
        field(b, 1, "imageOrientationPatient", "[" + vec(g0.rowDirection()) + ", " + vec(g0.columnDirection()) + "]").append(",\n");
        field(b, 1, "normal", "[" + vec(g0.normal()) + "]").append(",\n");
        field(b, 1, "mask", "{\"file\": \"truth-mask.raw\", \"dtype\": \"uint8\", \"order\": \"slice,row,column\", "
                + "\"sliceOrder\": \"as slices[] below (ascending along the normal)\", \"voxels\": " + s.maskVoxelCount() + "}").append(",\n");
        field(b, 1, "hemorrhageVolumeMl", num(s.maskVoxelCount() * s.voxelVolumeMl())).append(",\n");
        indent(b, 1).append("\"lesions\": [");
        List<Lesion> ls = s.lesions();
        for (int i = 0; i < ls.size(); i++) {
            Lesion l = ls.get(i);
            b.append(i == 0 ? "\n" : ",\n");
            indent(b, 2).append("{\"id\": ").append(l.id())
                    .append(", \"type\": ").append(str(l.type().name()))
                    .append(", \"centreMm\": [").append(vec(l.centre())).append(']')
                    .append(", \"nominalHu\": ").append(num(l.nominalHu()))
                    .append(", \"sizeMm\": ").append(num(l.sizeMm()))
                    .append(", \"voxelCount\": ").append(l.voxelCount())
                    .append(", \"volumeMl\": ").append(num(l.volumeMl()))
                    .append(", \"firstSlice\": ").append(l.firstSlice())
                    .append(", \"lastSlice\": ").append(l.lastSlice()).append('}');
        }
        b.append(ls.isEmpty() ? "],\n" : "\n  ],\n");
        indent(b, 1).append("\"confounders\": [");
        List<Confounder> cs = s.confounders();
        for (int i = 0; i < cs.size(); i++) {
            Confounder c = cs.get(i);
            b.append(i == 0 ? "\n" : ",\n");
            indent(b, 2).append("{\"kind\": ").append(str(c.kind()))
                    .append(", \"centreMm\": [").append(vec(c.centre())).append(']')
                    .append(", \"radiusMm\": ").append(num(c.radiusMm()))
                    .append(", \"hu\": ").append(num(c.hu())).append('}');
        }
        b.append(cs.isEmpty() ? "],\n" : "\n  ],\n");
        indent(b, 1).append("\"slices\": [");
        for (int k = 0; k < v.slices(); k++) {
            String uid = v.sourceInstanceUids().get(k);
            b.append(k == 0 ? "\n" : ",\n");
            indent(b, 2).append("{\"index\": ").append(k)
                    .append(", \"sopInstanceUid\": ").append(str(uid))
                    .append(", \"file\": ").append(str("dicom/" + PhantomDicomWriter.fileName(uid)))
                    .append(", \"imagePositionPatient\": [").append(vec(v.slice(k).position())).append(']')
                    .append(", \"hemorrhage\": ").append(s.sliceLabel(k))
                    .append(", \"maskVoxels\": ").append(s.maskVoxelCount(k)).append('}');
        }
        b.append("\n  ]\n}\n");
        return b.toString();
    }

    private static StringBuilder indent(StringBuilder b, int level) {
        for (int i = 0; i < level; i++) b.append("  ");
        return b;
    }

    private static StringBuilder field(StringBuilder b, int level, String name, String rawValue) {
        return indent(b, level).append(str(name)).append(": ").append(rawValue);
    }

    private static String vec(Vec3 p) { return num(p.x()) + ", " + num(p.y()) + ", " + num(p.z()); }

    /** JSON number: the value rounded to 6 decimals, plain notation, no trailing zeros. */
    static String num(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) throw new IllegalArgumentException("not a JSON number: " + d);
        BigDecimal b = BigDecimal.valueOf(d).setScale(6, java.math.RoundingMode.HALF_EVEN).stripTrailingZeros();
        if (b.signum() == 0) return "0";
        return b.toPlainString();
    }

    /** JSON string literal (the escaping of {@link Json#quote}). */
    static String str(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        Json.quote(b, s);
        return b.toString();
    }
}
