package org.ichnode.training.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;
import org.ichnode.dicom.read.CtSliceReader;
import org.ichnode.core.volume.HuWindow;
import org.ichnode.training.LabelledStudy;
import org.ichnode.core.preprocess.Resample;

/**
 * The public CT-ICH set (Hssayeni et al., PhysioNet; CC BY 4.0) read as it is published: {@code hemorrhage_diagnosis.csv}
 * (one row per slice, subtypes and {@code No_Hemorrhage}), {@code Patients_CT/NNN/brain/S.jpg} and {@code .../bone/S.jpg}
 * (the same slice in the brain window L40/W120 and the bone window L700/W3200) and, where present,
 * {@code hu-slices/} (a few slices in HU with hand-drawn masks, {@code match-to-jpg.csv} naming their JPG slice).
 *
 * <p>HU per pixel from the two windows ({@link WindowedHu}), resampled from the JPGs' 650 pixels to {@value #GRID} (the
 * grid of the dataset's own HU release, so its masks map one to one after a quarter turn). The JPGs carry no
 * geometry: pixel spacing and slice thickness are assumptions, given by the caller and said in the output.
 */
public final class CtIchDataset {
    static final int GRID = 512;
    static final HuWindow BRAIN = new HuWindow(40, 120);
    static final HuWindow BONE = new HuWindow(700, 3200);
    static final String[] SUBTYPES = {"intraventricular", "intraparenchymal", "subarachnoid", "epidural", "subdural"};

    /** Assumed geometry (the JPGs have none). */
    public record Geometry(double pixelSpacingMm, double sliceThicknessMm) {
        public Geometry {
            if (!(pixelSpacingMm > 0) || !(sliceThicknessMm > 0)) throw new IllegalArgumentException("spacing and thickness must be > 0");
        }
        /** About 0.33 mm per JPG pixel (heads measure about 480 of 650 pixels), 5 mm slices (the dataset's own). */
        public static Geometry assumed() { return new Geometry(0.42, 5.0); }
    }

    private CtIchDataset() {}

    static boolean isCtIch(Path dir) {
        return Files.isRegularFile(dir.resolve("hemorrhage_diagnosis.csv")) && Files.isDirectory(dir.resolve("Patients_CT"));
    }

    /** Patient numbers in the order of the CSV (ascending). */
    static List<Integer> patients(Path dir) throws IOException {
        return List.copyOf(slicesByPatient(dir).keySet());
    }

    /**
     * Patients {@code from .. from+count-1} (by patient order) as studies, each with slice labels (unless
     * {@code studyLabelsOnly}), subtypes and the hand-drawn masks of its HU slices.
     */
    public static List<LabelledStudy> load(Path dir, int from, int count, boolean studyLabelsOnly, Geometry geometry, Consumer<String> progress)
            throws IOException {
        List<Integer> all = patients(dir);
        if (from >= all.size()) throw new IllegalArgumentException("--from " + from + ": the set has " + all.size() + " patients");
        List<Integer> chosen = all.subList(from, Math.min(all.size(), from + count));
        return loadPatients(dir, chosen, studyLabelsOnly, geometry, progress);
    }

