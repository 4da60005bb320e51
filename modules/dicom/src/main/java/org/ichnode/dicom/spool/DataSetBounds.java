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
    /** Largest element other than Pixel Data (and a sequence as a whole): vendors' private blobs are kilobytes to a few MB. */
    public static final long MAX_ELEMENT_BYTES = 16L << 20;

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
    /** Start and length of every item of encapsulated Pixel Data (the basic offset table first), for the RLE check. */
    private final java.util.List<int[]> fragmentItems = new java.util.ArrayList<>();

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
        return checkFile(file, false);
    }

    /**
     * As {@link #checkFile(Path)}, for an image: Rows, Columns and Pixel Data must be there (a CT instance without
     * them was stored as success before).
     */
    public static long checkImageFile(Path file) throws IOException {
        return checkFile(file, true);
    }

    private static long checkFile(Path file, boolean image) throws IOException {
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
            if (image) walk.checkImagePresent();
            walk.checkPixelLength();
            long decoded = walk.decodedPixelBytes();
            if (decoded <= DicomSpool.MAX_DECODED_PIXEL_BYTES) { // larger ones are refused for their size, undecoded
                if (ts.equals("1.2.840.10008.1.2.5")) walk.checkRleFrames();
                if (ts.equals("1.2.840.10008.1.2.4.70") || ts.equals("1.2.840.10008.1.2.4.57")) walk.checkJpegFrames();
            }
            return decoded;
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
            if (len != UNDEFINED && len > MAX_ELEMENT_BYTES && tag != PIXEL_DATA && !(explicitVr && vr.equals("SQ"))) {
                // the header parser holds every element before Pixel Data in memory: three 1 GB private elements ended the JVM
                throw new IOException(String.format(Locale.ROOT, "element (%04X,%04X) of %d MB: more than the %d MB allowed outside Pixel Data",
                        tag >>> 16, tag & 0xFFFF, len >> 20, MAX_ELEMENT_BYTES >> 20));
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

    private void checkImagePresent() throws IOException {
        if (rows <= 0 || columns <= 0) throw new IOException("image without Rows or Columns");
        if (nativePixelBytes < 0 && fragmentItems.isEmpty()) throw new IOException("image without Pixel Data");
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

    /**
     * RLE Lossless (PS3.5 G): one fragment per frame, each a 64-byte header naming one segment per byte of every sample
     * (at offsets inside the fragment, the first at 64) and segments that PackBits-decode to Rows x Columns bytes.
     * Decoders fill what a short segment lacks with zeros: a 16-byte fragment became a black image acknowledged as stored.
     */
    private void checkRleFrames() throws IOException {
        if (rows < 0 || columns < 0 || bitsAllocated < 8) throw new IOException("RLE image without Rows, Columns or Bits Allocated");
        if (fragmentItems.size() - 1 != frames)
            throw new IOException("RLE Pixel Data holds " + (fragmentItems.size() - 1) + " fragments for " + frames + " frames");
        int segments = Math.max(1, samplesPerPixel) * (bitsAllocated / 8);
        long pixels = (long) rows * columns;
        for (int f = 1; f < fragmentItems.size(); f++) {
            int start = fragmentItems.get(f)[0], length = fragmentItems.get(f)[1];
            if (length < 64) throw new IOException("RLE frame " + f + " of " + length + " bytes: shorter than its 64-byte header");
            long declared = b.getInt(start) & 0xFFFFFFFFL;
            if (declared != segments) throw new IOException("RLE frame " + f + " declares " + declared + " segments; the image needs " + segments);
            for (int i = 0; i < segments; i++) {
                long from = b.getInt(start + 4 + 4 * i) & 0xFFFFFFFFL;
                long to = i + 1 < segments ? b.getInt(start + 8 + 4 * i) & 0xFFFFFFFFL : length;
                if (from < 64 || from >= to || to > length) throw new IOException("RLE frame " + f + ": segment " + (i + 1) + " offsets out of place");
                if (packBitsLength(start + (int) from, (int) (to - from), pixels) < pixels)
                    throw new IOException("RLE frame " + f + ": segment " + (i + 1) + " decodes to fewer than " + pixels + " bytes");
            }
        }
    }

    /**
     * JPEG Lossless (PS3.5 A.4.3): every frame starts with SOI, carries a lossless SOF3 whose lines and samples per line
     * are Rows and Columns, and ends with EOI (one byte of padding allowed). PixelMed's decoder turned 4 KB of noise into
     * an image of zeros; a frame cut short lacks its EOI.
     */
    private void checkJpegFrames() throws IOException {
        if (rows < 0 || columns < 0) throw new IOException("JPEG image without Rows or Columns");
        java.util.List<int[]> items = fragmentItems.subList(Math.min(1, fragmentItems.size()), fragmentItems.size());
        java.util.List<java.util.List<int[]>> frameParts = new java.util.ArrayList<>();
        for (int[] item : items) {
            boolean soi = item[1] >= 2 && (b.get(item[0]) & 0xFF) == 0xFF && (b.get(item[0] + 1) & 0xFF) == 0xD8;
            if (soi || frameParts.isEmpty()) frameParts.add(new java.util.ArrayList<>());
            frameParts.get(frameParts.size() - 1).add(item);
        }
        if (frameParts.size() != frames) throw new IOException("JPEG Pixel Data holds " + frameParts.size() + " frames (SOI markers); the header says " + frames);
        for (int f = 0; f < frameParts.size(); f++) {
            int[] first = frameParts.get(f).get(0), last = frameParts.get(f).get(frameParts.get(f).size() - 1);
            if (first[1] < 4 || (b.get(first[0]) & 0xFF) != 0xFF || (b.get(first[0] + 1) & 0xFF) != 0xD8)
                throw new IOException("JPEG frame " + (f + 1) + " does not start with SOI");
            int end = last[0] + last[1];
            if (end - 2 >= last[0] && (b.get(end - 1) & 0xFF) == 0) end--; // padding to an even length
            if (end - 2 < last[0] || (b.get(end - 2) & 0xFF) != 0xFF || (b.get(end - 1) & 0xFF) != 0xD9)
                throw new IOException("JPEG frame " + (f + 1) + " does not end with EOI (cut short?)");
            int pos = first[0] + 2, limit = first[0] + first[1];
            boolean sof = false;
            while (pos + 4 <= limit) { // marker segments up to the start of scan
                if ((b.get(pos) & 0xFF) != 0xFF) throw new IOException("JPEG frame " + (f + 1) + ": marker expected at byte " + (pos - first[0]));
                int marker = b.get(pos + 1) & 0xFF;
                if (marker == 0xFF) { pos++; continue; } // fill byte
                int segment = ((b.get(pos + 2) & 0xFF) << 8) | (b.get(pos + 3) & 0xFF);
                if (segment < 2 || pos + 2 + segment > limit) throw new IOException("JPEG frame " + (f + 1) + ": marker segment runs past the fragment");
                if (marker == 0xC3) {
                    if (segment < 8) throw new IOException("JPEG frame " + (f + 1) + ": SOF3 too short");
                    int lines = ((b.get(pos + 5) & 0xFF) << 8) | (b.get(pos + 6) & 0xFF);
                    int samples = ((b.get(pos + 7) & 0xFF) << 8) | (b.get(pos + 8) & 0xFF);
                    if (lines != rows || samples != columns)
                        throw new IOException("JPEG frame " + (f + 1) + " is " + samples + " x " + lines + "; the header says " + columns + " x " + rows);
                    sof = true;
                } else if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                    throw new IOException("JPEG frame " + (f + 1) + " is not lossless (SOF marker FF" + Integer.toHexString(marker).toUpperCase(Locale.ROOT) + ")");
                }
                if (marker == 0xDA) break; // start of scan: entropy-coded data follows
                pos += 2 + segment;
            }
            if (!sof) throw new IOException("JPEG frame " + (f + 1) + " has no lossless SOF3 before its scan");
        }
    }

    /** Bytes a PackBits run of {@code length} bytes decodes to, counted up to {@code enough}. */
    private long packBitsLength(int pos, int length, long enough) throws IOException {
        long out = 0;
        int end = pos + length;
        while (pos < end && out < enough) {
            int n = b.get(pos++);
            if (n >= 0) {
                out += n + 1;
                pos += n + 1;
                if (pos > end) return out - (pos - end);
            } else if (n != -128) {
                if (pos >= end) break;
                out += 1 - n;
                pos++;
            }
        }
        return out;
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
            fragmentItems.add(new int[] {pos + 8, (int) len});
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
