package org.ichnode.model;

import org.ichnode.core.preprocess.PreprocessOptions;

import org.ichnode.core.volume.HuWindow;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * A model artifact: one versioned folder holding everything inference needs and what it was made from.
 * <pre>
 *   ichnode-model.properties   version, name, preprocessing (size, windows), mask threshold, minimum lesion volume,
 *                              study calibration and operating point
 *   classifier-a/ classifier-b/  the two ensemble classifiers (study probability for the SR)
 *   unet/                      the segmentation network (the only network that draws the mask)
 *   member-2/ ...              further members, each with the same three folders (property {@code members}; an
 *                              ensemble of independently trained models, averaged at inference)
 *   training-data.json         what it was trained on (counts, study ids hashed, label kind)
 *   metrics.json               how it did on held-out data
 * </pre>
 * Owns the networks' native memory: close it.
 */
public final class IchModel implements AutoCloseable {
    public static final String DESCRIPTOR = "ichnode-model.properties";
    /** The loss curves training leaves beside the model (written by the trainer, drawn by the dashboard). */
    public static final String TRAINING_CURVES = "training-curves.json";

    /**
     * @param name             e.g. "ich-node weak U-Net"
     * @param version          the version written into SEG/SR (e.g. "2026.12.01-phantom")
     * @param preprocess       how slices become inputs
     * @param maskThreshold    U-Net probability at or above which a voxel is hemorrhage
     * @param minLesionVolumeMl smaller connected components are dropped
     * @param callThreshold    the operating point: study probability at or above which the study is called
     *                         "hemorrhage" (chosen on validation studies for a target sensitivity); below it no finding
     *                         is reported. 0 = every finding counts (artifacts made before the operating point)
     * @param calibration      raw study score to probability (identity for artifacts made before calibration)
     * @param studyScore       what the raw study score is made of (classifiers only for artifacts made before the U-Net
     *                         joined it)
     */
    public record Settings(String name, String version, PreprocessOptions preprocess, double maskThreshold, double minLesionVolumeMl,
                           double callThreshold, StudyCalibration calibration, StudyScore studyScore) {
        public Settings(String name, String version, PreprocessOptions preprocess, double maskThreshold, double minLesionVolumeMl,
                        double callThreshold) {
            this(name, version, preprocess, maskThreshold, minLesionVolumeMl, callThreshold, StudyCalibration.identity(), StudyScore.CLASSIFIERS);
        }

        public Settings {
            if (calibration == null) throw new IllegalArgumentException("calibration is required (identity when there is none)");
            if (studyScore == null) throw new IllegalArgumentException("study score is required");
            if (!(callThreshold >= 0 && callThreshold <= 1)) throw new IllegalArgumentException("call threshold must be in [0, 1]");
            if (name == null || name.isBlank() || version == null || !version.matches("[A-Za-z0-9_.+-]{1,64}")) {
                throw new IllegalArgumentException("model name and version (letters, digits, . _ + -) are required");
            }
            if (!(maskThreshold > 0 && maskThreshold < 1)) throw new IllegalArgumentException("mask threshold must be in (0, 1)");
            if (!(minLesionVolumeMl >= 0)) throw new IllegalArgumentException("min lesion volume must be >= 0");
        }
    }

    /**
     * The raw study score, before calibration. {@link #CLASSIFIERS}: the highest slice logit of the two classifiers'
     * mean. {@link #CLASSIFIERS_AND_UNET}: that plus the logit of the U-Net's highest voxel probability in the study:
     * the two networks err on different normal heads (docs/model.md, 2026-12-07), so each vetoes some of the other's
     * false highs. {@link #CLASSIFIERS_AND_UNET_PER_SLICE}: the same sum taken slice by slice, the study's highest:
     * both networks must point at the same slice.
     */
    public enum StudyScore {
        CLASSIFIERS("classifiers"), CLASSIFIERS_AND_UNET("classifiers+unet"), CLASSIFIERS_AND_UNET_PER_SLICE("classifiers+unet-per-slice");

        private final String key;

        StudyScore(String key) { this.key = key; }

        public String key() { return key; }

