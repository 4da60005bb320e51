package org.ichnode.dicom.spool;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small Part 10 CT objects written byte by byte (Explicit VR Little Endian), some of them lying about lengths. */
public final class HostileObjects {
    public static final String CT = "1.2.840.10008.5.1.4.1.1.2", EXPLICIT_LE = "1.2.840.10008.1.2.1";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A data set that starts with the four UIDs the node records. */
    public static HostileObjects ct(String sopInstanceUid) {
        HostileObjects o = new HostileObjects();
        o.element(0x0008, 0x0016, "UI", uid(CT));
        o.element(0x0008, 0x0018, "UI", uid(sopInstanceUid));
        o.element(0x0008, 0x0060, "CS", "CT".getBytes(StandardCharsets.US_ASCII));
        o.element(0x0020, 0x000D, "UI", uid("1.2.826.0.1.3680043.8.498.1"));
        o.element(0x0020, 0x000E, "UI", uid("1.2.826.0.1.3680043.8.498.2"));
        return o;
    }

    public HostileObjects element(int group, int element, String vr, byte[] value) {
        header(group, element, vr, value.length);
        out.writeBytes(value);
        return this;
    }

    /** An element header claiming {@code length} bytes, followed by {@code actual} bytes only. */
    public HostileObjects lyingElement(int group, int element, String vr, long length, int actual) {
        header(group, element, vr, length);
        out.writeBytes(new byte[actual]);
        return this;
    }

    /** {@code depth} sequences of undefined length, each in an item of undefined length of the one above, all closed. */
    public HostileObjects nestedSequences(int depth) {
        for (int i = 0; i < depth; i++) {
            header(0x0040, 0xA730, "SQ", 0xFFFFFFFFL);
            raw(0xFFFE, 0xE000, 0xFFFFFFFFL);
        }
        for (int i = 0; i < depth; i++) {
            raw(0xFFFE, 0xE00D, 0);
            raw(0xFFFE, 0xE0DD, 0);
        }
        return this;
    }

    /**
     * An image of {@code rows} x {@code columns} at 16 bits whose encapsulated Pixel Data holds one tiny fragment: small
     * on the wire, enormous once decoded.
     */
    public HostileObjects encapsulatedImage(int rows, int columns) {
        byte[] rle = new byte[64]; // an RLE header: one segment at offset 64, and nothing after it
        ByteBuffer.wrap(rle).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(64);
        return encapsulatedImage(rows, columns, rle);
    }

    /** An image of {@code rows} x {@code columns} at 16 bits with native Pixel Data {@code pixels} (OW). */
    public HostileObjects nativeImage(int rows, int columns, byte[] pixels) {
        imagePixelModule(rows, columns);
        return element(0x7FE0, 0x0010, "OW", pixels);
    }

    /** An image of {@code rows} x {@code columns} at 16 bits whose encapsulated Pixel Data is the one {@code fragment}. */
    public HostileObjects encapsulatedImage(int rows, int columns, byte[] fragment) {
        imagePixelModule(rows, columns);
        header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFL);
        raw(0xFFFE, 0xE000, 0); // empty basic offset table
        raw(0xFFFE, 0xE000, fragment.length);
        out.writeBytes(fragment);
        raw(0xFFFE, 0xE0DD, 0);
        return this;
    }

    /** Image Pixel module attributes of a 16-bit monochrome image, without Pixel Data. */
    public HostileObjects imagePixelModule(int rows, int columns) {
        element(0x0028, 0x0002, "US", us(1));
        element(0x0028, 0x0004, "CS", "MONOCHROME2 ".getBytes(StandardCharsets.US_ASCII));
        element(0x0028, 0x0010, "US", us(rows));
        element(0x0028, 0x0011, "US", us(columns));
        element(0x0028, 0x0100, "US", us(16));
        element(0x0028, 0x0101, "US", us(16));
        element(0x0028, 0x0102, "US", us(15));
        element(0x0028, 0x0103, "US", us(0));
        return this;
    }

    private static byte[] us(int v) {
        return ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array();
    }

    public byte[] dataSet() { return out.toByteArray(); }

    /** The data set behind a file meta information for a CT object in Explicit VR Little Endian. */
    public Path writePart10(Path file, String sopInstanceUid) throws Exception {
        return writePart10(file, sopInstanceUid, EXPLICIT_LE);
    }

    /** As {@link #writePart10(Path, String)} with another transfer syntax in the meta information (e.g. RLE). */
    public Path writePart10(Path file, String sopInstanceUid, String transferSyntaxUid) throws Exception {
        ByteArrayOutputStream meta = new ByteArrayOutputStream();
        HostileObjects m = new HostileObjects();
        m.element(0x0002, 0x0001, "OB", new byte[] {0, 1});
        m.element(0x0002, 0x0002, "UI", uid(CT));
        m.element(0x0002, 0x0003, "UI", uid(sopInstanceUid));
        m.element(0x0002, 0x0010, "UI", uid(transferSyntaxUid));
        byte[] group = m.dataSet();
        HostileObjects length = new HostileObjects();
        length.element(0x0002, 0x0000, "UL", ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(group.length).array());
        meta.writeBytes(new byte[128]);
        meta.writeBytes("DICM".getBytes(StandardCharsets.US_ASCII));
        meta.writeBytes(length.dataSet());
        meta.writeBytes(group);
        meta.writeBytes(dataSet());
        Files.createDirectories(file.getParent());
        Files.write(file, meta.toByteArray());
        return file;
    }

    private void header(int group, int element, String vr, long length) {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) group).putShort((short) element).put(vr.getBytes(StandardCharsets.US_ASCII));
        boolean longForm = switch (vr) { case "OB", "OW", "SQ", "UN", "UT", "UC", "UR", "OD", "OF", "OL", "OV", "SV", "UV" -> true; default -> false; };
        if (longForm) b.putShort((short) 0).putInt((int) length);
        else b.putShort((short) length);
        out.write(b.array(), 0, b.position());
    }

    private void raw(int group, int element, long length) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) group).putShort((short) element).putInt((int) length);
        out.writeBytes(b.array());
    }

    private static byte[] uid(String uid) {
        String even = uid.length() % 2 == 0 ? uid : uid + "\0";
        return even.getBytes(StandardCharsets.US_ASCII);
    }
}
