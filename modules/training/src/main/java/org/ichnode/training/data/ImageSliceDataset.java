package org.ichnode.training.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;
import org.ichnode.core.volume.HuWindow;
import org.ichnode.training.LabelledStudy;

/**
 * A set of 2D slices published as PNG or JPG images (8-bit renderings of HU in a window) with a CSV of labels,
 * declared by {@value #DESCRIPTOR} in the set's folder:
 * <pre>
 * images={window}/{study}/{slice}.png        where the images are: {study} and {slice} required, {window} with 2 windows
 * windows=brain:40/120,bone:700/3200          name:level/width per rendering; with two, HU from the narrower where it
 *                                            is not saturated, from the wider elsewhere ({@link WindowedHu})
 * labels=labels.csv                           CSV with a header (default labels.csv)
 * labels.study=study                          column names (these are the defaults); without a slice column, or
 * labels.slice=slice                          with the slice cell empty, a row labels the whole study
 * labels.hemorrhage=hemorrhage                1 = hemorrhage; or labels.noHemorrhage=COLUMN (1 = none)
 * labels.subtypes=epidural,subdural           optional 0/1 columns, reported per subtype
 * masks={study}/{slice}.png                   optional hand-drawn masks (non-zero = hemorrhage) on some slices
 * pixelSpacingMm=0.5                          optional; else the images' own pixel size, else assumed (and said)
 * sliceThicknessMm=5                          optional; else assumed 5 mm (and said)
 * </pre>
 * Slices are ordered by their {@code {slice}} token (numerically where all are numbers) and stacked axially.
 * Studies are read one at a time.
 */
final class ImageSliceDataset {
    static final String DESCRIPTOR = "image-slices.properties";
    static final double ASSUMED_PIXEL_MM = 0.5, ASSUMED_THICKNESS_MM = 5.0;

    record Window(String name, HuWindow window) {}

    private record HuSlice(int width, int height, float[] hu, Double pixelSizeMm) {}

    private record Labels(Boolean study, Map<String, Boolean> slices, Map<String, Set<String>> subtypes) {}

    private final Path dir;
    private final Pattern images;
    private final Pattern masks;
    private final List<Window> windows;
    private final Double pixelSpacingMm, sliceThicknessMm;
    /** study -> slice token -> window name ("" with one window) -> file. */
    private final Map<String, Map<String, Map<String, Path>>> files;
    private final Map<String, Map<String, Path>> maskFiles;
    private final Map<String, Labels> labels;
    private final String labelSource;

