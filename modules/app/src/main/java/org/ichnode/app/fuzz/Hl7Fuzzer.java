package org.ichnode.app.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutated HL7 v2 over MLLP against the report listener, one case per connection: a radiology ORU^R01 with mutated bytes
 * and delimiters, broken framing (no start block, no end block, stray end blocks), messages past the size limit, segment
 * storms, endless fields, binary frames. After sending, the fuzzer closes its side and reads the acknowledgements: an
 * over-limit message that is acknowledged was buffered whole (a false success); no end of the connection within the
 * timeout is a hang.
 */
public final class Hl7Fuzzer {
    public enum Kind { MESSAGE_MUTANT, MSH_MUTANT, FRAMING, OVERSIZE, SEGMENT_STORM, LONG_FIELD, BINARY, PIPELINED }

    private static final byte START = 0x0b, END = 0x1c, CR = 0x0d;
    private final String host;
    private final int port;
    private final int maxMessageBytes;
    private final long answerTimeoutMillis;

    /** @param maxMessageBytes the listener's {@code hl7.maxMessageBytes}: OVERSIZE cases go past it */
    public Hl7Fuzzer(String host, int port, int maxMessageBytes, long answerTimeoutMillis) {
        this.host = host;
        this.port = port;
        this.maxMessageBytes = maxMessageBytes;
        this.answerTimeoutMillis = answerTimeoutMillis;
    }

    /** A final head CT report as a RIS sends it (made-up identifiers). */
    public static String report(String controlId, String accession) {
        return String.join("\r",
                "MSH|^~\\&|RIS|FUZZHOSP|ICHNODE|NEURO|20260301103000||ORU^R01|" + controlId + "|P|2.5",
                "PID|1||FUZZ0001^^^FUZZHOSP^MR||FUZZ^TEST||19600101|F",
                "ORC|RE|PL1|" + accession + "||CM",
                "OBR|1|PL1|" + accession + "|CTHEAD^CT HEAD WO CONTRAST^L|||20260301094500|||||||||DRS^SMITH||" + accession
                        + "||||20260301102900||CT|F",
                "OBX|1|TX|CTHEAD^CT HEAD REPORT^L|1|FINDINGS: No intracranial hemorrhage.||||||F",
                "OBX|2|TX|IMP^IMPRESSION^L|2|IMPRESSION: Normal head CT.||||||F") + "\r";
    }

    static byte[] frame(byte[] message) {
        byte[] f = new byte[message.length + 3];
        f[0] = START;
        System.arraycopy(message, 0, f, 1, message.length);
        f[f.length - 2] = END;
        f[f.length - 1] = CR;
        return f;
    }