    public static List<LabelledStudy> loadPatients(Path dir, List<Integer> patients, boolean studyLabelsOnly, Geometry geometry,
                                            Consumer<String> progress) throws IOException {
        Map<Integer, TreeMap<Integer, String[]>> rows = slicesByPatient(dir);
        Map<Integer, Map<Integer, Path>> masks = maskFiles(dir);
        progress.accept(describe(patients.size(), geometry));
        Consumer<String> warnings = m -> { synchronized (progress) { progress.accept(m); } };
        LabelledStudy[] out = new LabelledStudy[patients.size()];
        int[] done = {0};
        java.util.stream.IntStream.range(0, patients.size()).parallel().forEach(i -> {
            int p = patients.get(i);
            TreeMap<Integer, String[]> slices = rows.get(p);
            if (slices == null) throw new IllegalArgumentException("patient " + p + " is not in hemorrhage_diagnosis.csv");
            try {
                out[i] = study(dir, p, slices, masks.getOrDefault(p, Map.of()), studyLabelsOnly, geometry, warnings);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            synchronized (done) {
                if (++done[0] % 10 == 0) progress.accept("CT-ICH: read " + done[0] + "/" + patients.size() + " patients");
            }
        });
        return List.of(out);
    }

    static String describe(int patients, Geometry g) {
        return String.format(Locale.ROOT, "CT-ICH: %d patients; geometry assumed (the JPGs have none): %.3f mm pixels on a %d grid, "
                + "%.1f mm slices; volumes in mL are approximate", patients, g.pixelSpacingMm(), GRID, g.sliceThicknessMm());
    }

    private static LabelledStudy study(Path dir, int patient, TreeMap<Integer, String[]> rows, Map<Integer, Path> maskFiles,
                                       boolean studyLabelsOnly, Geometry g, Consumer<String> warnings) throws IOException {
        String nnn = String.format(Locale.ROOT, "%03d", patient);
        int n = rows.size(), per = GRID * GRID;
        short[] hu = new short[n * per];
        boolean[] labels = new boolean[n];
        List<Set<String>> subtypes = new ArrayList<>(n);
        List<SliceGeometry> geometry = new ArrayList<>(n);
        List<String> uids = new ArrayList<>(n);
        byte[] mask = maskFiles.isEmpty() ? null : new byte[n * per];
        boolean[] masked = maskFiles.isEmpty() ? null : new boolean[n];
        double origin = -(GRID - 1) / 2.0 * g.pixelSpacingMm();
        int k = 0;
        for (Map.Entry<Integer, String[]> e : rows.entrySet()) {
            int s = e.getKey();
            String[] r = e.getValue();
            Path brain = dir.resolve("Patients_CT").resolve(nnn).resolve("brain").resolve(s + ".jpg");
            Path bone = dir.resolve("Patients_CT").resolve(nnn).resolve("bone").resolve(s + ".jpg");
            GreyImage b = GreyImage.read(brain);
            float[] combined;
            if (Files.isRegularFile(bone)) {
                GreyImage o = GreyImage.read(bone);
                if (b.width() != o.width() || b.height() != o.height()) throw new IOException(brain + " and " + bone + " differ in size");
                combined = WindowedHu.combine(b.levels(), o.levels(), BRAIN, BONE);
            } else {
                // the published set lacks a few bone-window images (e.g. patient 084, slice 36)
                warnings.accept("patient " + nnn + " slice " + s + ": no bone-window image; HU from the brain window only, clipped to "
                        + (int) BRAIN.lower() + ".." + (int) (BRAIN.lower() + BRAIN.width()));
                combined = new float[b.levels().length];
                for (int i = 0; i < combined.length; i++) combined[i] = (float) WindowedHu.hu(b.levels()[i], BRAIN);
            }
            float[] slice = Resample.resize(combined, b.width(), b.height(), GRID, GRID);
            for (int i = 0; i < per; i++) hu[k * per + i] = (short) Math.round(slice[i]);
            Set<String> st = new LinkedHashSet<>();
            for (int t = 0; t < SUBTYPES.length; t++) if (r[2 + t].equals("1")) st.add(SUBTYPES[t]);
            subtypes.add(st);
            labels[k] = r[7].equals("0");
            geometry.add(new SliceGeometry(new Vec3(origin, origin, k * g.sliceThicknessMm()), new Vec3(1, 0, 0), new Vec3(0, 1, 0),
                    g.pixelSpacingMm(), g.pixelSpacingMm()));
            uids.add("ct-ich-" + nnn + "-" + s);
            Path mf = maskFiles.get(s);
            if (mf != null) {
                CtSliceReader.Plane m = CtSliceReader.readPlane(mf);
                if (m.columns() != GRID || m.rows() != GRID) throw new IOException(mf + ": mask is not " + GRID + "x" + GRID);
                byte[] turned = quarterTurnBack(m.values(), GRID);
                System.arraycopy(turned, 0, mask, k * per, per);
                masked[k] = true;
            }
            k++;
        }
        boolean positive = false;
        for (boolean l : labels) positive |= l;
        Volume v = new Volume(GRID, GRID, hu, geometry, uids, "ct-ich-" + nnn);
        return new LabelledStudy("ct-ich-" + nnn, "ct-ich:" + nnn, v, positive, studyLabelsOnly ? null : labels, mask, masked, subtypes);
    }

    /**
     * The HU release is turned a quarter clockwise relative to the JPGs (numpy {@code rot90(k=3)}); this turns a
     * plane of it back: {@code out[y][x] = in[x][n-1-y]}, non-zero values as 1.
     */
    static byte[] quarterTurnBack(short[] in, int n) {
        byte[] out = new byte[n * n];
        for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) out[y * n + x] = (byte) (in[x * n + (n - 1 - y)] > 0 ? 1 : 0);
        return out;
    }

    /** As {@link #quarterTurnBack} for values (the HU slices themselves). */
    static short[] quarterTurnBackValues(short[] in, int n) {
        short[] out = new short[n * n];
        for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) out[y * n + x] = in[x * n + (n - 1 - y)];
        return out;
    }

    /** Rows of the CSV by patient and slice: {@code PatientNumber,SliceNumber,IVH,IPH,SAH,EDH,SDH,No_Hemorrhage,Fracture}. */
    private static Map<Integer, TreeMap<Integer, String[]>> slicesByPatient(Path dir) throws IOException {
        Path csv = dir.resolve("hemorrhage_diagnosis.csv");
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        Map<Integer, TreeMap<Integer, String[]>> out = new TreeMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) continue;
            String[] f = line.split(",", -1);
            if (f.length < 9) throw new IllegalArgumentException(csv + " line " + (i + 1) + ": expected 9 columns");
            for (int j = 0; j < f.length; j++) f[j] = f[j].trim();
            out.computeIfAbsent(Integer.parseInt(f[0]), p -> new TreeMap<>()).put(Integer.parseInt(f[1]), f);
        }
        return out;
    }

    /** hu-slices/masks/NNN_SS.dcm by patient and JPG slice (match-to-jpg.csv); empty when the folder is absent. */
    static Map<Integer, Map<Integer, Path>> maskFiles(Path dir) throws IOException {
        Path match = dir.resolve("hu-slices").resolve("match-to-jpg.csv");
        Map<Integer, Map<Integer, Path>> out = new HashMap<>();
        if (!Files.isRegularFile(match)) return out;
        for (String[] f : huSlices(dir)) {
            out.computeIfAbsent(Integer.parseInt(f[1]), p -> new HashMap<>())
                    .put(Integer.parseInt(f[2]), dir.resolve("hu-slices").resolve("masks").resolve(f[0]));
        }
        return out;
    }

    /** The rows of match-to-jpg.csv: file, patient, jpg_slice, ncc. */
    static List<String[]> huSlices(Path dir) throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("hu-slices").resolve("match-to-jpg.csv"), StandardCharsets.UTF_8);
        List<String[]> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String[] f = lines.get(i).trim().split(",");
            for (int j = 0; j < f.length; j++) f[j] = f[j].trim();
            out.add(f);
        }
        return out;
    }
}
