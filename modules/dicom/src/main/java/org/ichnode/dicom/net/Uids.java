package org.ichnode.dicom.net;

/** UIDs the network layer needs to know by value. */
public final class Uids {
    private Uids() {}

    public static final String APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";
    public static final String VERIFICATION = "1.2.840.10008.1.1";
    public static final String CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2";
    public static final String ENHANCED_CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1";
    /** Study Root Query/Retrieve Information Model - FIND. */
    public static final String STUDY_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.2.1";

    public static final String IMPLICIT_VR_LE = "1.2.840.10008.1.2";
    public static final String EXPLICIT_VR_LE = "1.2.840.10008.1.2.1";
    public static final String RLE_LOSSLESS = "1.2.840.10008.1.2.5";
    /** JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, selection value 1). */
    public static final String JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70";
    /** JPEG Lossless, Non-Hierarchical (Process 14). */
    public static final String JPEG_LOSSLESS = "1.2.840.10008.1.2.4.57";

    /** Implementation Class UID of ich-node (UUID-derived, under 2.25). */
    public static final String IMPLEMENTATION_CLASS = "2.25.242347905722427617958113046227612894531";
    public static final String IMPLEMENTATION_VERSION = "ICHNODE_010";

    /**
     * A UID as PS3.5 9.1 defines it: at most 64 characters, components of digits separated by single dots, none
     * empty. ".." or "1..2" are not UIDs (and must never become file names or log text). A component with a leading
     * zero, also not allowed, is tolerated: older devices write them, and refusing their images would lose studies.
     */
    public static boolean isValid(String uid) {
        if (uid == null || uid.isEmpty() || uid.length() > 64) return false;
        int start = 0;
        while (true) {
            int dot = uid.indexOf('.', start);
            int end = dot < 0 ? uid.length() : dot;
            if (end == start) return false;
            for (int i = start; i < end; i++) if (uid.charAt(i) < '0' || uid.charAt(i) > '9') return false;
            if (dot < 0) return true;
            start = dot + 1;
        }
    }

    /** The CT image storage classes: an instance of one is an image and must carry Rows, Columns and Pixel Data. */
    public static boolean isCtImage(String sopClassUid) {
        return CT_IMAGE_STORAGE.equals(sopClassUid) || ENHANCED_CT_IMAGE_STORAGE.equals(sopClassUid);
    }

    public static boolean isCompressed(String transferSyntax) {
        return RLE_LOSSLESS.equals(transferSyntax) || JPEG_LOSSLESS_SV1.equals(transferSyntax)
                || JPEG_LOSSLESS.equals(transferSyntax);
    }
}
