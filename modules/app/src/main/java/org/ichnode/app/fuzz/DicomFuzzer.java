package org.ichnode.app.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutated DICOM traffic against a storage SCP, one case per connection. Each case is built from one real CT instance:
 * mutated A-ASSOCIATE-RQs, garbage PDUs, P-DATA with lying lengths, garbage and mutated command sets, truncated, endless
 * and never-closed data sets, element lengths that lie, pixel data that does not match Rows x Columns, sequences nested
 * past any sane depth, random byte flips in the header. After sending, the fuzzer closes its side and reads what the
 * node answers: a Success for a case that cannot be a valid instance is a false success; no end of the connection
 * within the timeout is a hang.
 */
public final class DicomFuzzer {
    public enum Kind {
        ASSOCIATE_MUTANT(false), GARBAGE_PDU(false), PDATA_LYING_LENGTH(true), COMMAND_GARBAGE(false), DATASET_TRUNCATED(true),
        DATASET_ENDLESS(true), ELEMENT_LENGTH_LIE(true), PIXEL_MISMATCH(true), DEEP_SEQUENCE(true), UNCLOSED_SEQUENCE(true),
        DATASET_MUTANT(false);

        /** True where no byte sequence of this kind is a valid instance, so Success would be a lie. */
        final boolean successIsFalse;

        Kind(boolean successIsFalse) { this.successIsFalse = successIsFalse; }
    }

    /** One case's bytes, in the order they are written, and what it is. */
    record Case(Kind kind, List<byte[]> chunks) {}

    private final String host;
    private final int port;
    private final String calledAe;
    private final RawDicom.DataSet base;
    private final List<Element> elements;
    private final String sopInstanceUid;
    private final long answerTimeoutMillis;

    public DicomFuzzer(String host, int port, String calledAe, byte[] part10File, long answerTimeoutMillis) {
        this.host = host;
        this.port = port;
        this.calledAe = calledAe;
        this.base = RawDicom.stripPart10(part10File);
        if (!base.transferSyntax().equals(RawDicom.EXPLICIT_VR_LE))
            throw new IllegalArgumentException("the fuzzer mutates explicit VR little endian instances; this one is " + base.transferSyntax());
        this.elements = topLevel(base.bytes());
        this.sopInstanceUid = elements.stream().filter(e -> e.tag == 0x00080018).findFirst()
                .map(e -> new String(base.bytes(), e.valueOffset, e.length, StandardCharsets.US_ASCII).replace("\0", "").trim())
                .orElseThrow(() -> new IllegalArgumentException("the instance has no SOP Instance UID"));
        if (elements.stream().noneMatch(e -> e.tag == 0x7FE00010)) throw new IllegalArgumentException("the instance has no pixel data");
        this.answerTimeoutMillis = answerTimeoutMillis;
    }

