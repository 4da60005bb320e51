package org.ichnode.store;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A frozen training dataset: the series of the labelled studies with their labels and content hashes, as they were
 * at {@code frozenAt}. The file paths are where the node keeps the instances (not part of the frozen content; the
 * hashes are).
 *
 * @param newStudies  studies whose label was linked after the previous snapshot was frozen
 * @param contentHash SHA-256 over the entries in series UID order: two snapshots with equal hashes hold the same data
 */
public record DatasetSnapshot(long id, Instant frozenAt, int newStudies, int studyCount, String contentHash, List<Entry> entries) {

    /** One series of a labelled study. {@code files} are in SOP Instance UID order, as hashed. */
    public record Entry(String studyInstanceUid, String seriesInstanceUid, String label, long reportId, String seriesHash,
                        List<Path> files) {
        public Entry {
            files = List.copyOf(files);
        }
    }

    public DatasetSnapshot {
        entries = List.copyOf(entries);
    }
}
