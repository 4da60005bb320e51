package org.ichnode.node;

import org.ichnode.store.Retention;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * Removes what retention allows ({@link Retention} decides what is finished with): images of finished series older
 * than {@code retention.imageDays}; result objects older than {@code retention.resultDays}; and, while free space is
 * below {@code retention.minFreeMb}, images of the oldest finished series whatever their age. Only files inside the
 * spool's instance folder and the results folder are ever deleted. Every removal is in the audit trail.
 */
final class RetentionSweeper {
    private static final Logger log = LoggerFactory.getLogger(RetentionSweeper.class);
    private static final int BATCH = 20;

    private final Retention retention;
    private final Path instancesDir;
    private final Path resultsDir;
    private final Duration imageAge;
    private final Duration resultAge;
    private final long minFreeBytes;
    private final LongSupplier freeBytes;
    private final AuditLog audit;

    /** @param imageAge null: images are kept by age; @param resultAge null: results are kept; @param minFreeBytes 0: no watermark */
    RetentionSweeper(Retention retention, Path instancesDir, Path resultsDir, Duration imageAge, Duration resultAge, long minFreeBytes,
                     LongSupplier freeBytes, AuditLog audit) {
        this.retention = retention;
        this.instancesDir = instancesDir.toAbsolutePath().normalize();
        this.resultsDir = resultsDir.toAbsolutePath().normalize();
        this.imageAge = imageAge;
        this.resultAge = resultAge;
        this.minFreeBytes = minFreeBytes;
        this.freeBytes = freeBytes;
        this.audit = audit;
    }

    /** One pass as of {@code now}. @return series whose images were removed */
    int sweep(Instant now) {
        int series = 0;
        if (imageAge != null) {
            while (true) {
                var batch = retention.removableSeries(now.minus(imageAge), BATCH);
                int removed = 0;
                for (Retention.Removable r : batch) removed += removeImages(r, "older than retention.imageDays") ? 1 : 0;
                series += removed;
                if (batch.size() < BATCH || removed == 0) break;
            }
        }
        if (minFreeBytes > 0) {
            while (freeBytes.getAsLong() < minFreeBytes) {
                var batch = retention.removableSeries(null, 1);
                if (batch.isEmpty()) {
                    log.warn("free space below retention.minFreeMb and nothing finished left to remove");
                    break;
                }
                if (!removeImages(batch.get(0), "free space below retention.minFreeMb")) break;
                series++;
            }
        }
        if (resultAge != null) {
            for (Retention.RemovableResult r : retention.removableResults(now.minus(resultAge), 500)) {
                Path folder = Path.of(r.folder()).toAbsolutePath().normalize();
                if (!folder.startsWith(resultsDir)) {
                    log.warn("result {}: folder outside {}, left alone", r.resultId(), resultsDir);
                    continue;
                }
                try {
                    deleteTree(folder);
                    retention.resultObjectsRemoved(r.resultId());
                    audit.record("retention.result_removed", "retention", Map.of("result", r.resultId(), "reason", "older than retention.resultDays"));
                } catch (IOException e) {
                    log.error("result {}: objects not removed: {}", r.resultId(), e.toString());
                }
            }
        }
        if (series > 0) log.info("retention removed the images of {} finished series", series);
        return series;
    }

    private boolean removeImages(Retention.Removable r, String why) {
        long bytes = 0;
        int files = 0;
        for (String f : r.files()) {
            Path p = Path.of(f).toAbsolutePath().normalize();
            if (!p.startsWith(instancesDir)) {
                log.info("series {}: an instance is still in a preallocated file; removed on a later pass", r.seriesInstanceUid());
                return false;
            }
        }
        // files first, rows after: a crash in between leaves rows whose files are gone, removed on the next pass; the
        // other order would leave files without rows, which start-up records again as new instances of a done series
        for (String f : r.files()) {
            try {
                Path p = Path.of(f);
                long size = Files.exists(p) ? Files.size(p) : 0;
                if (Files.deleteIfExists(p)) {
                    bytes += size;
                    files++;
                }
            } catch (IOException e) {
                log.error("series {}: {} not removed: {}", r.seriesInstanceUid(), f, e.toString());
            }
        }
        if (!retention.imagesRemoved(r.seriesId(), "images removed by retention (" + why + ") at " + Instant.now())) {
            log.warn("series {}: reopened while its images were being removed", r.seriesInstanceUid());
        }
        audit.record("retention.images_removed", "retention", Map.of("series", r.seriesInstanceUid(), "files", files, "bytes", bytes, "reason", why));
        return true;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        }
    }
}
