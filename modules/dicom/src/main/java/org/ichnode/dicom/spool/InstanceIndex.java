package org.ichnode.dicom.spool;

/**
 * Where the spool records an instance once its file is durable. Implemented by the node on top of the
 * database; throwing means "not recorded" and the C-STORE is answered with a failure.
 */
public interface InstanceIndex {
    void record(StoredInstance instance) throws Exception;
}
