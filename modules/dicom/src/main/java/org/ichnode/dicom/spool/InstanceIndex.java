package org.ichnode.dicom.spool;

import java.nio.file.Path;

/**
 * Where the spool records an instance once its file is durable. Implemented by the node on top of the
 * database; throwing means "not recorded" and the C-STORE is answered with a failure.
 */
public interface InstanceIndex {
    void record(StoredInstance instance) throws Exception;

    /**
     * The instance recorded with file {@code from} now lives at {@code to} (the same bytes; {@code from} goes away
     * after a grace period). Returns false when the record does not point at {@code from} (then nothing changes).
     * Only called by a spool with preallocated files; an index that never sees one need not implement it.
     */
    default boolean moved(String sopInstanceUid, Path from, Path to) throws Exception {
        throw new UnsupportedOperationException("this index does not follow moved spool files");
    }
}
