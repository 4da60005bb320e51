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
 * @param artimTimeout     the whole A-ASSOCIATE-RQ must arrive within this time (the ARTIM timer of PS3.8): a peer
 *                         sending a byte every few seconds cannot hold an association slot, or the rejection of one
 */
public record ScpSettings(String aeTitle, InetAddress bindAddress, int port, CallerAllowlist allowedCallers,
                          int maxAssociations, int maxPduLength, Duration idleTimeout,
                          Set<String> storageSopClasses, List<String> transferSyntaxes, Duration artimTimeout) {

    public static final Duration DEFAULT_ARTIM = Duration.ofSeconds(20);

    public ScpSettings(String aeTitle, InetAddress bindAddress, int port, CallerAllowlist allowedCallers, int maxAssociations,
                       int maxPduLength, Duration idleTimeout, Set<String> storageSopClasses, List<String> transferSyntaxes) {
        this(aeTitle, bindAddress, port, allowedCallers, maxAssociations, maxPduLength, idleTimeout, storageSopClasses,
                transferSyntaxes, DEFAULT_ARTIM);
    }

    public ScpSettings withArtimTimeout(Duration artim) {
        return new ScpSettings(aeTitle, bindAddress, port, allowedCallers, maxAssociations, maxPduLength, idleTimeout,
                storageSopClasses, transferSyntaxes, artim);
    }

    public static final Set<String> CT_STORAGE = Set.of(Uids.CT_IMAGE_STORAGE, Uids.ENHANCED_CT_IMAGE_STORAGE);
    public static final List<String> DEFAULT_TRANSFER_SYNTAXES = List.of(Uids.EXPLICIT_VR_LE, Uids.IMPLICIT_VR_LE,
            Uids.RLE_LOSSLESS, Uids.JPEG_LOSSLESS_SV1, Uids.JPEG_LOSSLESS);

    public ScpSettings {
        if (aeTitle == null || aeTitle.isBlank() || aeTitle.length() > 16) throw new IllegalArgumentException("AE title must be 1 to 16 characters");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        if (maxAssociations < 1) throw new IllegalArgumentException("maxAssociations must be at least 1");
        if (maxPduLength < 4096) throw new IllegalArgumentException("maxPduLength must be at least 4096");
        if (artimTimeout == null || artimTimeout.isNegative() || artimTimeout.isZero()) throw new IllegalArgumentException("artimTimeout must be > 0");
    }
}
