package org.ichnode.dicom.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Walks the element headers of a little endian data set and refuses it, before any parser allocates, when an
 * element, item or fragment claims more bytes than its data set, item or sequence holds, or sequences nest deeper
 * than {@link #MAX_DEPTH}. A parser trusts the length it reads and allocates it: one element of a 450-byte object
 * claiming 2 GB otherwise ends the JVM with OutOfMemoryError, and a sequence nested 3,000 deep overflows its stack.
 * Values are not read. Big endian and deflated data sets are not walked (they are not offered by the node).
 */
public final class DataSetBounds {
    /** CT headers nest 3 or 4 deep (Enhanced CT functional groups); 64 leaves room for any real object. */
    public static final int MAX_DEPTH = 64;

    private static final int ITEM = 0xFFFEE000, ITEM_END = 0xFFFEE00D, SEQUENCE_END = 0xFFFEE0DD, PIXEL_DATA = 0x7FE00010;
    private static final long UNDEFINED = 0xFFFFFFFFL;

    /** Little endian reads at absolute positions of a data set of {@code limit()} bytes. */
    private interface Source {
        int limit();
        byte get(int pos) throws IOException;
        short getShort(int pos) throws IOException;
        int getInt(int pos) throws IOException;
    }

    private record BufferSource(ByteBuffer b) implements Source {
        public int limit() { return b.limit(); }
        public byte get(int pos) { return b.get(pos); }
        public short getShort(int pos) { return b.getShort(pos); }
        public int getInt(int pos) { return b.getInt(pos); }
    }

    /**
     * A file read through a small window: element headers are read, values skipped. Not memory-mapped: a mapping
     * lives until garbage collection, keeps a deleted file's space and a file system busy.
     */
    private static final class FileSource implements Source {
        private final FileChannel ch;
        private final int offset, limit;
        private final ByteBuffer window = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        private long start = -1;

        FileSource(FileChannel ch, int offset, int limit) { this.ch = ch; this.offset = offset; this.limit = limit; }

        public int limit() { return limit; }
        public byte get(int pos) throws IOException { return window(pos, 1).get((int) (offset + pos - start)); }
        public short getShort(int pos) throws IOException { return window(pos, 2).getShort((int) (offset + pos - start)); }
        public int getInt(int pos) throws IOException { return window(pos, 4).getInt((int) (offset + pos - start)); }

        private ByteBuffer window(int pos, int n) throws IOException {
            long at = (long) offset + pos;
            if (start < 0 || at < start || at + n > start + window.limit()) {
                window.clear();
                start = at;
                while (window.hasRemaining()) if (ch.read(window, start + window.position()) < 0) break;
                window.flip();
                if (window.limit() < n) throw new IOException("data set ends inside an element header");
            }
            return window;
        }
    }

    private final Source b;
    private final boolean explicitVr;
    private final boolean prefixOnly;
    // the image pixel module at the top level, to check native Pixel Data against it
    private int rows = -1, columns = -1, bitsAllocated = -1, samplesPerPixel = 1, frames = 1;
    private long nativePixelBytes = -1;

    private DataSetBounds(Source b, boolean explicitVr, boolean prefixOnly) {
        this.b = b;
        this.explicitVr = explicitVr;
        this.prefixOnly = prefixOnly;
    }

    /**
     * Checks a whole Part 10 file: its meta information (Explicit VR Little Endian) and its data set.
     *
     * @return the bytes its pixels take decoded (Rows x Columns x Samples x Bits Allocated / 8 x Frames), or -1 when
     *         the header does not say; for a compressed object this is what decoding it would allocate
     */
    public static long checkFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) throw new IOException("object of " + size + " bytes: larger than 2 GB");
            Source map = new FileSource(ch, 0, (int) size);
            if (size < 132 || map.get(128) != 'D' || map.get(129) != 'I' || map.get(130) != 'C' || map.get(131) != 'M') {
                throw new IOException("not a DICOM Part 10 file (no DICM prefix)");
            }
            int pos = 132;
            String ts = null;
            while (pos + 8 <= size && (map.getShort(pos) & 0xFFFF) == 0x0002) {
                int element = map.getShort(pos + 2) & 0xFFFF;
                String vr = "" + (char) map.get(pos + 4) + (char) map.get(pos + 5);
                boolean longForm = longLength(vr);
                if (longForm && pos + 12 > size) throw new IOException("file meta information is truncated");
                long len = longForm ? map.getInt(pos + 8) & 0xFFFFFFFFL : map.getShort(pos + 6) & 0xFFFF;
                int value = pos + (longForm ? 12 : 8);
                if (len > size - value) throw tooLong(0x00020000 | element, len, size - value);
                if (element == 0x0010) {
                    if (len > 64) throw new IOException("Transfer Syntax UID of " + len + " bytes");
                    byte[] v = new byte[(int) len];
                    for (int i = 0; i < len; i++) v[i] = map.get(value + i);
                    ts = new String(v, StandardCharsets.US_ASCII).replace("\0", "").trim();
                }
                pos = (int) (value + len);
            }
            if (ts == null) throw new IOException("file meta information has no Transfer Syntax UID");
            if (ts.equals("1.2.840.10008.1.2.2") || ts.equals("1.2.840.10008.1.2.1.99")) return -1; // big endian, deflated: not walked
            DataSetBounds walk = new DataSetBounds(new FileSource(ch, pos, (int) size - pos), !ts.equals("1.2.840.10008.1.2"), false);
            walk.elements(0, (int) size - pos, 0, false);
            walk.checkPixelLength();
            return walk.decodedPixelBytes();
        }
    }

    /**
     * Checks a bare data set ({@code prefixOnly}: its first bytes, which may stop anywhere after the Pixel Data
     * element's header, or end between elements).
     */
    public static void check(ByteBuffer dataSet, boolean explicitVr, boolean prefixOnly) throws IOException {
        new DataSetBounds(new BufferSource(dataSet.slice().order(ByteOrder.LITTLE_ENDIAN)), explicitVr, prefixOnly)
                .elements(0, dataSet.remaining(), 0, false);
    }

    /**
     * The elements from {@code pos} to {@code end} (or to the item's delimiter when {@code delimited}); returns the
     * position after them (after the delimiter).
     */
    private int elements(int pos, int end, int depth, boolean delimited) throws IOException {
        while (pos < end) {
            if (end - pos < 8) {
                if (prefixOnly && end == b.limit()) return end;
                throw new IOException("data set ends inside an element header");
            }
            int tag = tag(pos);
            if (tag == ITEM_END) {
                if (!delimited) throw new IOException("item delimiter outside an item of undefined length");
                return pos + 8;
            }
            if (tag == ITEM || tag == SEQUENCE_END) throw new IOException(String.format(Locale.ROOT, "unexpected (%04X,%04X)", tag >>> 16, tag & 0xFFFF));
            String vr = null;
            int value;
            long len;
            if (explicitVr) {
                vr = "" + (char) b.get(pos + 4) + (char) b.get(pos + 5);
                if (!vr.matches("[A-Z]{2}")) throw new IOException(String.format(Locale.ROOT, "element (%04X,%04X) has no VR", tag >>> 16, tag & 0xFFFF));
                if (longLength(vr)) {
                    if (end - pos < 12) {
                        if (prefixOnly && end == b.limit()) return end;
                        throw new IOException("data set ends inside an element header");
                    }
                    len = b.getInt(pos + 8) & 0xFFFFFFFFL;
                    value = pos + 12;
                } else {
                    len = b.getShort(pos + 6) & 0xFFFF;
                    value = pos + 8;
                }
            } else {
                len = b.getInt(pos + 4) & 0xFFFFFFFFL;
                value = pos + 8;
            }
            if (len == UNDEFINED) {
                if (explicitVr && !vr.equals("SQ") && !vr.equals("UN") && !(tag == PIXEL_DATA && vr.equals("OB"))) {
                    throw new IOException(String.format(Locale.ROOT, "element (%04X,%04X) %s of undefined length", tag >>> 16, tag & 0xFFFF, vr));
                }
                if (tag == PIXEL_DATA) {
                    pos = fragments(value, end);
                } else {
                    if (depth + 1 > MAX_DEPTH) throw new IOException("sequences nested deeper than " + MAX_DEPTH);
                    pos = items(value, end, depth + 1, true);
                }
                continue;
            }
            if (len > end - value) {
                // the prefix of a data set may stop inside Pixel Data (the last element the node reads)
                if (prefixOnly && tag == PIXEL_DATA && end == b.limit()) return end;
                throw tooLong(tag, len, end - value);
            }
            if (depth == 0) topLevel(tag, value, len);
            if (explicitVr && vr.equals("SQ") || !explicitVr && len > 0 && looksLikeSequence(value)) {
                if (depth + 1 > MAX_DEPTH) throw new IOException("sequences nested deeper than " + MAX_DEPTH);
                items(value, (int) (value + len), depth + 1, false);
            }
            pos = (int) (value + len);
        }
        if (delimited && !(prefixOnly && end == b.limit())) throw new IOException("item of undefined length without its delimiter");
        return pos;
    }

    private void topLevel(int tag, int value, long len) throws IOException {
        switch (tag) {
            case 0x00280010 -> rows = len == 2 ? b.getShort(value) & 0xFFFF : -1;
            case 0x00280011 -> columns = len == 2 ? b.getShort(value) & 0xFFFF : -1;
            case 0x00280100 -> bitsAllocated = len == 2 ? b.getShort(value) & 0xFFFF : -1;
            case 0x00280002 -> samplesPerPixel = len == 2 ? b.getShort(value) & 0xFFFF : 1;
            case 0x00280008 -> {
                StringBuilder s = new StringBuilder();
                for (int i = 0; i < Math.min(len, 12); i++) s.append((char) b.get(value + i));
                try {
                    frames = Math.max(1, Integer.parseInt(s.toString().replace("\0", "").trim()));
                } catch (NumberFormatException e) {
                    throw new IOException("Number of Frames is not a number");
                }
            }
            case PIXEL_DATA -> nativePixelBytes = len;
            default -> { }
        }
    }

    private long decodedPixelBytes() {
        if (rows < 0 || columns < 0 || bitsAllocated < 1) return -1;
        return (long) rows * columns * Math.max(1, samplesPerPixel) * ((bitsAllocated + 7) / 8) * Math.max(1, frames);
    }

    /**
     * Native Pixel Data must hold Rows x Columns x Samples per Pixel x Bits Allocated / 8 x Number of Frames bytes (one
     * more when that is odd): half an image, or Rows and Columns that do not fit the pixels, are not stored as success.
     */
    private void checkPixelLength() throws IOException {
        if (nativePixelBytes < 0 || rows < 0 || columns < 0 || bitsAllocated < 8 || bitsAllocated % 8 != 0) return;
        long expected = (long) rows * columns * samplesPerPixel * (bitsAllocated / 8) * frames;
        if (nativePixelBytes != expected && nativePixelBytes != expected + (expected & 1)) {
            throw new IOException(String.format(Locale.ROOT, "Pixel Data holds %d bytes; %d rows x %d columns x %d samples x %d bits x %d "
                    + "frames need %d", nativePixelBytes, rows, columns, samplesPerPixel, bitsAllocated, frames, expected));
        }
    }

    /** The items of a sequence up to {@code end} or, when {@code delimited}, to its sequence delimiter. */
    private int items(int pos, int end, int depth, boolean delimited) throws IOException {
        while (pos < end) {
            if (end - pos < 8) break;
            int tag = tag(pos);
            long len = b.getInt(pos + 4) & 0xFFFFFFFFL;
            if (tag == SEQUENCE_END) {
                if (!delimited) throw new IOException("sequence delimiter in a sequence of defined length");
                return pos + 8;
            }
            if (tag != ITEM) throw new IOException(String.format(Locale.ROOT, "(%04X,%04X) where a sequence item was expected", tag >>> 16, tag & 0xFFFF));
            if (len == UNDEFINED) {
                pos = elements(pos + 8, end, depth, true);
            } else {
                if (len > end - pos - 8) throw tooLong(tag, len, end - pos - 8);
                elements(pos + 8, (int) (pos + 8 + len), depth, false);
                pos = (int) (pos + 8 + len);
            }
        }
        if (prefixOnly && end == b.limit()) return end;
        if (delimited) throw new IOException("sequence of undefined length without its delimiter");
        if (pos != end) throw new IOException("data set ends inside a sequence item header");
        return pos;
    }

    /** Encapsulated pixel data: items of defined length up to the sequence delimiter. */
    private int fragments(int pos, int end) throws IOException {
        while (end - pos >= 8) {
            int tag = tag(pos);
            long len = b.getInt(pos + 4) & 0xFFFFFFFFL;
            if (tag == SEQUENCE_END) return pos + 8;
            if (tag != ITEM) throw new IOException("encapsulated pixel data: item expected");
            if (len > end - pos - 8) {
                if (prefixOnly && end == b.limit()) return end;
                throw tooLong(tag, len, end - pos - 8);
            }
            pos = (int) (pos + 8 + len);
        }
        if (prefixOnly && end == b.limit()) return end;
        throw new IOException("encapsulated pixel data without its sequence delimiter");
    }

    /** Implicit VR: a value that starts with an item tag is a sequence (how parsers read an implicit SQ). */
    private boolean looksLikeSequence(int value) throws IOException {
        return value + 8 <= b.limit() && (tag(value) == ITEM || tag(value) == SEQUENCE_END);
    }

    private int tag(int pos) throws IOException { return ((b.getShort(pos) & 0xFFFF) << 16) | (b.getShort(pos + 2) & 0xFFFF); }

    private static boolean longLength(String vr) {
        return switch (vr) {
            case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV" -> true;
            default -> false;
        };
    }

    private static IOException tooLong(int tag, long claimed, long remaining) {
        return new IOException(String.format(Locale.ROOT, "element (%04X,%04X) claims %d bytes, %d remain", tag >>> 16, tag & 0xFFFF,
                claimed, Math.max(0, remaining)));
    }
}
