package org.ichnode.dicom.net;

/** DIMSE status codes the storage SCP answers with and the query SCU reads (PS3.7 Annex C, PS3.4 B.2.3 and C.4.1.1.4). */
public final class DimseStatus {
    private DimseStatus() {}

    public static final int SUCCESS = 0x0000;
    /** Refused: Out of Resources (disk full, spool not writable, database down). */
    public static final int OUT_OF_RESOURCES = 0xA700;
    /** Error: Data Set does not match SOP Class. */
    public static final int DATASET_DOES_NOT_MATCH_SOP_CLASS = 0xA900;
    /** Error: Cannot understand (malformed data set). */
    public static final int CANNOT_UNDERSTAND = 0xC000;
    /** Failure: processing failure. */
    public static final int PROCESSING_FAILURE = 0x0110;
    /** Refused: SOP Class not supported. */
    public static final int SOP_CLASS_NOT_SUPPORTED = 0x0122;
    /** C-FIND: a match follows, all optional keys supported. */
    public static final int PENDING = 0xFF00;
    /** C-FIND: a match follows, some optional keys not supported. */
    public static final int PENDING_WARNING = 0xFF01;
}
