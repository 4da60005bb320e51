package org.ichnode.dicom.spool;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.TransferSyntax;
import org.ichnode.dicom.net.DimseStatus;
import org.ichnode.dicom.net.InstanceSink;
import org.ichnode.dicom.net.Uids;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The durable spool: each incoming data set is streamed into a temporary Part 10 file, synced, decoded if it
 * came compressed, checked, moved atomically to {@code instances/<xx>/<SOPInstanceUID>.dcm} (directory synced),
 * and recorded in the {@link InstanceIndex}. Only then is the C-STORE answered with success. Any failure leaves
 * no temporary file behind and answers with a failure status; the sender keeps its copy and can resend.
 * A resent instance replaces the file of the same SOP Instance UID (idempotent).
 *
 * <p>With preallocated files ({@link PreallocatedFiles}) an uncompressed instance is written into a zero-filled,
 * synced file instead, followed by Data Set Trailing Padding (FFFC,FFFC) to the file's end so that it is a valid
 * Part 10 file as it stands; once that is synced and recorded the C-STORE succeeds, and the {@link SpoolFinaliser}
 * then gives it its ordinary place and length in the background. {@link #recover} must run at start-up, before the
 * first association, whether or not preallocation is on (a previous run may have used it).
 */
public final class DicomSpool implements InstanceSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DicomSpool.class);

    /** Enough for the attributes before Pixel Data of any ordinary CT image. */
    private static final int HEADER_CAPTURE_BYTES = 64 * 1024;

    /**
     * The padding's value starts with this marker and the SHA-256 of the instance (the file up to the padding), so
     * that start-up can tell a whole, synced instance from a partly written one without the database: the embedded
     * database may lose its last second of commits on power loss, and the ordinary path survives that too (start-up
     * records spool files that have no row).
     */
    private static final byte[] PADDING_MARKER = "ichnode sha-256 ".getBytes(StandardCharsets.US_ASCII);

    /** Room kept at the end of a preallocated file: the padding element's header (at most 12 bytes), marker, digest. */
    private static final int PADDING_RESERVE = 12 + 16 + 32;

    private final Path tmpDir;
    private final java.nio.file.FileStore spoolStore;
    private final Path instancesDir;
    private final InstanceIndex index;
    private final long minFreeBytes;
    private final Set<String> acceptedSopClasses;
    private final Path preallocatedDir;
    private final PreallocatedFiles preallocated; // null: off
    private final SpoolFinaliser finaliser;
    private volatile boolean recovered;

    /** An instance on record under a preallocated file's name, as the index has it: for {@link #recover}. */
    public record RecordedFile(String sopInstanceUid, long sizeBytes) {}

    public DicomSpool(Path storageDir, InstanceIndex index, long minFreeBytes, Set<String> acceptedSopClasses)
            throws IOException {
        this(storageDir, index, minFreeBytes, acceptedSopClasses, 0, null);
    }

    /**
     * @param preallocatedFiles how many zero-filled files to keep ready (0: none, every instance takes the ordinary path)
     * @param nodeName          where several nodes share {@code storageDir}: each node's temporary and preallocated
     *                          files live in a folder of its own ({@code spool/tmp/<node>}, {@code spool/slots/<node>}),
     *                          since start-up removes the unrecorded ones; null: a single node ({@code spool/tmp},
     *                          {@code spool/slots})
     */
    public DicomSpool(Path storageDir, InstanceIndex index, long minFreeBytes, Set<String> acceptedSopClasses,
                      int preallocatedFiles, String nodeName) throws IOException {
        if (preallocatedFiles < 0) throw new IllegalArgumentException("preallocatedFiles must be >= 0");
        String own = nodeName == null ? null : nodeName.replaceAll("[^A-Za-z0-9._-]", "_");
        if (own != null && (own.isEmpty() || own.startsWith("."))) throw new IllegalArgumentException("unusable node name for the spool: " + nodeName);
        Path tmpRoot = storageDir.resolve("spool").resolve("tmp"), slotsRoot = storageDir.resolve("spool").resolve("slots");
        this.tmpDir = Files.createDirectories(own == null ? tmpRoot : tmpRoot.resolve(own));
        this.spoolStore = Files.getFileStore(tmpDir); // looked up once: each lookup parses the mount table
        this.instancesDir = Files.createDirectories(storageDir.resolve("spool").resolve("instances"));
        this.index = index;
        this.minFreeBytes = minFreeBytes;
        this.acceptedSopClasses = Set.copyOf(acceptedSopClasses);
        Path preallocatedDir = own == null ? slotsRoot : slotsRoot.resolve(own);
        this.preallocated = preallocatedFiles > 0 ? new PreallocatedFiles(preallocatedDir, preallocatedFiles, spoolStore, minFreeBytes) : null;
        this.finaliser = new SpoolFinaliser(index, this::pathFor);
        this.preallocatedDir = preallocatedDir;
        removeLeftoverTemporaryFiles();
    }

    public Path instancesDir() { return instancesDir; }

    /**
     * Moves a file that cannot be read as an instance out of the spool into {@code spool/quarantine/}, with the reason
     * beside it ({@code NAME.reason.txt}), so that no later start parses it again; returns where it went.
     */
    public Path quarantine(Path file, String reason) throws IOException {
        Path dir = Files.createDirectories(instancesDir.getParent().resolve("quarantine"));
        Path target = dir.resolve(System.currentTimeMillis() + "-" + file.getFileName());
        Files.move(file, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(dir.resolve(target.getFileName() + ".reason.txt"), reason + System.lineSeparator(), StandardCharsets.UTF_8);
        syncDirectory(dir);
        log.warn("spool file {} quarantined as {}: {}", file.getFileName(), target.getFileName(), reason);
        return target;
    }

    /** Where preallocated files live, those holding instances not yet moved to their place included. */
    public Path preallocatedDir() { return preallocatedDir; }

    /** Preallocated files ready for the next instances (0 when the pool is off or still being filled). */
    public int preallocatedReady() { return preallocated == null ? 0 : preallocated.ready(); }

    /**
     * Start-up: the instances on record under a preallocated file's name ({@code recorded}, from the index) are moved
     * to their place (again; where a crash came after the move but before the index heard of it, the index is told
     * now), the preallocated files on record nowhere (free ones, unacknowledged ones, old names in their grace period)
     * are removed, and the background threads start.
     */
    public void recover(Map<Path, RecordedFile> recorded) throws Exception {
        if (recovered) throw new IllegalStateException("recover runs once");
        int resumed = 0, fixed = 0;
        for (Map.Entry<Path, RecordedFile> e : recorded.entrySet()) {
            Path f = e.getKey();
            RecordedFile r = e.getValue();
            Path place = pathFor(r.sopInstanceUid());
            if (Files.exists(f)) {
                finaliser.submit(new SpoolFinaliser.Pending(r.sopInstanceUid(), f, r.sizeBytes()));
                resumed++;
            } else if (Files.exists(place)) {
                index.moved(r.sopInstanceUid(), f, place);
                fixed++;
            } else {
                log.error("SOP Instance {} is on record as {} but neither that file nor {} exists",
                        r.sopInstanceUid(), f.getFileName(), place.getFileName());
            }
        }
        int removed = 0, unrecorded = 0;
        if (Files.isDirectory(preallocatedDir)) {
            try (var files = Files.list(preallocatedDir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    if (recorded.containsKey(p)) continue;
                    WholeInstance whole = wholeInstanceIn(p);
                    if (whole == null) {
                        if (Files.deleteIfExists(p)) removed++;
                    } else if (recordUnrecorded(p, whole)) {
                        unrecorded++;
                    } // else: kept for the next start
                }
            }
        }
        if (resumed + fixed + removed + unrecorded > 0) {
            log.info("preallocated spool files at start-up: {} instance(s) to move to their place, {} already there, "
                    + "{} whole instance(s) without a row recorded, {} other file(s) removed", resumed, fixed, unrecorded, removed);
        }
        finaliser.start();
        if (preallocated != null) preallocated.start();
        recovered = true;
    }

    /** The instance in a preallocated file: its length and SHA-256 (hex), as the padding's value vouches for them. */
    record WholeInstance(long length, String sha256) {}

    /**
     * The whole, synced instance in a preallocated file that has no row, or null: one whose padding element sits
     * exactly where its length field says, with the marker and a SHA-256 that matches the bytes before it. Free
     * files (zeros) and partly written ones (never acknowledged) have none.
     */
    static WholeInstance wholeInstanceIn(Path file) {
        try {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) { // free files are zeros: no "DICM"
                ByteBuffer magic = ByteBuffer.allocate(4);
                while (magic.hasRemaining() && ch.read(magic, 128 + magic.position()) > 0) { /* reading */ }
                if (magic.hasRemaining() || !"DICM".equals(new String(magic.array(), StandardCharsets.US_ASCII))) return null;
            }
            byte[] b = Files.readAllBytes(file);
            int m = lastIndexOf(b, PADDING_MARKER);
            if (m < 0 || m + PADDING_MARKER.length + 32 > b.length) return null;
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            for (int headerBytes : new int[] {12, 8}) {
                int q = m - headerBytes;
                if (q < 132 || bb.getInt(q) != 0xFFFCFFFC) continue;
                if (headerBytes == 12 && (b[q + 4] != 'O' || b[q + 5] != 'B')) continue;
                long declared = Integer.toUnsignedLong(bb.getInt(q + headerBytes - 4));
                if (declared != b.length - q - headerBytes) continue;
                MessageDigest md = newSha256();
                md.update(b, 0, q);
                byte[] digest = md.digest();
                if (java.util.Arrays.equals(digest, 0, 32, b, m + PADDING_MARKER.length, m + PADDING_MARKER.length + 32)) {
                    return new WholeInstance(q, HexFormat.of().formatHex(digest));
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static int lastIndexOf(byte[] b, byte[] pattern) {
        outer:
        for (int i = b.length - pattern.length; i >= 0; i--) {
            for (int k = 0; k < pattern.length; k++) if (b[i + k] != pattern[k]) continue outer;
            return i;
        }
        return -1;
    }

    /** Records a whole instance found without a row (as start-up does for ordinary spool files), then finalises it. */
    private boolean recordUnrecorded(Path file, WholeInstance whole) {
        InstanceHeader header;
        try {
            header = InstanceHeader.read(file);
        } catch (IOException e) {
            // unreadable as an instance: parsed again at every start otherwise
            try {
                quarantine(file, "not a readable instance: " + e.getMessage());
                return false;
            } catch (IOException q) {
                log.warn("preallocated spool file {} could not be quarantined (kept for the next start): {}", file.getFileName(), q.toString());
                return false;
            }
        }
        try {
            index.record(new StoredInstance(header, file, whole.length(), whole.sha256(), null));
            finaliser.submit(new SpoolFinaliser.Pending(header.sopInstanceUid(), file, whole.length()));
            return true;
        } catch (Exception e) {
            log.warn("preallocated spool file {} holds a whole instance that could not be recorded (kept for the next start): {}",
                    file.getFileName(), e.toString());
            return false;
        }
    }

    /** True when every instance acknowledged from a preallocated file so far has been handled by the finaliser. */
    public boolean finalised() { return finaliser.drained(); }

    /** Stops the background threads (the finaliser first finishes what is queued). */
    @Override
    public void close() {
        if (preallocated != null) preallocated.close();
        finaliser.close();
    }

    /** Temporary files are never acknowledged data: after a crash they are just removed. */
    private void removeLeftoverTemporaryFiles() throws IOException {
        try (var files = Files.list(tmpDir)) {
            for (Path p : (Iterable<Path>) files::iterator) if (Files.isRegularFile(p)) Files.deleteIfExists(p);
        }
    }

    /** Final place of an instance: spread over 256 folders by a hash of the UID. */
    public Path pathFor(String sopInstanceUid) {
        int h = sopInstanceUid.hashCode() & 0xFF;
        String bucket = (h < 16 ? "0" : "") + Integer.toHexString(h);
        return instancesDir.resolve(bucket).resolve(sopInstanceUid + ".dcm");
    }

    @Override
    public Incoming begin(String callingAeTitle, String sopClassUid, String sopInstanceUid, String transferSyntaxUid)
            throws IOException {
        if (!org.ichnode.dicom.net.Uids.isValid(sopInstanceUid)) throw new IllegalArgumentException("invalid SOP Instance UID");
        long free = spoolStore.getUsableSpace();
        if (free < minFreeBytes) {
            throw new IOException("spool volume has " + (free >> 20) + " MB free, below the reserve of "
                    + (minFreeBytes >> 20) + " MB");
        }
        return new SpoolFile(callingAeTitle, sopClassUid, sopInstanceUid, transferSyntaxUid);
    }

    private final class SpoolFile implements Incoming {
        private final String callingAe;
        private final String sopClassUid;
        private final String sopInstanceUid;
        private final String transferSyntaxUid;
        private Path tmp;                             // the file being written: temporary or preallocated
        private FileChannel channel;
        private PreallocatedFiles.Free slot;          // non-null while writing into a preallocated file
        private final MessageDigest sha256;
        private final byte[] head = new byte[HEADER_CAPTURE_BYTES];
        private int headLength;
        private int metaLength = -1;
        private long size;

        SpoolFile(String callingAe, String sopClassUid, String sopInstanceUid, String transferSyntaxUid) throws IOException {
            this.callingAe = callingAe;
            this.sopClassUid = sopClassUid;
            this.sopInstanceUid = sopInstanceUid;
            this.transferSyntaxUid = transferSyntaxUid;
            this.sha256 = newSha256();
            // compressed data sets are decoded into a new file anyway: they gain nothing from a preallocated one
            this.slot = preallocated != null && recovered && !Uids.isCompressed(transferSyntaxUid) ? preallocated.take() : null;
            if (slot != null) {
                this.tmp = slot.path();
                // readable too: a spill copies what was written into a temporary file
                this.channel = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } else {
                this.tmp = tmpDir.resolve(UUID.randomUUID() + ".part");
                this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            try {
                byte[] meta = fileMetaInformation(sopClassUid, sopInstanceUid, transferSyntaxUid, callingAe);
                write(meta, 0, meta.length);
                metaLength = meta.length;
            } catch (IOException e) {
                discard();
                throw e;
            }
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            if (slot != null && size + length > slot.bytes() - PADDING_RESERVE) spill();
            ByteBuffer b = ByteBuffer.wrap(buffer, offset, length);
            while (b.hasRemaining()) channel.write(b);
            sha256.update(buffer, offset, length);
            size += length;
            if (metaLength >= 0 && headLength < head.length) { // the data set's first bytes, for the header
                int n = Math.min(length, head.length - headLength);
                System.arraycopy(buffer, offset, head, headLength, n);
                headLength += n;
            }
        }

        /** The instance outgrew its preallocated file: carry on in a temporary file (the used one is not reused). */
        private void spill() throws IOException {
            Path part = tmpDir.resolve(UUID.randomUUID() + ".part");
            FileChannel next = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                for (long done = 0; done < size; ) done += channel.transferTo(done, size - done, next);
                next.position(size);
            } catch (IOException | RuntimeException e) {
                next.close();
                Files.deleteIfExists(part);
                throw e;
            }
            channel.close();
            Files.deleteIfExists(tmp);
            channel = next;
            tmp = part;
            slot = null;
        }

        /**
         * Data Set Trailing Padding from the end of the data set to the end of the preallocated file; its value is the
         * marker and the instance's SHA-256, then the file's zeros.
         */
        private void writePadding(byte[] digest) throws IOException {
            boolean implicit = Uids.IMPLICIT_VR_LE.equals(transferSyntaxUid);
            int headerBytes = implicit ? 8 : 12;
            long padding = slot.bytes() - size - headerBytes;
            if (padding < PADDING_MARKER.length + digest.length || (padding & 1) != 0 || padding > 0xFFFFFFFEL) {
                spill();
                return;
            }
            ByteBuffer b = ByteBuffer.allocate(headerBytes + PADDING_MARKER.length + digest.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putShort((short) 0xFFFC).putShort((short) 0xFFFC);
            if (!implicit) b.put((byte) 'O').put((byte) 'B').putShort((short) 0);
            b.putInt((int) padding).put(PADDING_MARKER).put(digest).flip();
            while (b.hasRemaining()) channel.write(b, size + b.position());
        }

        @Override
        public StoreResult finish() {
            if (slot != null) return finishPreallocated();
            Path written = tmp;
            try {
                channel.force(false);
                channel.close();
                if (Uids.isCompressed(transferSyntaxUid)) {
                    // what decoding would allocate, read from the header before anything is decoded
                    long decoded;
                    try {
                        decoded = DataSetBounds.checkFile(tmp);
                    } catch (IOException e) {
                        discardFiles(tmp);
                        log.warn("refused SOP Instance {}: {}", sopInstanceUid, e.getMessage());
                        return new StoreResult(DimseStatus.CANNOT_UNDERSTAND, truncate(e.getMessage()));
                    }
                    if (decoded > MAX_DECODED_PIXEL_BYTES) {
                        discardFiles(tmp);
                        log.warn("refused SOP Instance {}: its pixels would take {} MB decoded, more than {} MB", sopInstanceUid,
                                decoded >> 20, MAX_DECODED_PIXEL_BYTES >> 20);
                        return new StoreResult(DimseStatus.CANNOT_UNDERSTAND, "decoded pixel data would exceed "
                                + (MAX_DECODED_PIXEL_BYTES >> 20) + " MB");
                    }
                    try {
                        written = decompress(tmp);
                    } catch (DicomException | IOException | RuntimeException e) {
                        // not the disk: the pixels do not decode, and sending them again will not help (C000, not A700)
                        discardFiles(tmp);
                        log.warn("refused SOP Instance {}: compressed pixel data does not decode: {}", sopInstanceUid, e.toString());
                        return new StoreResult(DimseStatus.CANNOT_UNDERSTAND, truncate("compressed pixel data does not decode: " + e.getMessage()));
                    }
                }
                Checked checked = checkedHeader(written);
                if (checked.refusal() != null) return checked.refusal();
                InstanceHeader header = checked.header();
                String digest = written != tmp ? sha256Of(written) : HexFormat.of().formatHex(digest());
                long bytes = Files.size(written);
                Path target = pathFor(sopInstanceUid);
                Files.createDirectories(target.getParent());
                boolean replacesEarlierCopy = Files.exists(target);
                moveAtomically(written, target);
                syncDirectory(target.getParent());
                try {
                    index.record(new StoredInstance(header, target, bytes, digest, callingAe));
                } catch (Exception e) {
                    // an earlier copy of the same instance was acknowledged and stays; a new one goes again
                    if (!replacesEarlierCopy) Files.deleteIfExists(target);
                    throw e;
                }
                if (preallocated != null) preallocated.noteInstanceSize(bytes);
                return StoreResult.SUCCESS;
            } catch (Exception e) {
                discardFiles(written);
                log.error("could not store SOP Instance {}: {}", sopInstanceUid, e.toString());
                return new StoreResult(DimseStatus.OUT_OF_RESOURCES, truncate(e.getMessage()));
            }
        }

        /** Padding, one data sync (no metadata changes), the checks, the record; the finaliser does the rest. */
        private StoreResult finishPreallocated() {
            try {
                writePadding(digest());
                if (slot == null) return finish(); // spilled: the ordinary path
                channel.force(false);
                channel.close();
                Checked checked = checkedHeader(tmp);
                if (checked.refusal() != null) return checked.refusal();
                index.record(new StoredInstance(checked.header(), tmp, size, HexFormat.of().formatHex(digest()), callingAe));
                finaliser.submit(new SpoolFinaliser.Pending(sopInstanceUid, tmp, size));
                preallocated.noteInstanceSize(size);
                return StoreResult.SUCCESS;
            } catch (Exception e) {
                discardFiles(tmp);
                log.error("could not store SOP Instance {}: {}", sopInstanceUid, e.toString());
                return new StoreResult(DimseStatus.OUT_OF_RESOURCES, truncate(e.getMessage()));
            }
        }

        private byte[] digest; // taken once: a late spill goes on with the same bytes

        /** SHA-256 of everything written (meta header and data set, no padding). */
        private byte[] digest() {
            if (digest == null) digest = sha256.digest();
            return digest;
        }

        /** The written file's header, or the refusal when it cannot be read or does not match the request. */
        private record Checked(InstanceHeader header, StoreResult refusal) {}

        /** The header of the written file if it matches the request; otherwise a refusal, and the file is gone. */
        private Checked checkedHeader(Path written) {
            InstanceHeader header;
            try {
                // every element within its bounds before anything parses it (and before it is acknowledged)
                if (Uids.isCtImage(sopClassUid)) DataSetBounds.checkImageFile(written);
                else DataSetBounds.checkFile(written);
                header = written == tmp ? headerFromCapturedBytes() : null; // not decoded: the captured bytes are the file's
                if (header == null) header = InstanceHeader.readChecked(written); // bounds checked just above
            } catch (IOException e) {
                discardFiles(written);
                log.warn("refused SOP Instance {}: {}", sopInstanceUid, e.getMessage());
                return new Checked(null, new StoreResult(DimseStatus.CANNOT_UNDERSTAND, truncate(e.getMessage())));
            }
            if (!Uids.isValid(header.studyInstanceUid()) || !Uids.isValid(header.seriesInstanceUid())) {
                discardFiles(written);
                log.warn("refused SOP Instance {}: invalid Study or Series Instance UID", sopInstanceUid);
                return new Checked(null, new StoreResult(DimseStatus.CANNOT_UNDERSTAND, "invalid Study or Series Instance UID"));
            }
            if (!sopInstanceUid.equals(header.sopInstanceUid()) || !sopClassUid.equals(header.sopClassUid())
                    || !acceptedSopClasses.contains(header.sopClassUid())) {
                discardFiles(written);
                log.warn("refused SOP Instance {}: data set does not match the C-STORE request", sopInstanceUid);
                return new Checked(null, new StoreResult(DimseStatus.DATASET_DOES_NOT_MATCH_SOP_CLASS,
                        "SOP Class/Instance UID in data set differ from the request"));
            }
            return new Checked(header, null);
        }

        /**
         * Parses the header from the data set's first bytes, already in memory, when they reach the Pixel Data
         * element (or hold the whole data set); null means "read it from the file".
         */
        private InstanceHeader headerFromCapturedBytes() {
            boolean whole = headLength == size - metaLength;
            if (!whole && !containsPixelDataTag(head, headLength)) return null;
            InstanceHeader scanned = InstanceHeader.scan(head, headLength, transferSyntaxUid);
            if (scanned != null) return scanned;
            try {
                return InstanceHeader.read(new java.io.ByteArrayInputStream(head, 0, headLength), transferSyntaxUid);
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public void discard() {
            discardFiles(tmp);
        }

        private void discardFiles(Path written) {
            try { channel.close(); } catch (IOException ignored) { /* closing a failed file */ }
            try {
                Files.deleteIfExists(tmp);
                if (written != tmp) Files.deleteIfExists(written);
            } catch (IOException e) {
                log.warn("could not remove temporary file {}: {}", tmp.getFileName(), e.getMessage());
            }
        }
    }

    /** The (7FE0,0010) tag as it appears in a little endian data set. */
    private static boolean containsPixelDataTag(byte[] b, int length) {
        for (int i = 0; i + 3 < length; i++) {
            if (b[i] == (byte) 0xE0 && b[i + 1] == 0x7F && b[i + 2] == 0x10 && b[i + 3] == 0x00) return true;
        }
        return false;
    }

    /**
     * Largest decoded pixel data of a compressed instance (decoding holds it in memory): 512 MiB, room for an Enhanced
     * CT of 1,000 frames of 512 x 512 at 16 bits; a 30000 x 30000 RLE frame (1.8 GB) is refused before decoding.
     */
    static final long MAX_DECODED_PIXEL_BYTES = 512L << 20;

    /** Decodes RLE / JPEG Lossless on receipt so everything downstream reads uncompressed Explicit VR LE. */
    private Path decompress(Path compressed) throws IOException, DicomException {
        AttributeList list = new AttributeList();
        list.read(compressed.toFile());
        list.removeGroupLengthAttributes();
        list.removeMetaInformationHeaderAttributes();
        list.remove(com.pixelmed.dicom.TagFromName.DataSetTrailingPadding);
        FileMetaInformation.addFileMetaInformation(list, TransferSyntax.ExplicitVRLittleEndian, "ICHNODE");
        Path out = tmpDir.resolve(UUID.randomUUID() + ".decoded");
        list.write(out.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
            ch.force(false);
        }
        Files.delete(compressed);
        return out;
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("spool tmp/ and instances/ must be on one file system", e);
        }
    }

    /** A rename is durable only once its directory is synced. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Hex SHA-256 of a file: the checksum recorded for every instance. */
    public static String sha256Of(Path file) throws IOException {
        MessageDigest md = newSha256();
        byte[] buf = new byte[1 << 16];
        try (var in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String truncate(String s) {
        if (s == null) return null;
        return s.length() <= 64 ? s : s.substring(0, 64);
    }

    /** Preamble, "DICM" and the group 0002 elements (PS3.10 7.1), Explicit VR Little Endian. */
    public static byte[] fileMetaInformation(String sopClass, String sopInstance, String transferSyntax, String sourceAe) {
        ByteArrayOutputStream group = new ByteArrayOutputStream(256);
        element(group, 0x0001, "OB", new byte[] {0, 1});
        element(group, 0x0002, "UI", uid(sopClass));
        element(group, 0x0003, "UI", uid(sopInstance));
        element(group, 0x0010, "UI", uid(transferSyntax));
        element(group, 0x0012, "UI", uid(Uids.IMPLEMENTATION_CLASS));
        element(group, 0x0013, "SH", text(Uids.IMPLEMENTATION_VERSION));
        if (sourceAe != null && !sourceAe.isEmpty()) element(group, 0x0016, "AE", text(sourceAe));
        ByteArrayOutputStream out = new ByteArrayOutputStream(400);
        out.writeBytes(new byte[128]);
        out.writeBytes("DICM".getBytes(StandardCharsets.US_ASCII));
        element(out, 0x0000, "UL", ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(group.size()).array());
        out.writeBytes(group.toByteArray());
        return out.toByteArray();
    }

    private static void element(ByteArrayOutputStream out, int element, String vr, byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0x0002).putShort((short) element).put(vr.getBytes(StandardCharsets.US_ASCII));
        if (vr.equals("OB")) b.putShort((short) 0).putInt(value.length);
        else b.putShort((short) value.length);
        out.write(b.array(), 0, b.position());
        out.writeBytes(value);
    }

    private static byte[] uid(String s) { return pad(s, (byte) 0); }

    private static byte[] text(String s) { return pad(s, (byte) ' '); }

    private static byte[] pad(String s, byte padding) {
        byte[] a = s.getBytes(StandardCharsets.US_ASCII);
        if ((a.length & 1) == 0) return a;
        byte[] b = new byte[a.length + 1];
        System.arraycopy(a, 0, b, 0, a.length);
        b[a.length] = padding;
        return b;
    }
}