    private ImageSliceDataset(Path dir, Properties p) throws IOException {
        this.dir = dir;
        this.windows = parseWindows(required(p, "windows"));
        String imagePattern = required(p, "images");
        boolean windowToken = imagePattern.contains("{window}");
        if (windows.size() > 1 && !windowToken) throw new IllegalArgumentException("images: with several windows the pattern needs {window}");
        this.images = pattern(imagePattern, true);
        this.masks = p.getProperty("masks") == null ? null : pattern(p.getProperty("masks").trim(), false);
        this.pixelSpacingMm = positive(p, "pixelSpacingMm");
        this.sliceThicknessMm = positive(p, "sliceThicknessMm");
        this.files = new TreeMap<>(ImageSliceDataset::naturalOrder);
        this.maskFiles = new HashMap<>();
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) { all = s.filter(Files::isRegularFile).toList(); }
        for (Path f : all) {
            String rel = dir.relativize(f).toString().replace('\\', '/');
            Matcher m = images.matcher(rel);
            // a file under an undeclared window folder (e.g. masks/ matching {window}/...) is not an image
            if (m.matches() && (!windowToken || windows.stream().anyMatch(w -> w.name().equals(m.group("window"))))) {
                String window = windowToken ? m.group("window") : "";
                files.computeIfAbsent(m.group("study"), k -> new TreeMap<>(ImageSliceDataset::naturalOrder))
                        .computeIfAbsent(m.group("slice"), k -> new HashMap<>()).put(windowToken ? window : windows.get(0).name(), f);
                continue;
            }
            if (masks != null) {
                Matcher mm = masks.matcher(rel);
                if (mm.matches()) maskFiles.computeIfAbsent(mm.group("study"), k -> new HashMap<>()).put(mm.group("slice"), f);
            }
        }
        if (files.isEmpty()) throw new IllegalArgumentException(dir + ": no image matches images=" + imagePattern);
        Path csv = dir.resolve(p.getProperty("labels", "labels.csv").trim());
        this.labels = readLabels(csv, p);
        this.labelSource = dir.relativize(csv).toString();
    }

    static boolean isImageSlices(Path dir) { return Files.isRegularFile(dir.resolve(DESCRIPTOR)); }

    static ImageSliceDataset open(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(DESCRIPTOR), StandardCharsets.UTF_8)) { p.load(r); }
        try {
            return new ImageSliceDataset(dir, p);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir.resolve(DESCRIPTOR) + ": " + e.getMessage(), e);
        }
    }

    /** Study ids in natural order. */
    List<String> ids() { return List.copyOf(files.keySet()); }

    String describe() {
        StringBuilder w = new StringBuilder();
        for (Window x : windows) {
            w.append(w.length() == 0 ? "" : ", ").append(x.name()).append(' ').append(fmt(x.window().level())).append('/').append(fmt(x.window().width()));
        }
        return String.format(Locale.ROOT, "image slices: %d studies, windows %s%s, labels from %s%s; pixel spacing %s, slice thickness %s",
                files.size(), w, windows.size() > 1 ? " combined to HU" : "", labelSource, masks == null ? "" : ", masks on some slices",
                pixelSpacingMm != null ? fmt(pixelSpacingMm) + " mm (declared)" : "from each image's header, else " + fmt(ASSUMED_PIXEL_MM) + " mm assumed",
                sliceThicknessMm != null ? fmt(sliceThicknessMm) + " mm (declared)" : fmt(ASSUMED_THICKNESS_MM) + " mm assumed");
    }

    /** One study; geometry that is assumed, slices without labels and images missing a window are said on {@code warnings}. */
    LabelledStudy load(String id, boolean studyLabelsOnly, Consumer<String> warnings) throws IOException {
        Map<String, Map<String, Path>> slices = files.get(id);
        if (slices == null) throw new IllegalArgumentException("no study " + id);
        List<String> tokens = new ArrayList<>(slices.keySet());
        int n = tokens.size();
        int w = -1, h = -1;
        short[] hu = null;
        Double headerSpacing = null;
        byte[] mask = null;
        boolean[] masked = null;
        Map<String, Path> studyMasks = maskFiles.getOrDefault(id, Map.of());
        for (int k = 0; k < n; k++) {
            Map<String, Path> byWindow = slices.get(tokens.get(k));
            HuSlice first = sliceHu(id, tokens.get(k), byWindow, warnings);
            float[] values = first.hu();
            if (k == 0) {
                w = first.width();
                h = first.height();
                hu = new short[n * w * h];
                headerSpacing = first.pixelSizeMm();
                if (!studyMasks.isEmpty()) { mask = new byte[n * w * h]; masked = new boolean[n]; }
            } else if (first.width() != w || first.height() != h) {
                throw new IOException("study " + id + " slice " + tokens.get(k) + ": " + first.width() + "x" + first.height()
                        + ", the study's first slice is " + w + "x" + h);
            }
            int off = k * w * h;
            for (int i = 0; i < w * h; i++) hu[off + i] = (short) Math.round(Math.max(-1024, Math.min(3071, values[i])));
            Path mf = studyMasks.get(tokens.get(k));
            if (mf != null) {
                GreyImage m = GreyImage.read(mf);
                if (m.width() != w || m.height() != h) throw new IOException(mf + ": mask is " + m.width() + "x" + m.height() + ", the image " + w + "x" + h);
                for (int i = 0; i < w * h; i++) mask[off + i] = (byte) (m.levels()[i] != 0 ? 1 : 0);
                masked[k] = true;
            }
        }
        double spacing = pixelSpacingMm != null ? pixelSpacingMm : headerSpacing != null ? headerSpacing : ASSUMED_PIXEL_MM;
        double thickness = sliceThicknessMm != null ? sliceThicknessMm : ASSUMED_THICKNESS_MM;
        if (pixelSpacingMm == null && headerSpacing == null) warnings.accept("study " + id + ": pixel spacing assumed " + fmt(spacing) + " mm");
        List<SliceGeometry> geometry = new ArrayList<>(n);
        List<String> uids = new ArrayList<>(n);
        double ox = -(w - 1) / 2.0 * spacing, oy = -(h - 1) / 2.0 * spacing;
        for (int k = 0; k < n; k++) {
            geometry.add(new SliceGeometry(new Vec3(ox, oy, k * thickness), new Vec3(1, 0, 0), new Vec3(0, 1, 0), spacing, spacing));
            uids.add("image-slices-" + id + "-" + tokens.get(k));
        }
        Labels l = labels.get(id);
        if (l == null) throw new IllegalArgumentException("study " + id + " has images but no row in " + labelSource);
        boolean[] sliceLabels = null;
        List<Set<String>> subtypes = null;
        if (!l.slices().isEmpty()) {
            List<String> missing = tokens.stream().filter(t -> !l.slices().containsKey(key(t))).toList();
            if (missing.isEmpty()) {
                sliceLabels = new boolean[n];
                subtypes = new ArrayList<>(n);
                for (int k = 0; k < n; k++) {
                    sliceLabels[k] = l.slices().get(key(tokens.get(k)));
                    subtypes.add(l.subtypes().getOrDefault(key(tokens.get(k)), Set.of()));
                }
            } else {
                warnings.accept("study " + id + ": " + missing.size() + " of " + n + " slices have no label row; study label only");
            }
        }
        boolean positive;
        if (l.study() != null) positive = l.study();
        else {
            positive = false;
            for (boolean b : l.slices().values()) positive |= b;
        }
        if (sliceLabels != null && l.study() != null) {
            boolean any = false;
            for (boolean b : sliceLabels) any |= b;
            if (any && !positive) throw new IllegalArgumentException("study " + id + ": labelled negative with positive slices");
        }
        Volume v = new Volume(w, h, hu, geometry, uids, "image-slices-" + id);
        return new LabelledStudy(id, id, v, positive, studyLabelsOnly ? null : sliceLabels, mask, masked, subtypes);
    }

    private HuSlice sliceHu(String id, String token, Map<String, Path> byWindow, Consumer<String> warnings) throws IOException {
        if (windows.size() == 1) return huOf(GreyImage.read(byWindow.get(windows.get(0).name())), windows.get(0).window());
        Window narrow = windows.get(0).window().width() <= windows.get(1).window().width() ? windows.get(0) : windows.get(1);
        Window wide = narrow == windows.get(0) ? windows.get(1) : windows.get(0);
        Path np = byWindow.get(narrow.name()), wp = byWindow.get(wide.name());
        if (np == null) throw new IOException("study " + id + " slice " + token + ": no " + narrow.name() + " image");
        GreyImage n = GreyImage.read(np);
        if (wp == null) {
            warnings.accept("study " + id + " slice " + token + ": no " + wide.name() + " image; HU from " + narrow.name() + " only, clipped to its window");
            return huOf(n, narrow.window());
        }
        GreyImage o = GreyImage.read(wp);
        if (n.width() != o.width() || n.height() != o.height()) throw new IOException(np + " and " + wp + " differ in size");
        return new HuSlice(n.width(), n.height(), WindowedHu.combine(n.levels(), o.levels(), narrow.window(), wide.window()), n.pixelSizeMm());
    }

    private static HuSlice huOf(GreyImage g, HuWindow w) {
        float[] out = new float[g.levels().length];
        for (int i = 0; i < out.length; i++) out[i] = (float) WindowedHu.hu(g.levels()[i], w);
        return new HuSlice(g.width(), g.height(), out, g.pixelSizeMm());
    }

    private Map<String, Labels> readLabels(Path csv, Properties p) throws IOException {
        if (!Files.isRegularFile(csv)) throw new IllegalArgumentException("no label file " + csv.getFileName());
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        if (lines.isEmpty()) throw new IllegalArgumentException(csv.getFileName() + " is empty");
        List<String> header = new ArrayList<>();
        for (String c : lines.get(0).replace("\uFEFF", "").split(",", -1)) header.add(c.trim());
        int study = column(header, p.getProperty("labels.study", "study").trim(), true, csv);
        int slice = column(header, p.getProperty("labels.slice", "slice").trim(), false, csv);
        String negativeName = p.getProperty("labels.noHemorrhage");
        int label = negativeName != null ? column(header, negativeName.trim(), true, csv)
                : column(header, p.getProperty("labels.hemorrhage", "hemorrhage").trim(), true, csv);
        Map<String, Integer> subtypeColumns = new LinkedHashMap<>();
        String st = p.getProperty("labels.subtypes", "").trim();
        if (!st.isEmpty()) for (String s : st.split(",")) subtypeColumns.put(s.trim().toLowerCase(Locale.ROOT), column(header, s.trim(), true, csv));
        Map<String, Boolean> studies = new HashMap<>();
        Map<String, Map<String, Boolean>> slices = new HashMap<>();
        Map<String, Map<String, Set<String>>> subtypes = new HashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String[] f = lines.get(i).split(",", -1);
            if (f.length < header.size()) throw new IllegalArgumentException(csv.getFileName() + " line " + (i + 1) + ": " + f.length + " of " + header.size() + " columns");
            String id = key(f[study].trim());
            boolean value = flag(f[label].trim(), csv, i);
            if (negativeName != null) value = !value;
            String s = slice < 0 ? "" : f[slice].trim();
            if (s.isEmpty()) {
                studies.put(id, value);
            } else {
                slices.computeIfAbsent(id, k -> new HashMap<>()).put(key(s), value);
                Set<String> types = new LinkedHashSet<>();
                for (Map.Entry<String, Integer> e : subtypeColumns.entrySet()) if (flag(f[e.getValue()].trim(), csv, i)) types.add(e.getKey());
                subtypes.computeIfAbsent(id, k -> new HashMap<>()).put(key(s), types);
            }
        }
        Map<String, Labels> out = new HashMap<>();
        for (String id : files.keySet()) {
            String k = key(id);
            if (!studies.containsKey(k) && !slices.containsKey(k)) continue;
            out.put(id, new Labels(studies.get(k), slices.getOrDefault(k, Map.of()), subtypes.getOrDefault(k, Map.of())));
        }
        return out;
    }

    private static boolean flag(String v, Path csv, int line) {
        return switch (v) {
            case "1", "true", "yes" -> true;
            case "0", "false", "no" -> false;
            default -> throw new IllegalArgumentException(csv.getFileName() + " line " + (line + 1) + ": 0 or 1 expected, got '" + v + "'");
        };
    }

    private static int column(List<String> header, String name, boolean required, Path csv) {
        for (int i = 0; i < header.size(); i++) if (header.get(i).equalsIgnoreCase(name)) return i;
        if (required) throw new IllegalArgumentException(csv.getFileName() + " has no column " + name + " (columns: " + header + ")");
        return -1;
    }

    /** Ids and slice tokens compared as numbers where they are numbers ("049" is slice 49 in the CSV). */
    static String key(String token) {
        return token.matches("\\d+") ? token.replaceFirst("^0+(?=\\d)", "") : token;
    }

    static int naturalOrder(String a, String b) {
        boolean na = a.matches("\\d+"), nb = b.matches("\\d+");
        if (na && nb) return Comparator.<String, java.math.BigInteger>comparing(java.math.BigInteger::new).thenComparing(x -> x).compare(a, b);
        return na ? -1 : nb ? 1 : a.compareTo(b);
    }

    /** {@code {window}/{study}/{slice}.png} as a regular expression with named groups; tokens match within one path segment. */
    static Pattern pattern(String spec, boolean images) {
        if (!spec.contains("{study}") || !spec.contains("{slice}")) throw new IllegalArgumentException(spec + ": needs {study} and {slice}");
        StringBuilder re = new StringBuilder();
        Matcher m = Pattern.compile("\\{(study|slice|window)}").matcher(spec);
        int last = 0;
        Set<String> seen = new LinkedHashSet<>();
        while (m.find()) {
            re.append(Pattern.quote(spec.substring(last, m.start())));
            String g = m.group(1);
            if (g.equals("window") && !images) throw new IllegalArgumentException("masks: {window} is for images");
            if (!seen.add(g)) throw new IllegalArgumentException(spec + ": {" + g + "} twice");
            re.append("(?<").append(g).append(">[^/]+?)");
            last = m.end();
        }
        re.append(Pattern.quote(spec.substring(last)));
        return Pattern.compile(re.toString());
    }

    static List<Window> parseWindows(String spec) {
        List<Window> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String[] nw = part.trim().split(":");
            String[] lw = nw.length == 2 ? nw[1].split("/") : new String[0];
            if (lw.length != 2 || !nw[0].matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("windows: name:level/width[,name:level/width], e.g. brain:40/120,bone:700/3200; got " + part);
            }
            out.add(new Window(nw[0], new HuWindow(Double.parseDouble(lw[0]), Double.parseDouble(lw[1]))));
        }
        if (out.size() > 2) throw new IllegalArgumentException("windows: one or two renderings of each slice");
        if (out.size() == 2 && out.get(0).name().equals(out.get(1).name())) throw new IllegalArgumentException("windows: two names alike");
        return out;
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) throw new IllegalArgumentException("missing " + key);
        return v.trim();
    }

    private static Double positive(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) return null;
        double d = Double.parseDouble(v.trim());
        if (!(d > 0)) throw new IllegalArgumentException(key + " must be > 0");
        return d;
    }

    private static String fmt(double d) { return String.format(Locale.ROOT, "%.3g", d); }
}
