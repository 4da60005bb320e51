package org.ichnode.node.retrain;

import org.ichnode.store.ModelRegistry;
import org.ichnode.store.ModelVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The active model as serving sees it: read from the registry at start, after a promotion on this node, and by a
 * periodic {@link #refresh()} (a promotion or {@code models activate} elsewhere in the cluster). Serving asks
 * {@link #current()} between jobs, so a job runs start to end with one model. Empty: no model yet (HU baseline).
 */
public final class ActiveModel {
    private static final Logger log = LoggerFactory.getLogger(ActiveModel.class);

    /** The version serving should use and where its artifact folder is. */
    public record Active(String version, Path artifactPath) {}

    private final ModelRegistry registry;
    private volatile Optional<Active> current = Optional.empty();
    private volatile java.util.function.BiConsumer<Optional<Active>, Optional<Active>> onChange = (before, now) -> { };

    public ActiveModel(ModelRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Called with (before, now) whenever the active version this node sees changes (for the audit trail). */
    public void onChange(java.util.function.BiConsumer<Optional<Active>, Optional<Active>> listener) {
        this.onChange = Objects.requireNonNull(listener);
    }

    public Optional<Active> current() {
        return current;
    }

    /** Reads the active version from the registry; returns it. A database error keeps the last known one. */
    public Optional<Active> refresh() {
        Optional<Active> now;
        try {
            now = registry.active().map(ActiveModel::of);
        } catch (RuntimeException e) {
            log.warn("cannot read the active model, keeping {}: {}", describe(current), e.toString());
            return current;
        }
        if (!now.equals(current)) {
            log.info("active model: {} (was {})", describe(now), describe(current));
            Optional<Active> before = current;
            current = now;
            onChange.accept(before, now);
        }
        return now;
    }

    private static Active of(ModelVersion v) {
        return new Active(v.version(), v.artifactPath());
    }

    private static String describe(Optional<Active> a) {
        return a.map(x -> x.version() + " at " + x.artifactPath()).orElse("none (HU baseline)");
    }
}
