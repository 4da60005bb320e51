package org.ichnode.app.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The DICOM upper layer written out byte by byte for the fuzzer, on purpose independent of the node's own encoder in
 * {@code dicom/net}: a fuzzer that shares the code it tests shares its mistakes. Only what the cases need: A-ASSOCIATE-RQ,
 * P-DATA-TF, A-RELEASE-RQ, DIMSE command sets in implicit VR little endian, and reading back what the peer answered.
 */
final class RawDicom {
    private RawDicom() {}

    static final String APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";
    static final String VERIFICATION = "1.2.840.10008.1.1";
    static final String CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2";
    static final String EXPLICIT_VR_LE = "1.2.840.10008.1.2.1";

    /** Presentation context 1: CT Image Storage, context 3: Verification; both in {@code transferSyntax}. */
    static byte[] associateRq(String called, String calling, String transferSyntax) {
        ByteArrayOutputStream items = new ByteArrayOutputStream();
        item(items, 0x10, ascii(APPLICATION_CONTEXT));
        for (int[] pc : new int[][] {{1, 0}, {3, 1}}) {
            ByteArrayOutputStream ctx = new ByteArrayOutputStream();
            ctx.writeBytes(new byte[] {(byte) pc[0], 0, 0, 0});
            item(ctx, 0x30, ascii(pc[1] == 0 ? CT_IMAGE_STORAGE : VERIFICATION));
            item(ctx, 0x40, ascii(transferSyntax));
            item(items, 0x20, ctx.toByteArray());
        }
        ByteArrayOutputStream user = new ByteArrayOutputStream();
        item(user, 0x51, ByteBuffer.allocate(4).putInt(65536).array());
        item(user, 0x52, ascii("1.2.826.0.1.3680043.10.1010.9"));
        item(items, 0x50, user.toByteArray());
        byte[] variable = items.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(6 + 68 + variable.length);
        b.put((byte) 0x01).put((byte) 0).putInt(68 + variable.length).putShort((short) 1).putShort((short) 0);
        b.put(ae(called)).put(ae(calling)).put(new byte[32]).put(variable);
        return b.array();
    }

    /** One P-DATA-TF PDU with one PDV; {@code command} and {@code last} make the message control header. */
    static byte[] pData(int contextId, boolean command, boolean last, byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(12 + value.length);
        b.put((byte) 0x04).put((byte) 0).putInt(6 + value.length).putInt(2 + value.length);
        b.put((byte) contextId).put((byte) ((command ? 1 : 0) | (last ? 2 : 0))).put(value);
        return b.array();
    }

    static byte[] releaseRq() {
        return ByteBuffer.allocate(10).put((byte) 0x05).put((byte) 0).putInt(4).putInt(0).array();
    }

