package org.ichnode.training.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.ichnode.core.volume.Nifti;
import org.ichnode.core.volume.Volume;
import org.ichnode.dicom.UidGenerator;
import org.ichnode.training.LabelledStudy;

/**
 * A real set published as NIfTI volumes (PhysioNet CT-ICH 1.3, BHSD, INSTANCE), read as it comes:
 * <pre>
 * DIR/ct_scans/&lt;id&gt;.nii[.gz]  or  DIR/images/&lt;id&gt;.nii[.gz]   one CT volume per study, in HU
 * DIR/masks/&lt;id&gt;.nii[.gz]                                   optional hemorrhage mask on the same grid (&gt; 0 = hemorrhage)
 * labels, the first that exists:
 *   DIR/labels.csv                 study,hemorrhage  or  study,slice,hemorrhage  (slice: 1-based, in the file's order)
 *   DIR/hemorrhage_diagnosis*.csv  PhysioNet CT-ICH: PatientNumber,SliceNumber,...,No_Hemorrhage
 *   the masks                      a slice is positive where its mask has voxels (said in the output)
 * </pre>
 * Study ids are the file names without extension; a numeric id matches a numeric label (049 = 49). Geometry comes from
 * the file's sform or qform; where a file has neither, from its voxel sizes with an axial orientation, and the output
 * says it was assumed. Studies are read one at a time ({@link #load}), so a set need not fit in memory.
 */
final class NiftiDataset {
    private final Path dir;
    private final Map<String, Path> images;
    private final Map<String, Path> masks;
    private final Map<String, TreeMap<Integer, Boolean>> sliceLabels;
    private final Map<String, Boolean> studyLabels;
    private final String labelSource;

    private NiftiDataset(Path dir, Map<String, Path> images, Map<String, Path> masks, Map<String, TreeMap<Integer, Boolean>> sliceLabels,
                         Map<String, Boolean> studyLabels, String labelSource) {
        this.dir = dir;
        this.images = images;
        this.masks = masks;
        this.sliceLabels = sliceLabels;
        this.studyLabels = studyLabels;
        this.labelSource = labelSource;
    }

    /** Whether {@code dir} is laid out as a NIfTI set. */
    static boolean isNifti(Path dir) {
        return imageFolder(dir) != null;
    }

    private static Path imageFolder(Path dir) {
        for (String name : List.of("ct_scans", "images")) {
            Path f = dir.resolve(name);
            if (Files.isDirectory(f) && !niftiFiles(f).isEmpty()) return f;
        }
        return null;
    }

    static NiftiDataset open(Path dir) throws IOException {
        Path folder = imageFolder(dir);
        if (folder == null) throw new IllegalArgumentException(dir + ": no ct_scans/ or images/ folder with .nii or .nii.gz files");
        Map<String, Path> images = niftiFiles(folder);
        Map<String, Path> masks = Files.isDirectory(dir.resolve("masks")) ? niftiFiles(dir.resolve("masks")) : Map.of();
        Map<String, TreeMap<Integer, Boolean>> slices = new HashMap<>();
        Map<String, Boolean> studies = new HashMap<>();
        String source;
        Path labels = dir.resolve("labels.csv");
        Path diagnosis = null;
        try (Stream<Path> s = Files.list(dir)) {
            diagnosis = s.filter(p -> p.getFileName().toString().startsWith("hemorrhage_diagnosis") && p.toString().endsWith(".csv"))
                    .sorted().findFirst().orElse(null);
        }
        if (Files.isRegularFile(labels)) {
            source = "labels.csv";
            List<String[]> rows = csv(labels);
            String[] head = rows.remove(0);
            boolean perSlice = head.length >= 3;
            for (String[] r : rows) {
                String id = key(r[0]);
                if (perSlice) slices.computeIfAbsent(id, k -> new TreeMap<>()).put(Integer.parseInt(r[1]), FolderDataset.flag(r[2], labels));
                else studies.put(id, FolderDataset.flag(r[1], labels));
            }
        } else if (diagnosis != null) {
            source = diagnosis.getFileName().toString();
            List<String[]> rows = csv(diagnosis);
            String[] head = rows.remove(0);
            int none = List.of(head).indexOf("No_Hemorrhage");
            if (none < 0 || !head[0].endsWith("PatientNumber") || !head[1].equals("SliceNumber")) {
                throw new IllegalArgumentException(diagnosis + ": expected PatientNumber,SliceNumber,...,No_Hemorrhage columns");
            }
            for (String[] r : rows) {
                slices.computeIfAbsent(key(r[0]), k -> new TreeMap<>()).put(Integer.parseInt(r[1]), !FolderDataset.flag(r[none], diagnosis));
            }
        } else if (!masks.isEmpty()) {
            source = "masks (a slice with mask voxels is positive)";
        } else {
            throw new IllegalArgumentException(dir + ": no labels.csv, hemorrhage_diagnosis*.csv or masks/ to take labels from");
        }
        Map<String, Path> keyed = new LinkedHashMap<>();
        images.forEach((id, p) -> keyed.put(key(id), p));
        Map<String, Path> keyedMasks = new HashMap<>();
        masks.forEach((id, p) -> keyedMasks.put(key(id), p));
        return new NiftiDataset(dir, keyed, keyedMasks, slices, studies, source);
    }

