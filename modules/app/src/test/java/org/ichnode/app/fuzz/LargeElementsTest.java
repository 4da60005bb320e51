package org.ichnode.app.fuzz;

import org.ichnode.node.NodeProcess;
import org.ichnode.dicom.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Three associations at once, each streaming a data set with one 300 MB private element, to a node process with a 512 MB
 * heap: the data sets are streamed to disk and an element other than Pixel Data over 16 MB is refused before the header
 * parser would hold it (three concurrent 1 GB elements ended the JVM with OutOfMemoryError; on 2026-12-06 three of
 * 300 MB still did, in the header parser).
 */
class LargeElementsTest {
    @TempDir Path tmp;

    @Test
    void threeConcurrentHugeElementsDoNotExhaustTheHeap() throws Exception {
        try (NodeProcess node = NodeProcess.start(tmp.resolve("node.log"), "jdbc:h2:file:" + tmp.resolve("db/ichnode"), tmp.resolve("storage"),
                "large", "worker.threads=0", "model.dir=baseline")) {
            ExecutorService pool = Executors.newFixedThreadPool(3);
            List<Future<RawDicom.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int n = i;
                answers.add(pool.submit(() -> send(node.dicomPort, "1.2.826.0.1.3680043.8.498.40" + n, 300 << 20)));
            }
            for (Future<RawDicom.Answer> f : answers) {
                RawDicom.Answer a = f.get();
                assertFalse(a.timedOut(), "answered: " + a);
                assertEquals(1, a.statuses().size(), "a C-STORE response for the whole data set: " + a);
                assertEquals(0xC000, a.statuses().get(0), "an element over the 16 MB limit is refused: " + a);
            }
            pool.shutdown();
            assertEquals(0, Tools.run(List.of("echoscu", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(node.dicomPort))).exitCode(),
                    "the node still answers:\n" + node.log());
            assertFalse(node.log().contains("OutOfMemoryError"), node.log());
        }
    }

    /** Association, C-STORE, a data set whose (0009,1010) OB holds {@code bytes} zeros, sent in 64 KB fragments. */
    private static RawDicom.Answer send(int port, String sopInstanceUid, int bytes) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            OutputStream out = s.getOutputStream();
            out.write(RawDicom.associateRq("ICHNODE", "LARGE", RawDicom.EXPLICIT_VR_LE));
            out.write(RawDicom.pData(1, true, true, RawDicom.command(0x0001, RawDicom.CT_IMAGE_STORAGE, sopInstanceUid, 1, true)));
            ByteBuffer head = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
            element(head, 0x0008, 0x0016, "UI", RawDicom.CT_IMAGE_STORAGE);
            element(head, 0x0008, 0x0018, "UI", sopInstanceUid);
            element(head, 0x0008, 0x0060, "CS", "CT");
            element(head, 0x0020, 0x000D, "UI", "1.2.826.0.1.3680043.8.498.41");
            element(head, 0x0020, 0x000E, "UI", "1.2.826.0.1.3680043.8.498.42");
            head.putShort((short) 0x0009).putShort((short) 0x1010).put("OB".getBytes(StandardCharsets.US_ASCII)).putShort((short) 0).putInt(bytes);
            byte[] first = new byte[head.position()];
            head.flip().get(first);
            out.write(RawDicom.pData(1, false, false, first));
            byte[] zeros = new byte[64 << 10];
            for (int sent = 0; sent < bytes; sent += zeros.length) {
                out.write(RawDicom.pData(1, false, sent + zeros.length >= bytes, zeros));
            }
            out.write(RawDicom.releaseRq());
            out.flush();
            return RawDicom.read(s, 120_000);
        }
    }

    private static void element(ByteBuffer b, int group, int element, String vr, String value) {
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        if (v.length % 2 == 1) v = java.util.Arrays.copyOf(v, v.length + 1);
        b.putShort((short) group).putShort((short) element).put(vr.getBytes(StandardCharsets.US_ASCII)).putShort((short) v.length).put(v);
    }
}
