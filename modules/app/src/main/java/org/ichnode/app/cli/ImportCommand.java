package org.ichnode.app.cli;

import org.ichnode.training.data.*;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.ichnode.core.volume.Volume;
import org.ichnode.dicom.UidGenerator;
import org.ichnode.dicom.write.CtSeriesWriter;
import org.ichnode.training.LabelledStudy;

/**
 * {@code ./ichnode import --data SET --to-dicom DIR}: any data set the model commands read (the CT-ICH folder as
 * published, a NIfTI set, an imported folder) written as DICOM CT series, one study at a time, in the layout of
 * {@link FolderDataset}: so a real case can be sent to a running node with storescu, and the written folder is itself a
 * data set for {@code train}, {@code evaluate} and the experiments.
 * <pre>
 * DIR/&lt;id&gt;/dicom/*.dcm              CT Image Storage, one file per slice
 * DIR/&lt;id&gt;/truth-mask.raw          where the set has masks: uint8 0/1 in volume order
 * DIR/&lt;id&gt;/masked-slices.txt       where masks cover some slices only: their indices, one per line
 * DIR/labels-study.csv, labels-slice.csv
 * </pre>
 * Patient name and ID are the study id of the set (public sets are de-identified); the study date is fixed
 * (20000101), so the same set gives the same files. HU outside -1024..3071 are clamped (12 bits stored).
 */
public final class ImportCommand {

    public int run(Args args) throws Exception {
        DatasetOption data = args.dataset(null, 0, 1_000_000);
        String to = args.option("--to-dicom", null);
        args.requireNoneLeft();
        if (data.data() == null || to == null) throw new IllegalArgumentException("import needs --data SET and --to-dicom DIR");
        if (data.isPhantom()) throw new IllegalArgumentException("phantoms are written by './ichnode phantom --out DIR'");
        Path out = Path.of(to);
        Files.createDirectories(out);
        DatasetOption.Streamed streamed = data.stream(false);
        StringBuilder studyCsv = new StringBuilder("study_instance_uid,study_id,hemorrhage\n");
        StringBuilder sliceCsv = new StringBuilder("study_instance_uid,sop_instance_uid,slice_index,hemorrhage\n");
        int done = 0;
        for (LabelledStudy s : streamed.studies()) {
            Written w = writeStudy(s, data.data(), out);
            String id = w.id(), studyUid = w.studyInstanceUid();
            Volume v = w.volume();
            studyCsv.append(studyUid).append(',').append(id).append(',').append(s.positive() ? 1 : 0).append('\n');
            if (s.sliceLabels() != null) {
                for (int k = 0; k < v.slices(); k++) {
                    sliceCsv.append(studyUid).append(',').append(v.sourceInstanceUids().get(k)).append(',').append(k).append(',')
                            .append(s.sliceLabels()[k] ? 1 : 0).append('\n');
                }
            }
            done++;
            System.err.printf(Locale.ROOT, "ichnode: imported %d/%d (%s, %d slices, %s)%n", done, streamed.count(), id, v.slices(),
                    s.positive() ? "hemorrhage" : "normal");
        }
        Files.writeString(out.resolve("labels-study.csv"), studyCsv, StandardCharsets.US_ASCII);
        Files.writeString(out.resolve("labels-slice.csv"), sliceCsv, StandardCharsets.US_ASCII);
        System.out.println("imported " + done + " studies from " + data.describe() + " as DICOM into " + out);
        return 0;
    }

    /** What {@link #writeStudy} wrote: the folder name, UIDs, the volume with its DICOM UIDs and the files in slice order. */
    record Written(String id, String studyInstanceUid, String seriesInstanceUid, Volume volume, List<Path> files) {}

    /**
     * One study as DICOM into {@code out/<id>/dicom}, its mask (and masked-slice list) beside it. UIDs are derived from
     * {@code setName} and the study id, so the same study gives the same UIDs.
     */
    static Written writeStudy(LabelledStudy s, String setName, Path out) throws java.io.IOException {
        String id = safe(s.id());
        Path dir = out.resolve(id);
        String studyUid = UidGenerator.fromName("ich-node import study " + setName + " " + s.id());
        String seriesUid = UidGenerator.fromName("ich-node import series " + setName + " " + s.id());
        Volume v = withDicomUids(s.volume(), setName + " " + s.id());
        List<Path> files = CtSeriesWriter.write(series(id, studyUid, seriesUid, v), v, dir.resolve("dicom"));
        if (s.trueMask() != null) {
            try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(dir.resolve("truth-mask.raw")), 1 << 16)) {
                o.write(s.trueMask());
            }
            if (!s.fullyMasked()) {
                StringBuilder m = new StringBuilder();
                for (int k = 0; k < v.slices(); k++) if (s.masked(k)) m.append(k).append('\n');
                Files.writeString(dir.resolve("masked-slices.txt"), m, StandardCharsets.US_ASCII);
            }
        }
        return new Written(id, studyUid, seriesUid, v, files);
    }

    /** The volume with valid DICOM UIDs (readers such as CT-ICH's name slices in plain words). */
    static Volume withDicomUids(Volume v, String name) {
        List<String> uids = new java.util.ArrayList<>(v.slices());
        for (int k = 0; k < v.slices(); k++) {
            String u = v.sourceInstanceUids().get(k);
            uids.add(isUid(u) ? u : UidGenerator.fromName("ich-node import instance " + name + " " + u));
        }
        String frame = isUid(v.frameOfReferenceUid()) ? v.frameOfReferenceUid() : UidGenerator.fromName("ich-node import frame " + name);
        return new Volume(v.columns(), v.rows(), v.hu(), v.sliceGeometry(), uids, frame);
    }

    static boolean isUid(String s) {
        return s != null && s.length() <= 64 && s.matches("[0-9]+(\\.[0-9]+)*") && !s.matches(".*\\.0[0-9].*") && !s.startsWith("0");
    }

    private static CtSeriesWriter.Series series(String id, String studyUid, String seriesUid, Volume v) {
        double thickness = v.slices() > 1 ? Math.abs(v.positionAlongNormal(1) - v.positionAlongNormal(0)) : 5.0;
        String name = id.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "");
        return new CtSeriesWriter.Series("IMPORTED^" + (name.isEmpty() ? "ANONYMOUS" : name), id, "", "", true, studyUid, seriesUid, id.length() <= 16 ? id : id.substring(0, 16), "",
                "20000101", "000000", "CT HEAD (IMPORTED)", "Imported by ich-node", "unknown", "", "", "", "ich-node import",
                thickness > 0 ? thickness : 5.0, 0,
                List.<String[]>of(new String[] {"DeidentificationMethod", "de-identified by the publisher of the data set"}));
    }

    /** A study id as a folder name. */
    private static String safe(String id) {
        String s = id.replaceAll("[^A-Za-z0-9._-]", "_");
        if (s.isEmpty() || s.startsWith(".")) s = "study" + s;
        return s;
    }
}
