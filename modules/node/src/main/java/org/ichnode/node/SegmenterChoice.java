package org.ichnode.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ichnode.model.ModelRuntime;
import org.ichnode.node.config.ConfigException;
import org.ichnode.node.config.Keys;
import org.ichnode.node.config.Settings;
import org.ichnode.core.segmentation.HuThresholdSegmenter;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.model.IchModel;
import org.ichnode.model.ModelSegmenter;
import org.ichnode.core.segmentation.SegmenterProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which segmenter the node runs, from {@code model.dir}: {@code baseline} (the HU threshold baseline), {@code default}
 * (the model shipped in {@code models/default} under the installation; the baseline when it is absent, with a
 * warning), or the path of a model folder: an ich-node artifact ({@value IchModel#DESCRIPTOR}) or an imported
 * TensorFlow SavedModel ({@value #SAVED_MODEL_SIDECAR} beside saved_model.pb), which a {@link SegmenterProvider} on the
 * class path runs (modules/model-tf, built with {@code mvn -P tensorflow}). A configured folder that does not load is
 * an error at start-up: a node configured for a model must not silently fall back.
 */
public final class SegmenterChoice {
    private static final Logger log = LoggerFactory.getLogger(SegmenterChoice.class);

    private SegmenterChoice() {}

    public static Segmenter open(Settings settings) throws IOException {
        String v = settings.get(Keys.MODEL_DIR).trim();
        if (v.equals("baseline")) {
            log.info("segmenter: HU threshold baseline (model.dir=baseline)");
            return new HuThresholdSegmenter();
        }
        Path dir;
        if (v.equals("default")) {
            dir = defaultModel();
            if (!Files.isRegularFile(dir.resolve(IchModel.DESCRIPTOR))) {
                log.warn("segmenter: no shipped model at {}; using the HU threshold baseline", dir);
                return new HuThresholdSegmenter();
            }
        } else {
            dir = Path.of(v);
        }
        return loadAny(dir, settings.getInt(Keys.MODEL_THREADS));
    }

    /** The SavedModel sidecar's name (SavedModelSidecar.FILE_NAME in model-tf), to say what is missing without that module. */
    static final String SAVED_MODEL_SIDECAR = "ichnode-savedmodel.properties";

    /** Loads an ich-node artifact or a model a provider on the class path runs; anything else is a configuration error naming the key. */
    public static Segmenter loadAny(Path dir, int threads) {
        for (SegmenterProvider p : java.util.ServiceLoader.load(SegmenterProvider.class)) {
            if (!p.accepts(dir)) continue;
            try {
                Segmenter s = p.open(dir, threads);
                log.info("segmenter: {} {} from {} ({})", s.algorithmName(), s.algorithmVersion(), dir, p.getClass().getSimpleName());
                return s;
            } catch (RuntimeException e) {
                throw new ConfigException(Keys.MODEL_DIR, "cannot load the model in " + dir + ": " + e.getMessage());
            }
        }
        if (Files.isRegularFile(dir.resolve(SAVED_MODEL_SIDECAR))) {
            throw new ConfigException(Keys.MODEL_DIR, dir + " is a TensorFlow SavedModel, and this installation has no TensorFlow: build it with "
                    + "mvn -P tensorflow install (adds modules/model-tf and TensorFlow's native library to modules/app/target/lib)");
        }
        return load(dir, threads);
    }

    /** Loads an ich-node model artifact; a folder that does not hold one is a configuration error naming the key. */
    public static ModelSegmenter load(Path dir, int threads) {
        ModelRuntime.configure(threads);
        try {
            ModelSegmenter s = ModelSegmenter.load(dir);
            log.info("segmenter: {} {} from {}", s.algorithmName(), s.algorithmVersion(), dir);
            return s;
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(Keys.MODEL_DIR, "cannot load a model from " + dir + ": " + e.getMessage());
        }
    }

    /**
     * The ich-node model artifact {@code model.dir} serves with while the registry has no active model, or null (the
     * HU baseline, a missing shipped model, or a SavedModel, which the trainer cannot score).
     */
    public static Path configuredArtifact(Settings settings) {
        String v = settings.get(Keys.MODEL_DIR).trim();
        if (v.equals("baseline")) return null;
        Path dir = v.equals("default") ? defaultModel() : Path.of(v);
        return Files.isRegularFile(dir.resolve(IchModel.DESCRIPTOR)) ? dir.toAbsolutePath() : null;
    }

    /** {@code models/default} under the installation ({@code -Dichnode.home}, else the working directory). */
    public static Path defaultModel() {
        return Path.of(System.getProperty("ichnode.home", ".")).resolve("models").resolve("default");
    }

    /** {@code models/phantom}: the model trained on phantoms only, kept for comparison ({@code model.dir=models/phantom}). */
    public static Path phantomModel() {
        return defaultModel().resolveSibling("phantom");
    }
}
