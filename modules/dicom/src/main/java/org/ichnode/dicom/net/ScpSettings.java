package org.ichnode.dicom.net;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How the storage SCP listens and negotiates.
 *
 * @param transferSyntaxes accepted transfer syntaxes in order of preference
 * @param maxPduLength     the largest P-DATA-TF PDU we accept (announced in the A-ASSOCIATE-AC)
 */
public record ScpSettings(String aeTitle, InetAddress bindAddress, int port, CallerAllowlist allowedCallers,
                          int maxAssociations, int maxPduLength, Duration idleTimeout,
                          Set<String> storageSopClasses, List<String> transferSyntaxes) {

    public static final Set<String> CT_STORAGE = Set.of(Uids.CT_IMAGE_STORAGE, Uids.ENHANCED_CT_IMAGE_STORAGE);
    public static final List<String> DEFAULT_TRANSFER_SYNTAXES = List.of(Uids.EXPLICIT_VR_LE, Uids.IMPLICIT_VR_LE,
            Uids.RLE_LOSSLESS, Uids.JPEG_LOSSLESS_SV1, Uids.JPEG_LOSSLESS);

    public ScpSettings {
        if (aeTitle == null || aeTitle.isBlank() || aeTitle.length() > 16) throw new IllegalArgumentException("AE title must be 1 to 16 characters");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        if (maxAssociations < 1) throw new IllegalArgumentException("maxAssociations must be at least 1");
        if (maxPduLength < 4096) throw new IllegalArgumentException("maxPduLength must be at least 4096");
    }
}