    /** Runs one case and tallies it. */
    public void runOne(Random r, FuzzTally tally, int caseNumber) {
        Kind kind = Kind.values()[r.nextInt(Kind.values().length)];
        List<byte[]> chunks = build(kind, r, caseNumber);
        Answer a;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoLinger(true, 0);
            OutputStream out = s.getOutputStream();
            try {
                for (byte[] c : chunks) out.write(c);
                out.flush();
                s.shutdownOutput();
            } catch (IOException e) {
                // closed by the node while we wrote (e.g. past the size limit)
            }
            a = read(s, answerTimeoutMillis);
        } catch (IOException e) {
            tally.count(kind.name(), "connect_failed");
            return;
        }
        String outcome;
        if (a.timedOut) outcome = "hung";
        else if (a.acks.isEmpty()) outcome = "closed";
        else if (kind == Kind.OVERSIZE) outcome = "false_success";
        else outcome = "ack_" + String.join("_", a.acks.stream().distinct().sorted().toList());
        tally.count(kind.name(), outcome);
    }

    List<byte[]> build(Kind kind, Random r, int n) {
        byte[] msg = report("FZ" + n, "FZACC" + n).getBytes(StandardCharsets.UTF_8);
        return switch (kind) {
            case MESSAGE_MUTANT -> List.of(frame(mutateText(r, msg, 1 + r.nextInt(10))));
            case MSH_MUTANT -> {
                int mshEnd = indexOf(msg, CR);
                byte[] msh = mutateText(r, Arrays.copyOf(msg, mshEnd), 1 + r.nextInt(4));
                yield List.of(frame(concat(msh, Arrays.copyOfRange(msg, mshEnd, msg.length))));
            }
            case FRAMING -> switch (r.nextInt(6)) {
                case 0 -> List.of(concat(msg, new byte[] {END, CR})); // no start block
                case 1 -> List.of(concat(new byte[] {START}, msg)); // never ended
                case 2 -> List.of(concat(new byte[] {START}, msg, new byte[] {END})); // end block without CR
                case 3 -> List.of(concat(new byte[] {START, START}, msg, new byte[] {END, CR})); // two start blocks
                case 4 -> List.of(new byte[] {START, END, CR}); // empty message
                default -> { // an end block in the middle of the message
                    byte[] m = msg.clone();
                    m[1 + r.nextInt(m.length - 1)] = END;
                    yield List.of(frame(m));
                }
            };
            case OVERSIZE -> {
                List<byte[]> c = new ArrayList<>(List.of(new byte[] {START}, msg));
                byte[] filler = ("OBX|3|TX|X^X^L|3|" + "A".repeat(4000) + "||||||F\r").getBytes(StandardCharsets.US_ASCII);
                for (long sent = msg.length; sent <= maxMessageBytes + 8192L; sent += filler.length) c.add(filler);
                c.add(new byte[] {END, CR});
                yield c;
            }
            case SEGMENT_STORM -> {
                ByteArrayOutputStream m = new ByteArrayOutputStream();
                m.writeBytes(msg);
                int segments = 100 + r.nextInt(Math.max(101, Math.min(20000, maxMessageBytes / 64)));
                for (int i = 0; i < segments; i++) m.writeBytes(("OBX|" + i + "|TX|X^X^L|" + i + "|line " + i + "||||||F\r").getBytes(StandardCharsets.US_ASCII));
                yield List.of(frame(Arrays.copyOf(m.toByteArray(), Math.min(m.size(), maxMessageBytes - 16))));
            }
            case LONG_FIELD -> {
                int len = Math.min(maxMessageBytes - msg.length - 64, 1000 + r.nextInt(200_000));
                String field = r.nextBoolean() ? "X".repeat(len) : "^".repeat(len / 2) + "~".repeat(len / 2);
                yield List.of(frame(concat(msg, ("OBX|3|TX|X^X^L|3|" + field + "||||||F\r").getBytes(StandardCharsets.US_ASCII))));
            }
            case BINARY -> {
                byte[] b = new byte[1 + r.nextInt(4096)];
                r.nextBytes(b);
                yield List.of(r.nextBoolean() ? frame(b) : b);
            }
            case PIPELINED -> { // several messages in one connection, some mutated
                List<byte[]> c = new ArrayList<>();
                for (int i = 1 + r.nextInt(5); i > 0; i--) c.add(frame(r.nextBoolean() ? msg : mutateText(r, msg, 1 + r.nextInt(3))));
                yield c;
            }
        };
    }

    /** Byte flips, HL7 delimiters and framing bytes dropped in, cuts, insertions of random bytes (also invalid UTF-8). */
    private static byte[] mutateText(Random r, byte[] in, int mutations) {
        byte[] special = {'|', '^', '~', '\\', '&', CR, '\n', START, END, 0, (byte) 0xC3, (byte) 0xFF};
        byte[] b = in.clone();
        for (int i = 0; i < mutations && b.length > 1; i++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0 -> b[at] = special[r.nextInt(special.length)];
                case 1 -> b[at] = (byte) r.nextInt(256);
                case 2 -> b = Arrays.copyOf(b, Math.max(1, at));
                case 3 -> {
                    byte[] extra = new byte[1 + r.nextInt(32)];
                    r.nextBytes(extra);
                    b = concat(Arrays.copyOf(b, at), extra, Arrays.copyOfRange(b, at, b.length));
                }
                default -> b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, Math.min(b.length, at + 1 + r.nextInt(16)), b.length));
            }
        }
        return b;
    }

    private record Answer(List<String> acks, boolean timedOut) {}

    /** The MSA-1 codes of every MLLP frame the node sent, until it closed the connection. */
    private static Answer read(Socket s, long timeoutMillis) throws IOException {
        List<String> acks = new ArrayList<>();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        InputStream in = s.getInputStream();
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            while (true) {
                s.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
                int n = in.read(buf);
                if (n < 0) break;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == END) {
                        String text = frame.toString(StandardCharsets.UTF_8);
                        int msa = text.indexOf("MSA|");
                        acks.add(msa >= 0 && text.length() >= msa + 6 ? text.substring(msa + 4, msa + 6) : "??");
                        frame.reset();
                    } else if (buf[i] != START) {
                        frame.write(buf[i]);
                    }
                }
            }
        } catch (SocketTimeoutException e) {
            return new Answer(acks, true);
        } catch (IOException e) {
            // reset by the node: it closed
        }
        return new Answer(acks, false);
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) if (b[i] == v) return i;
        return b.length;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
