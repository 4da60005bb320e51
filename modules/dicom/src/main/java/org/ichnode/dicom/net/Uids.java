package org.ichnode.dicom.net;

/** UIDs the network layer needs to know by value. */
public final class Uids {
    private Uids() {}

    public static final String APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";
    public static final String VERIFICATION = "1.2.840.10008.1.1";
    public static final String CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2";
    public static final String ENHANCED_CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1";

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

    public static boolean isCompressed(String transferSyntax) {
        return RLE_LOSSLESS.equals(transferSyntax) || JPEG_LOSSLESS_SV1.equals(transferSyntax)
                || JPEG_LOSSLESS.equals(transferSyntax);
    }
}
