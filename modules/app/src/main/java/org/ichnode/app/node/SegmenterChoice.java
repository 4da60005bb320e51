package org.ichnode.app.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ichnode.app.cli.ModelRuntime;
import org.ichnode.app.config.ConfigException;
import org.ichnode.app.config.Keys;
import org.ichnode.app.config.Settings;
import org.ichnode.core.segmentation.HuThresholdSegmenter;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.model.IchModel;
import org.ichnode.model.ModelSegmenter;
import org.ichnode.model.tf.SavedModelSegmenter;
import org.ichnode.model.tf.SavedModelSidecar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which segmenter the node runs, from {@code model.dir}: {@code baseline} (the HU threshold baseline), {@code default}
 * (the model shipped in {@code models/default} under the installation; the baseline when it is absent, with a
 * warning), or the path of a model folder: an ich-node artifact ({@value IchModel#DESCRIPTOR}) or an imported
 * TensorFlow SavedModel ({@value SavedModelSidecar#FILE_NAME} beside saved_model.pb). A configured folder that does
 * not load is an error at start-up: a node configured for a model must not silently fall back.
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

    /** Loads an ich-node artifact or a SavedModel; anything else is a configuration error naming the key. */
    public static Segmenter loadAny(Path dir, int threads) {
        if (Files.isRegularFile(dir.resolve(SavedModelSidecar.FILE_NAME))) {
            try {
                SavedModelSegmenter s = SavedModelSegmenter.load(dir, SavedModelSegmenter.Options.defaults().withThreads(threads));
                log.info("segmenter: TensorFlow SavedModel {} {} from {}", s.algorithmName(), s.algorithmVersion(), dir);
                return s;
            } catch (RuntimeException e) {
                throw new ConfigException(Keys.MODEL_DIR, "cannot load the SavedModel in " + dir + ": " + e.getMessage());
            }
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