        static StudyScore ofKey(String key) {
            for (StudyScore s : values()) if (s.key.equals(key)) return s;
            throw new IllegalArgumentException("call.studyScore: classifiers, classifiers+unet or classifiers+unet-per-slice, not " + key);
        }
    }

    /**
     * One independently trained set of networks: two classifiers and the U-Net. An artifact holds one or more; inference
     * averages them ({@link ModelSegmenter}).
     */
    public record Member(ResNetClassifier classifierA, ResNetClassifier classifierB, UNet unet) implements AutoCloseable {
        public Member {
            if (classifierA == null || classifierB == null || unet == null) throw new IllegalArgumentException("a member needs two classifiers and a U-Net");
        }

        @Override public void close() {
            classifierA.close();
            classifierB.close();
            unet.close();
        }
    }

    private final Settings settings;
    private final List<Member> members;

    public IchModel(Settings settings, ResNetClassifier classifierA, ResNetClassifier classifierB, UNet unet) {
        this(settings, List.of(new Member(classifierA, classifierB, unet)));
    }

    public IchModel(Settings settings, List<Member> members) {
        if (members.isEmpty()) throw new IllegalArgumentException("a model needs at least one member");
        for (Member m : members) {
            UNet unet = m.unet();
            if (unet.config().inputSize() != settings.preprocess().size() || unet.config().inputChannels() != settings.preprocess().channels()) {
                throw new IllegalArgumentException("U-Net " + unet.config() + " does not fit preprocessing " + settings.preprocess());
            }
            for (ResNetClassifier c : List.of(m.classifierA(), m.classifierB())) {
                if (c.config().inputSize() != settings.preprocess().size() || c.config().inputChannels() != settings.preprocess().channels()) {
                    throw new IllegalArgumentException("classifier " + c.config() + " does not fit preprocessing");
                }
            }
        }
        this.settings = settings;
        this.members = List.copyOf(members);
    }

    public Settings settings() { return settings; }

    /** The same networks under another calibration and operating point; the result owns them (close only one of the two). */
    public IchModel withCall(StudyCalibration calibration, double callThreshold) {
        Settings s = settings;
        return new IchModel(new Settings(s.name(), s.version(), s.preprocess(), s.maskThreshold(), s.minLesionVolumeMl(), callThreshold,
                calibration, s.studyScore()), members);
    }

    /** The same networks with another study score (before calibration: calibrate after); the result owns them. */
    public IchModel withStudyScore(StudyScore score) {
        Settings s = settings;
        return new IchModel(new Settings(s.name(), s.version(), s.preprocess(), s.maskThreshold(), s.minLesionVolumeMl(), s.callThreshold(),
                s.calibration(), score), members);
    }

    /** The independently trained members (one for most models), in the order they were trained. */
    public List<Member> members() { return members; }