    /** C-STORE-RQ (0x0001) or C-ECHO-RQ (0x0030) in implicit VR little endian, with its group length. */
    static byte[] command(int commandField, String sopClass, String sopInstance, int messageId, boolean hasDataSet) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        uid(body, 0x0002, sopClass);
        us(body, 0x0100, commandField);
        us(body, 0x0110, messageId);
        if (commandField == 0x0001) us(body, 0x0700, 0);
        us(body, 0x0800, hasDataSet ? 0x0000 : 0x0101);
        if (sopInstance != null) uid(body, 0x1000, sopInstance);
        byte[] rest = body.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(12 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0).putShort((short) 0).putInt(4).putInt(rest.length).put(rest);
        return b.array();
    }

    /**
     * The data set of a Part 10 file (preamble, "DICM" and the group 0002 meta information cut off) and its transfer
     * syntax, which the meta information names.
     */
    record DataSet(byte[] bytes, String transferSyntax) {}

    static DataSet stripPart10(byte[] file) {
        if (file.length < 132 || file[128] != 'D' || file[129] != 'I' || file[130] != 'C' || file[131] != 'M')
            throw new IllegalArgumentException("not a DICOM Part 10 file");
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 132;
        String ts = null;
        while (pos + 8 <= file.length && b.getShort(pos) == 0x0002) {
            int element = b.getShort(pos + 2) & 0xFFFF;
            String vr = new String(file, pos + 4, 2, StandardCharsets.US_ASCII);
            int len;
            int header;
            if (vr.equals("OB") || vr.equals("OW") || vr.equals("UN") || vr.equals("SQ") || vr.equals("UT")) {
                len = b.getInt(pos + 8);
                header = 12;
            } else {
                len = b.getShort(pos + 6) & 0xFFFF;
                header = 8;
            }
            if (element == 0x0010) ts = new String(file, pos + header, len, StandardCharsets.US_ASCII).trim().replace("\0", "");
            pos += header + len;
        }
        if (ts == null) throw new IllegalArgumentException("no transfer syntax in the meta information");
        return new DataSet(Arrays.copyOfRange(file, pos, file.length), ts);
    }

    /** What came back on one connection, read until the peer closed it or {@code timeoutMillis} passed. */
    record Answer(boolean accepted, boolean rejected, boolean aborted, boolean releaseResponse, List<Integer> statuses,
                  boolean closedByPeer, boolean timedOut, boolean malformed) {
        boolean anySuccess() { return statuses.stream().anyMatch(s -> s == 0x0000 || (s & 0xF000) == 0xB000); }
    }

    static Answer read(Socket s, long timeoutMillis) throws IOException {
        boolean ac = false, rj = false, ab = false, rp = false, closed = false, timedOut = false, malformed = false;
        List<Integer> statuses = new ArrayList<>();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        InputStream in = s.getInputStream();
        ByteArrayOutputStream command = new ByteArrayOutputStream();
        try {
            while (true) {
                int left = (int) Math.max(1, deadline - System.currentTimeMillis());
                s.setSoTimeout(left);
                byte[] header = in.readNBytes(6);
                if (header.length < 6) {
                    closed = true;
                    if (header.length > 0) malformed = true;
                    break;
                }
                long len = ByteBuffer.wrap(header, 2, 4).getInt() & 0xFFFFFFFFL;
                if (len > (1 << 20)) {
                    malformed = true;
                    break;
                }
                byte[] body = in.readNBytes((int) len);
                if (body.length < len) {
                    closed = true;
                    malformed = true;
                    break;
                }
                switch (header[0]) {
                    case 0x02 -> ac = true;
                    case 0x03 -> rj = true;
                    case 0x07 -> ab = true;
                    case 0x06 -> rp = true;
                    case 0x04 -> {
                        ByteBuffer pb = ByteBuffer.wrap(body);
                        while (pb.remaining() >= 6) {
                            int pdvLen = pb.getInt();
                            if (pdvLen < 2 || pdvLen - 2 > pb.remaining() - 2) {
                                malformed = true;
                                break;
                            }
                            pb.get();
                            int control = pb.get();
                            byte[] v = new byte[pdvLen - 2];
                            pb.get(v);
                            if ((control & 1) != 0) {
                                command.writeBytes(v);
                                if ((control & 2) != 0) {
                                    Integer st = status(command.toByteArray());
                                    if (st == null) malformed = true;
                                    else statuses.add(st);
                                    command.reset();
                                }
                            }
                        }
                    }
                    default -> malformed = true;
                }
            }
        } catch (SocketTimeoutException e) {
            timedOut = true;
        } catch (IOException e) {
            closed = true; // reset by the peer
        }
        return new Answer(ac, rj, ab, rp, List.copyOf(statuses), closed, timedOut, malformed);
    }

    /** (0000,0900) Status of an implicit VR little endian command set, or null if it has none. */
    static Integer status(byte[] cmd) {
        ByteBuffer b = ByteBuffer.wrap(cmd).order(ByteOrder.LITTLE_ENDIAN);
        while (b.remaining() >= 8) {
            int group = b.getShort() & 0xFFFF;
            int element = b.getShort() & 0xFFFF;
            long len = b.getInt() & 0xFFFFFFFFL;
            if (len > b.remaining()) return null;
            if (group == 0 && element == 0x0900 && len == 2) return b.getShort() & 0xFFFF;
            b.position(b.position() + (int) len);
        }
        return null;
    }

    static byte[] ae(String title) {
        byte[] b = new byte[16];
        Arrays.fill(b, (byte) ' ');
        byte[] s = ascii(title);
        System.arraycopy(s, 0, b, 0, Math.min(16, s.length));
        return b;
    }

    private static void item(ByteArrayOutputStream out, int type, byte[] value) {
        out.write(type);
        out.write(0);
        out.write((value.length >>> 8) & 0xFF);
        out.write(value.length & 0xFF);
        out.writeBytes(value);
    }

    private static void uid(ByteArrayOutputStream out, int element, String uid) {
        byte[] v = ascii(uid.length() % 2 == 0 ? uid : uid + "\0");
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0).putShort((short) element).putInt(v.length).array());
        out.writeBytes(v);
    }

    private static void us(ByteArrayOutputStream out, int element, int value) {
        out.writeBytes(ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0).putShort((short) element).putInt(2)
                .putShort((short) value).array());
    }

    static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }
}
