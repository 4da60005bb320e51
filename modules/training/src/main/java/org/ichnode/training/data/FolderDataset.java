package org.ichnode.training.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.ichnode.core.volume.AssemblyResult;
import org.ichnode.core.volume.Volume;
import org.ichnode.dicom.read.SeriesVolumeLoader;
import org.ichnode.training.LabelledStudy;

/**
 * An imported data set: a folder of DICOM series with CSV labels, the way public sets publish them (and the way
 * {@code ./ichnode phantom} writes them).
 * <pre>
 * DIR/labels-study.csv        study_instance_uid,study_id,hemorrhage          (required; hemorrhage 0/1)
 * DIR/labels-slice.csv        study_instance_uid,sop_instance_uid,slice_index,hemorrhage   (optional: slice labels)
 * DIR/&lt;study_id&gt;/dicom/*       the CT series of the study (any file names)
 * DIR/&lt;study_id&gt;/truth-mask.raw  optional true mask, uint8 0/1 in Volume order (slices along the normal)
 * DIR/&lt;study_id&gt;/masked-slices.txt optional: the slice indices the mask was drawn on, one per line (else all)
 * </pre>
 * Slices are matched to slice labels by SOP Instance UID, never by file name or slice_index. A study whose series
 * does not assemble is skipped with the reason (the import goes on).
 */
public final class FolderDataset {
    private FolderDataset() {}

    public static List<LabelledStudy> load(Path dir, boolean studyLabelsOnly) throws IOException {
        Path studyCsv = dir.resolve("labels-study.csv");
        if (!Files.isRegularFile(studyCsv)) throw new IllegalArgumentException("no labels-study.csv in " + dir);
        Map<String, Map<String, Boolean>> sliceLabels = new HashMap<>();
        Path sliceCsv = dir.resolve("labels-slice.csv");
        if (!studyLabelsOnly && Files.isRegularFile(sliceCsv)) {
            for (String[] row : rows(sliceCsv, 4)) {
                sliceLabels.computeIfAbsent(row[0], k -> new HashMap<>()).put(row[1], flag(row[3], sliceCsv));
            }
        }
        SeriesVolumeLoader loader = new SeriesVolumeLoader();
        List<LabelledStudy> out = new ArrayList<>();
        for (String[] row : rows(studyCsv, 3)) {
            String uid = row[0], id = row[1];
            boolean positive = flag(row[2], studyCsv);
            Path files = dir.resolve(id).resolve("dicom");
            List<Path> paths;
            try (Stream<Path> s = Files.list(files)) {
                paths = s.filter(Files::isRegularFile).sorted().toList();
            } catch (IOException e) {
                System.err.println("ichnode: skipping study " + id + ": cannot list " + files + " (" + e.getMessage() + ")");
                continue;
            }
            AssemblyResult r = loader.load(paths);
            if (!r.isAccepted()) {
                System.err.println("ichnode: skipping study " + id + ": " + r.refusalReason().orElse("volume refused"));
                continue;
            }
            Volume v = r.volume().orElseThrow();
            boolean[] labels = null;
            Map<String, Boolean> byUid = sliceLabels.get(uid);
            if (byUid != null) {
                labels = new boolean[v.slices()];
                for (int k = 0; k < v.slices(); k++) {
                    Boolean b = byUid.get(v.sourceInstanceUids().get(k));
                    if (b == null) { labels = null; break; }   // incomplete slice labels: use the study label only
                    labels[k] = b;
                }
            }
            byte[] mask = null;
            Path raw = dir.resolve(id).resolve("truth-mask.raw");
            if (Files.isRegularFile(raw)) {
                mask = Files.readAllBytes(raw);
                if (mask.length != v.hu().length) {
                    throw new IllegalArgumentException(raw + " has " + mask.length + " voxels, the series " + v.hu().length);
                }
            }
            boolean[] masked = null;
            Path maskedList = dir.resolve(id).resolve("masked-slices.txt");
            if (mask != null && Files.isRegularFile(maskedList)) {
                masked = new boolean[v.slices()];
                for (String line : Files.readAllLines(maskedList, StandardCharsets.US_ASCII)) {
                    if (line.isBlank()) continue;
                    int k = Integer.parseInt(line.trim());
                    if (k < 0 || k >= v.slices()) throw new IllegalArgumentException(maskedList + ": slice " + k + " outside 0.." + (v.slices() - 1));
                    masked[k] = true;
                }
            }
            out.add(new LabelledStudy(id, "folder:" + uid, v, positive, labels, mask, masked, null));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no usable study in " + dir);
        return out;
    }

    private static List<String[]> rows(Path csv, int columns) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String[]> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) continue;
            String[] f = line.split(",", -1);
            if (f.length < columns) throw new IllegalArgumentException(csv + " line " + (i + 1) + ": expected " + columns + " columns");
            for (int j = 0; j < f.length; j++) f[j] = f[j].trim();
            out.add(f);
        }
        return out;
    }

    /** A CSV label: 1/true/yes or 0/false/no. */
    static boolean flag(String v, Path csv) {
        return switch (v) {
            case "1", "true", "yes" -> true;
            case "0", "false", "no" -> false;
            default -> throw new IllegalArgumentException(csv + ": hemorrhage must be 0 or 1, got '" + v + "'");
        };
    }
}