    /** Writes the artifact; {@code trainingData} and {@code metrics} are JSON texts (may be null). */
    public void save(Path dir, String trainingData, String metrics) throws IOException {
        Files.createDirectories(dir);
        for (int m = 0; m < members.size(); m++) {
            Path at = memberDir(dir, m);
            members.get(m).classifierA().save(at.resolve("classifier-a"));
            members.get(m).classifierB().save(at.resolve("classifier-b"));
            members.get(m).unet().save(at.resolve("unet"));
        }
        if (trainingData != null) Files.writeString(dir.resolve("training-data.json"), trainingData);
        if (metrics != null) Files.writeString(dir.resolve("metrics.json"), metrics);
        Properties p = new Properties();
        p.setProperty("name", settings.name());
        p.setProperty("version", settings.version());
        p.setProperty("input.size", Integer.toString(settings.preprocess().size()));
        List<String> w = new ArrayList<>();
        for (HuWindow h : settings.preprocess().windows()) w.add(fmt(h.level()) + "/" + fmt(h.width()));
        p.setProperty("input.windows", String.join(",", w));
        p.setProperty("input.neighbours", Integer.toString(settings.preprocess().neighbours()));
        if (settings.preprocess().brainOnly()) p.setProperty("input.brainOnly", "true");
        if (settings.preprocess().unetBrainOnly()) p.setProperty("input.unet.brainOnly", "true");
        p.setProperty("mask.threshold", fmt(settings.maskThreshold()));
        p.setProperty("lesion.minVolumeMl", fmt(settings.minLesionVolumeMl()));
        p.setProperty("call.threshold", Double.toString(settings.callThreshold()));
        p.setProperty("call.calibration.slope", Double.toString(settings.calibration().slope()));
        p.setProperty("call.calibration.intercept", Double.toString(settings.calibration().intercept()));
        p.setProperty("call.studyScore", settings.studyScore().key());
        if (members.size() > 1) p.setProperty("members", Integer.toString(members.size()));
        // written last: a folder without it is an incomplete artifact and does not load
        Path tmp = dir.resolve(DESCRIPTOR + ".tmp");
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) { p.store(out, "ich-node model artifact"); }
        Files.move(tmp, dir.resolve(DESCRIPTOR), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    public static Settings readSettings(Path dir) throws IOException {
        return settingsOf(descriptor(dir), dir);
    }

    private static Settings settingsOf(Properties p, Path dir) throws IOException {
        try {
            List<HuWindow> windows = new ArrayList<>();
            for (String w : required(p, "input.windows").split(",")) {
                String[] lw = w.trim().split("/");
                windows.add(new HuWindow(Double.parseDouble(lw[0]), Double.parseDouble(lw[1])));
            }
            return new Settings(required(p, "name"), required(p, "version"),
                    new PreprocessOptions(Integer.parseInt(required(p, "input.size")), windows,
                            Integer.parseInt(p.getProperty("input.neighbours", "0").trim()),
                            Boolean.parseBoolean(p.getProperty("input.brainOnly", "false").trim()),
                            Boolean.parseBoolean(p.getProperty("input.unet.brainOnly", "false").trim())),
                    Double.parseDouble(required(p, "mask.threshold")), Double.parseDouble(required(p, "lesion.minVolumeMl")),
                    Double.parseDouble(p.getProperty("call.threshold", "0").trim()),
                    new StudyCalibration(Double.parseDouble(p.getProperty("call.calibration.slope", "1").trim()),
                            Double.parseDouble(p.getProperty("call.calibration.intercept", "0").trim())),
                    StudyScore.ofKey(p.getProperty("call.studyScore", StudyScore.CLASSIFIERS.key()).trim()));
        } catch (RuntimeException e) {
            throw new IOException("bad " + DESCRIPTOR + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    public static IchModel load(Path dir) throws IOException {
        Properties descriptor = descriptor(dir);
        Settings s = settingsOf(descriptor, dir);
        int count = memberCount(descriptor, dir);
        List<Member> members = new ArrayList<>();
        ResNetClassifier a = null, b = null;
        try {
            for (int m = 0; m < count; m++) {
                Path at = memberDir(dir, m);
                a = ResNetClassifier.load(at.resolve("classifier-a"));
                b = ResNetClassifier.load(at.resolve("classifier-b"));
                members.add(new Member(a, b, UNet.load(at.resolve("unet"))));
                a = b = null;
            }
            return new IchModel(s, members);
        } catch (IOException | RuntimeException e) {
            if (a != null) a.close();
            if (b != null) b.close();
            for (Member m : members) m.close();
            throw e;
        }
    }

    /** The first member lies in the artifact's own folder (as before ensembles), member k+1 in {@code member-(k+1)}. */
    private static Path memberDir(Path dir, int index) { return index == 0 ? dir : dir.resolve("member-" + (index + 1)); }

    private static Properties descriptor(Path dir) throws IOException {
        Path f = dir.resolve(DESCRIPTOR);
        if (!Files.isRegularFile(f)) throw new IOException("not a model artifact (no " + DESCRIPTOR + "): " + dir);
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) { p.load(r); }
        return p;
    }

    private static int memberCount(Properties p, Path dir) throws IOException {
        try {
            int n = Integer.parseInt(p.getProperty("members", "1").trim());
            if (n < 1) throw new NumberFormatException("below 1");
            return n;
        } catch (NumberFormatException e) {
            throw new IOException("bad " + DESCRIPTOR + " in " + dir + ": members must be a count >= 1: " + e.getMessage(), e);
        }
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) throw new IllegalArgumentException("missing " + key);
        return v.trim();
    }

    private static String fmt(double d) { return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%s", d); }

    @Override public void close() {
        for (Member m : members) m.close();
    }
}
