package org.ichnode.node;

import java.util.Optional;
import java.util.function.Supplier;
import org.ichnode.node.retrain.ActiveModel;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.core.volume.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the workers segment with: the registry's active model when there is one (retraining promoted it, or
 * {@code ./ichnode models activate}), else the configured segmenter ({@code model.dir}). The active model is looked
 * up at the start of every segmentation, so a job runs start to end with one model and a promotion takes effect at
 * the next job; loading happens then, on the worker. A model that fails to load is logged and the previous one kept.
 */
final class ServingSegmenter implements Segmenter, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServingSegmenter.class);

    private final Segmenter configured;
    private final Supplier<Optional<ActiveModel.Active>> active;
    private final int threads;
    private Segmenter loaded;
    private String loadedVersion;
    private volatile String failedVersion;
    /** What segments now, readable without waiting for a running segmentation (the health check). */
    private volatile String serving;

    ServingSegmenter(Segmenter configured, Supplier<Optional<ActiveModel.Active>> active, int threads) {
        this.configured = configured;
        this.active = active;
        this.threads = threads;
    }

    @Override
    public synchronized Segmentation segment(Volume volume) { return current().segment(volume); }

    /** The segmenter the next job uses (switching to a newly activated model first). */
    synchronized Segmenter current() {
        Optional<ActiveModel.Active> a = active.get();
        if (a.isEmpty()) {
            if (loaded != null) {
                log.info("no active model in the registry any more: segmenting with {} {}", configured.algorithmName(), configured.algorithmVersion());
                closeLoaded();
            }
            serving = configured.algorithmName() + " " + configured.algorithmVersion();
            return configured;
        }
        String version = a.get().version();
        if (!version.equals(loadedVersion) && !version.equals(failedVersion)) {
            try {
                Segmenter next = SegmenterChoice.loadAny(a.get().artifactPath(), threads);
                closeLoaded();
                loaded = next;
                loadedVersion = version;
                failedVersion = null;
                log.info("segmenting with the active model {} from {}", version, a.get().artifactPath());
            } catch (RuntimeException e) {
                failedVersion = version;
                log.error("active model {} does not load, keeping {}: {}", version,
                        loaded != null ? loadedVersion : configured.algorithmName(), e.getMessage());
            }
        }
        Segmenter now = loaded != null ? loaded : configured;
        serving = now.algorithmName() + " " + now.algorithmVersion();
        return now;
    }

    /** The model the last job used ("name version"), or null before the first; never blocks. */
    String serving() { return serving; }

    /** The active model's version that failed to load (the node keeps the one before it), or null. */
    String failedVersion() { return failedVersion; }

    @Override public synchronized String algorithmName() { return current().algorithmName(); }

    @Override public synchronized String algorithmVersion() { return current().algorithmVersion(); }

    private void closeLoaded() {
        if (loaded instanceof AutoCloseable c) {
            try { c.close(); } catch (Exception e) { log.warn("closing model {}: {}", loadedVersion, e.toString()); }
        }
        loaded = null;
        loadedVersion = null;
    }

    @Override
    public synchronized void close() throws Exception {
        closeLoaded();
        if (configured instanceof AutoCloseable c) c.close();
    }
}