    /** Runs one case and tallies it. */
    public void runOne(Random random, FuzzTally tally) {
        Case c = build(random);
        RawDicom.Answer a;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoLinger(true, 0);
            OutputStream out = s.getOutputStream();
            try {
                for (byte[] chunk : c.chunks()) out.write(chunk);
                out.flush();
                s.shutdownOutput();
            } catch (IOException e) {
                // the node closed the connection while we were still writing: an answer in itself
            }
            a = RawDicom.read(s, answerTimeoutMillis);
        } catch (IOException e) {
            tally.count(c.kind().name(), "connect_failed");
            return;
        }
        String outcome;
        if (a.timedOut()) outcome = "hung";
        else if (a.anySuccess()) outcome = c.kind().successIsFalse ? "false_success" : "stored";
        else if (!a.statuses().isEmpty()) outcome = "refused_status";
        else if (a.rejected()) outcome = "associate_rj";
        else if (a.aborted()) outcome = "aborted";
        else outcome = "closed";
        tally.count(c.kind().name(), outcome);
    }

    Case build(Random r) {
        Kind kind = Kind.values()[r.nextInt(Kind.values().length)];
        byte[] rq = RawDicom.associateRq(calledAe, "FUZZ", base.transferSyntax());
        byte[] ds = base.bytes();
        return switch (kind) {
            case ASSOCIATE_MUTANT -> new Case(kind, List.of(mutate(r, rq, 1 + r.nextInt(8))));
            case GARBAGE_PDU -> {
                byte[] g = new byte[1 + r.nextInt(2048)];
                r.nextBytes(g);
                if (g.length >= 6 && r.nextBoolean()) {
                    g[0] = (byte) (1 + r.nextInt(7));
                    g[1] = 0;
                    ByteBuffer.wrap(g, 2, 4).putInt(lie(r, g.length - 6));
                }
                yield new Case(kind, List.of(g));
            }
            case PDATA_LYING_LENGTH -> {
                byte[] cmd = RawDicom.pData(1, true, true, storeCommand());
                byte[] data = RawDicom.pData(1, false, true, Arrays.copyOf(ds, Math.min(ds.length, 4096)));
                ByteBuffer b = ByteBuffer.wrap(r.nextBoolean() ? cmd : data);
                if (r.nextBoolean()) b.putInt(2, lie(r, b.capacity() - 6)); // the PDU length
                else b.putInt(6, lie(r, b.capacity() - 10)); // the PDV item length
                yield new Case(kind, List.of(rq, cmd, data));
            }
            case COMMAND_GARBAGE -> {
                byte[] cmd = storeCommand();
                if (r.nextBoolean()) {
                    cmd = new byte[r.nextInt(512)];
                    r.nextBytes(cmd);
                } else {
                    cmd = mutate(r, cmd, 1 + r.nextInt(4));
                }
                yield store(kind, rq, cmd, ds, r);
            }
            case DATASET_TRUNCATED -> store(kind, rq, storeCommand(), Arrays.copyOf(ds, r.nextInt(pixelDataEnd())), r);
            case DATASET_ENDLESS -> {
                List<byte[]> chunks = new ArrayList<>(List.of(rq, RawDicom.pData(1, true, true, storeCommand())));
                int fragments = 1 + r.nextInt(64);
                for (int i = 0; i < fragments; i++) chunks.add(RawDicom.pData(1, false, false, Arrays.copyOf(ds, Math.min(ds.length, 60000))));
                yield new Case(kind, chunks);
            }
            case ELEMENT_LENGTH_LIE -> {
                Element e = elements.get(r.nextInt(elements.size()));
                byte[] m = ds.clone();
                int remaining = ds.length - e.valueOffset;
                int lie = switch (r.nextInt(3)) {
                    case 0 -> 0x7FFFFFF0;
                    case 1 -> remaining + 1 + r.nextInt(1 << 16);
                    default -> remaining + 1;
                };
                if (e.longLength) ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(e.offset + 8, lie);
                else {
                    if (remaining + 1 > 0xFFFF) { // a 16-bit length cannot reach past the end: lie in the pixel data instead
                        Element px = elements.stream().filter(x -> x.tag == 0x7FE00010).findFirst().orElseThrow();
                        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(px.offset + 8, ds.length - px.valueOffset + 2 + 2 * r.nextInt(1000));
                    } else {
                        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putShort(e.offset + 6, (short) Math.min(0xFFFF, lie));
                    }
                }
                yield store(kind, rq, storeCommand(), m, r);
            }
            case PIXEL_MISMATCH -> store(kind, rq, storeCommand(), pixelMismatch(r, ds), r);
            case DEEP_SEQUENCE -> store(kind, rq, storeCommand(), insertBefore(ds, 0x00081115, nested(65 + r.nextInt(3000))), r);
            case UNCLOSED_SEQUENCE -> {
                ByteArrayOutputStream sq = new ByteArrayOutputStream();
                sq.writeBytes(header(0x00081115, "SQ", -1));
                sq.writeBytes(itemStart(-1));
                sq.writeBytes(Arrays.copyOf(ds, Math.min(ds.length, r.nextInt(256)))); // whatever follows, no delimiter ever
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                all.writeBytes(Arrays.copyOf(ds, elementsBefore(0x00081115)));
                all.writeBytes(sq.toByteArray());
                yield store(kind, rq, storeCommand(), all.toByteArray(), r);
            }
            case DATASET_MUTANT -> {
                byte[] m = ds.clone();
                int headerEnd = elements.stream().filter(x -> x.tag == 0x7FE00010).findFirst().orElseThrow().valueOffset;
                for (int i = 1 + r.nextInt(6); i > 0; i--) m[r.nextInt(headerEnd)] = (byte) r.nextInt(256);
                yield store(kind, rq, storeCommand(), m, r);
            }
        };
    }

    /** Association, command, data set split into PDVs of random size, release. */
    private Case store(Kind kind, byte[] rq, byte[] command, byte[] dataSet, Random r) {
        List<byte[]> chunks = new ArrayList<>(List.of(rq, RawDicom.pData(1, true, true, command)));
        int fragment = 1024 + r.nextInt(64 * 1024);
        int pos = 0;
        do {
            int n = Math.min(fragment, dataSet.length - pos);
            chunks.add(RawDicom.pData(1, false, pos + n >= dataSet.length, Arrays.copyOfRange(dataSet, pos, pos + n)));
            pos += n;
        } while (pos < dataSet.length);
        chunks.add(RawDicom.releaseRq());
        return new Case(kind, chunks);
    }

    private byte[] storeCommand() {
        return RawDicom.command(0x0001, RawDicom.CT_IMAGE_STORAGE, sopInstanceUid, 1, true);
    }

    /** Rows made larger, or the pixel data shortened (its length adjusted to match), so Rows x Columns x 2 disagrees. */
    private byte[] pixelMismatch(Random r, byte[] ds) {
        Element px = elements.stream().filter(x -> x.tag == 0x7FE00010).findFirst().orElseThrow();
        if (r.nextBoolean()) {
            Element rows = elements.stream().filter(x -> x.tag == 0x00280010).findFirst().orElseThrow();
            byte[] m = ds.clone();
            ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putShort(rows.valueOffset, (short) ((ByteBuffer.wrap(ds).order(ByteOrder.LITTLE_ENDIAN)
                    .getShort(rows.valueOffset) & 0xFFFF) + 1 + r.nextInt(512)));
            return m;
        }
        int keep = 2 * r.nextInt(px.length / 2); // even, shorter than it must be
        byte[] m = Arrays.copyOf(ds, px.valueOffset + keep);
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(px.offset + 8, keep);
        return m;
    }

    private int pixelDataEnd() {
        Element px = elements.stream().filter(x -> x.tag == 0x7FE00010).findFirst().orElseThrow();
        return px.valueOffset + px.length;
    }

    private int elementsBefore(int tag) {
        for (Element e : elements) if (Integer.compareUnsigned(e.tag, tag) >= 0) return e.offset;
        return base.bytes().length;
    }

    private byte[] insertBefore(byte[] ds, int tag, byte[] element) {
        int at = elementsBefore(tag);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ds, 0, at);
        out.writeBytes(element);
        out.write(ds, at, ds.length - at);
        return out.toByteArray();
    }

    /** A sequence with one item holding a sequence ... {@code depth} deep, all of undefined length and properly closed. */
    private static byte[] nested(int depth) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < depth; i++) {
            out.writeBytes(header(0x00081115, "SQ", -1));
            out.writeBytes(itemStart(-1));
        }
        for (int i = 0; i < depth; i++) {
            out.writeBytes(delimiter(0xFFFEE00D));
            out.writeBytes(delimiter(0xFFFEE0DD));
        }
        return out.toByteArray();
    }

    private static byte[] header(int tag, String vr, int length) {
        return ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putShort((short) (tag >>> 16)).putShort((short) tag)
                .put(vr.getBytes(StandardCharsets.US_ASCII)).putShort((short) 0).putInt(length).array();
    }

    private static byte[] itemStart(int length) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0xFFFE).putShort((short) 0xE000).putInt(length).array();
    }

    private static byte[] delimiter(int tag) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) (tag >>> 16)).putShort((short) tag).putInt(0).array();
    }

    /** A length that does not fit what follows: huge, negative, zero, a little too long or too short. */
    private static int lie(Random r, int truth) {
        return switch (r.nextInt(6)) {
            case 0 -> 0x7FFFFFF0;
            case 1 -> -1 - r.nextInt(1000);
            case 2 -> 0;
            case 3 -> truth + 1 + r.nextInt(1 << 20);
            case 4 -> Math.max(0, truth - 1 - r.nextInt(Math.max(1, truth)));
            default -> 1;
        };
    }

    /** Byte flips, random bytes, cuts, insertions and 16/32-bit length lies at random places. */
    static byte[] mutate(Random r, byte[] in, int mutations) {
        byte[] b = in.clone();
        for (int i = 0; i < mutations && b.length > 0; i++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(6)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt(256);
                case 2 -> b = Arrays.copyOf(b, at);
                case 3 -> {
                    byte[] extra = new byte[1 + r.nextInt(64)];
                    r.nextBytes(extra);
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.write(b, 0, at);
                    out.writeBytes(extra);
                    out.write(b, at, b.length - at);
                    b = out.toByteArray();
                }
                case 4 -> {
                    if (at + 2 <= b.length) ByteBuffer.wrap(b).putShort(at, (short) (r.nextBoolean() ? 0xFFFF : r.nextInt(1 << 16)));
                }
                default -> {
                    if (at + 4 <= b.length) ByteBuffer.wrap(b).putInt(at, r.nextBoolean() ? 0x7FFFFFF0 : r.nextInt());
                }
            }
        }
        return b;
    }

    /** A top-level element of an explicit VR little endian data set: where its header and value start and how long it is. */
    private record Element(int tag, int offset, int valueOffset, int length, boolean longLength) {}

    private static List<Element> topLevel(byte[] ds) {
        ByteBuffer b = ByteBuffer.wrap(ds).order(ByteOrder.LITTLE_ENDIAN);
        List<Element> out = new ArrayList<>();
        int pos = 0;
        while (pos + 8 <= ds.length) {
            int tag = ((b.getShort(pos) & 0xFFFF) << 16) | (b.getShort(pos + 2) & 0xFFFF);
            String vr = new String(ds, pos + 4, 2, StandardCharsets.US_ASCII);
            boolean longLength = switch (vr) {
                case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV" -> true;
                default -> false;
            };
            int length = longLength ? b.getInt(pos + 8) : b.getShort(pos + 6) & 0xFFFF;
            int valueOffset = pos + (longLength ? 12 : 8);
            if (length == -1) throw new IllegalArgumentException("the base instance must have defined lengths only");
            out.add(new Element(tag, pos, valueOffset, length, longLength));
            pos = valueOffset + length;
        }
        return out;
    }
}
