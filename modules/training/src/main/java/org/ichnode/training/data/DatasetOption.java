package org.ichnode.training.data;

import java.nio.file.Path;
import java.util.List;
import org.ichnode.training.LabelledStudy;

/**
 * {@code --data}: where the model commands take studies from: {@code phantom:small}, {@code phantom:full} (generated:
 * {@code --studies N} from index {@code --from I} of {@code --seed S}), the folder of the public CT-ICH set as it is
 * published ({@link CtIchDataset}; all patients, or {@code --patients 49,50,60-70}), a folder of NIfTI volumes
 * ({@link NiftiDataset}; {@code --patients} picks numeric ids), a folder of PNG/JPG slices declared by
 * {@code image-slices.properties} ({@link ImageSliceDataset}) or the path of an imported folder of DICOM series
 * ({@link FolderDataset}).
 */
public record DatasetOption(String data, long seed, int from, int studies, String patients) {

    public DatasetOption {
        if (studies < 1 || from < 0) throw new IllegalArgumentException("--studies must be >= 1 and --from >= 0");
    }

    public boolean isPhantom() { return data.startsWith("phantom:"); }

    public boolean isCtIch() { return !isPhantom() && CtIchDataset.isCtIch(Path.of(data)); }

    public boolean isNifti() { return !isPhantom() && !isCtIch() && NiftiDataset.isNifti(Path.of(data)); }

    public boolean isImageSlices() { return !isPhantom() && ImageSliceDataset.isImageSlices(Path.of(data)); }

    public List<LabelledStudy> load(boolean studyLabelsOnly) throws java.io.IOException {
        if (isPhantom()) {
            return PhantomStudies.generate(PhantomStudies.options(data.substring("phantom:".length())), seed, from, studies, studyLabelsOnly);
        }
        if (isCtIch()) {
            Path dir = Path.of(data);
            List<Integer> chosen = patients == null ? CtIchDataset.patients(dir) : patientList(patients);
            return CtIchDataset.loadPatients(dir, chosen, studyLabelsOnly, CtIchDataset.Geometry.assumed(), m -> System.err.println("ichnode: " + m));
        }
        if (isNifti() || isImageSlices()) {
            List<LabelledStudy> out = new java.util.ArrayList<>();
            for (LabelledStudy s : stream(studyLabelsOnly).studies()) out.add(s);
            return out;
        }
        if (patients != null) throw new IllegalArgumentException("--patients is for the CT-ICH set and NIfTI sets only");
        return FolderDataset.load(Path.of(data), studyLabelsOnly);
    }

    /**
     * The studies one at a time where the source allows it (CT-ICH: one patient read per step, so that evaluation
     * needs the memory of one study, not of the set), else the loaded list.
     */
    public Streamed stream(boolean studyLabelsOnly) throws java.io.IOException {
        if (isImageSlices()) {
            ImageSliceDataset set = ImageSliceDataset.open(Path.of(data));
            System.err.println("ichnode: " + set.describe());
            return lazily(selected(set.ids()), id -> set.load(id, studyLabelsOnly, m -> System.err.println("ichnode: " + m)));
        }
        if (isNifti()) {
            NiftiDataset set = NiftiDataset.open(Path.of(data));
            System.err.println("ichnode: " + set.describe());
            return lazily(selected(set.ids()), id -> set.load(id, studyLabelsOnly, m -> System.err.println("ichnode: " + m)));
        }
        if (!isCtIch()) {
            List<LabelledStudy> all = load(studyLabelsOnly);
            return new Streamed(all.size(), all);
        }
        Path dir = Path.of(data);
        List<Integer> chosen = patients == null ? CtIchDataset.patients(dir) : patientList(patients);
        CtIchDataset.Geometry g = CtIchDataset.Geometry.assumed();
        System.err.println("ichnode: " + CtIchDataset.describe(chosen.size(), g));
        return lazily(chosen, p -> CtIchDataset.loadPatients(dir, List.of(p), studyLabelsOnly, g,
                m -> { if (!m.startsWith("CT-ICH:")) System.err.println("ichnode: " + m); }).get(0));
    }

    /** The ids {@code --patients} names (as numbers: "049" is 49), or all. */
    private List<String> selected(List<String> ids) {
        if (patients == null) return ids;
        List<String> wanted = patientList(patients).stream().map(String::valueOf).toList();
        List<String> out = ids.stream().filter(id -> wanted.contains(ImageSliceDataset.key(id))).toList();
        if (out.isEmpty()) throw new IllegalArgumentException("--patients " + patients + " names no study of " + data);
        return out;
    }

    private interface StudyLoader<K> { LabelledStudy load(K key) throws java.io.IOException; }

    /** The studies of {@code keys}, each loaded only when the iteration reaches it. */
    private static <K> Streamed lazily(List<K> keys, StudyLoader<K> loader) {
        Iterable<LabelledStudy> it = () -> new java.util.Iterator<>() {
            int next = 0;
            @Override public boolean hasNext() { return next < keys.size(); }
            @Override public LabelledStudy next() {
                if (!hasNext()) throw new java.util.NoSuchElementException();
                try {
                    return loader.load(keys.get(next++));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        return new Streamed(keys.size(), it);
    }

    /** Studies to iterate once, and how many there are. */
    public record Streamed(int count, Iterable<LabelledStudy> studies) {}

    /** "49,50,60-70" as patient numbers. */
    public static List<Integer> patientList(String spec) {
        List<Integer> out = new java.util.ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            try {
                int dash = p.indexOf('-');
                if (dash < 0) out.add(Integer.parseInt(p));
                else for (int i = Integer.parseInt(p.substring(0, dash)); i <= Integer.parseInt(p.substring(dash + 1)); i++) out.add(i);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--patients: numbers and ranges (49,50,60-70) expected, got " + spec);
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("--patients names no patient");
        return out;
    }

    /** Phantom studies right after the training range (disjoint patients), for held-out metrics. */
    public DatasetOption heldOut(int count) { return new DatasetOption(data, seed, from + studies, count, null); }

    public String describe() { return isPhantom() ? data + " seed " + seed + " studies " + from + ".." + (from + studies - 1) : data; }
}
