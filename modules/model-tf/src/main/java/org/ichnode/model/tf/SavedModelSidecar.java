package org.ichnode.model.tf;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.ichnode.core.volume.HuWindow;
import org.ichnode.core.preprocess.PreprocessOptions;

/**
 * The file {@value #FILE_NAME} next to {@code saved_model.pb}: how ich-node prepares slices for the model and reads
 * its output. Keys (see docs/model-tensorflow.md):
 *
 * <pre>
 * model.name=...              required, AlgorithmName in the SEG/SR
 * model.version=...           required
 * input.size=384              required, side S of the square model input
 * input.windows=50/130        required, level/width per channel in channel order, comma-separated
 * threshold=0.5               required, a voxel is hemorrhage when its probability is at least this (0 &lt; t &lt; 1)
 * signature.key=serving_default   optional (this default)
 * signature.input=slices          optional, input key of the signature (this default)
 * signature.output=probability    optional, output key of the signature (this default)
 * </pre>
 *
 * Unknown keys are refused, so a misspelt key is not silently replaced by its default.
 */
public record SavedModelSidecar(String modelName, String modelVersion, PreprocessOptions preprocess, double threshold,
                                String signatureKey, String inputName, String outputName) {

    public static final String FILE_NAME = "ichnode-savedmodel.properties";

    private static final Set<String> KEYS = Set.of("model.name", "model.version", "input.size", "input.windows",
            "threshold", "signature.key", "signature.input", "signature.output");

    public SavedModelSidecar {
        if (!(threshold > 0 && threshold < 1)) throw new IllegalArgumentException("threshold must be inside (0, 1): " + threshold);
    }

    /** Reads and checks {@code dir/}{@value #FILE_NAME}; every problem is an IllegalArgumentException naming the file. */
    public static SavedModelSidecar read(Path modelDir) {
        Path file = modelDir.resolve(FILE_NAME);
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no " + FILE_NAME + " in " + modelDir
                    + ": a SavedModel for ich-node needs this file saying how to preprocess (see docs/model-tensorflow.md)");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Set<String> unknown = new TreeSet<>(p.stringPropertyNames());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) throw new IllegalArgumentException(file + ": unknown keys " + unknown + "; known: " + new TreeSet<>(KEYS));
        try {
            int size = parseInt(required(p, "input.size"), "input.size");
            PreprocessOptions pre = new PreprocessOptions(size, parseWindows(required(p, "input.windows")));
            return new SavedModelSidecar(required(p, "model.name"), required(p, "model.version"), pre,
                    parseDouble(required(p, "threshold"), "threshold"),
                    optional(p, "signature.key", "serving_default"),
                    optional(p, "signature.input", "slices"),
                    optional(p, "signature.output", "probability"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public int size() { return preprocess.size(); }

    public int channels() { return preprocess.channels(); }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) throw new IllegalArgumentException("missing " + key);
        return v.trim();
    }

    private static String optional(Properties p, String key, String fallback) {
        String v = p.getProperty(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    /** "50/130, 80/200" -> two windows. */
    static List<HuWindow> parseWindows(String text) {
        List<HuWindow> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String[] lw = part.trim().split("/");
            if (lw.length != 2) throw new IllegalArgumentException("input.windows: expected level/width, got '" + part.trim() + "'");
            out.add(new HuWindow(parseDouble(lw[0], "window level"), parseDouble(lw[1], "window width")));
        }
        return out;
    }

    private static int parseInt(String s, String what) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not an integer: '" + s + "'");
        }
    }

    private static double parseDouble(String s, String what) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not a number: '" + s + "'");
        }
    }
}