    /** Study ids in file-name order. */
    List<String> ids() { return List.copyOf(images.keySet()); }

    String describe() {
        return String.format(Locale.ROOT, "NIfTI set %s: %d studies, %d masks, labels from %s", dir, images.size(), masks.size(), labelSource);
    }

    /** One study; geometry assumptions and label gaps are reported through {@code warnings}. */
    LabelledStudy load(String id, boolean studyLabelsOnly, Consumer<String> warnings) throws IOException {
        Path file = images.get(id);
        if (file == null) throw new IllegalArgumentException("no NIfTI volume for study " + id);
        Nifti image = Nifti.read(file);
        if (!image.geometryFromFile()) {
            warnings.accept("study " + id + ": no sform or qform in the file; geometry assumed from its voxel sizes (axial)");
        }
        String frame = UidGenerator.fromName("ich-node nifti import " + dir.toAbsolutePath().normalize() + " " + id);
        Volume v = image.toVolume(k -> UidGenerator.fromName("ich-node nifti import " + dir.toAbsolutePath().normalize() + " " + id + " " + k), frame);
        byte[] mask = null;
        Path maskFile = masks.get(id);
        if (maskFile != null) mask = image.maskInVolumeOrder(Nifti.read(maskFile));
        boolean[] labels = null;
        Boolean positive = studyLabels.get(id);
        TreeMap<Integer, Boolean> perSlice = sliceLabels.get(id);
        if (perSlice != null) {
            labels = new boolean[v.slices()];
            for (int k = 0; k < v.slices(); k++) {
                Boolean b = perSlice.get(k + 1);
                if (b == null) {
                    warnings.accept("study " + id + ": no label for slice " + (k + 1) + "; its slice labels are not used");
                    labels = null;
                    break;
                }
                labels[image.volumeSlice(k)] = b;
            }
            positive = perSlice.containsValue(true);
        } else if (positive == null && mask != null) {
            labels = new boolean[v.slices()];
            int per = v.voxelsPerSlice();
            for (int s = 0; s < v.slices(); s++) {
                for (int i = 0; i < per && !labels[s]; i++) labels[s] = mask[s * per + i] != 0;
            }
            positive = false;
            for (boolean b : labels) positive |= b;
        }
        if (positive == null) throw new IllegalArgumentException("study " + id + " has no label in " + labelSource);
        return new LabelledStudy(id, "nifti:" + id, v, positive, studyLabelsOnly ? null : labels, mask);
    }

    /** "049" and "49" are the same study; other ids as they are. */
    static String key(String id) {
        String t = id.trim();
        return t.matches("\\d+") ? Integer.toString(Integer.parseInt(t)) : t;
    }

    private static Map<String, Path> niftiFiles(Path folder) {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(folder)) {
            s.filter(Files::isRegularFile).forEach(p -> {
                String n = p.getFileName().toString();
                if (n.endsWith(".nii.gz")) out.put(n.substring(0, n.length() - 7), p);
                else if (n.endsWith(".nii")) out.put(n.substring(0, n.length() - 4), p);
            });
        } catch (IOException e) {
            return Map.of();
        }
        return out;
    }

    private static List<String[]> csv(Path file) throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String t = line.replace("\uFEFF", "").trim();
            if (t.isEmpty()) continue;
            String[] f = t.split(",", -1);
            for (int i = 0; i < f.length; i++) f[i] = f[i].trim();
            out.add(f);
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + " is empty");
        return out;
    }
}
