package org.ichnode.dicom.net;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import org.ichnode.dicom.spool.DicomSpool;
import org.ichnode.dicom.spool.InstanceIndex;
import org.ichnode.dicom.spool.StoredInstance;
import org.ichnode.dicom.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.*;

/** The storage SCP against the real DCMTK tools (storescu, echoscu) over loopback sockets. */
class StorageScpTest {
    @TempDir Path tmp;
    private StorageScp scp;
    private final Map<String, StoredInstance> recorded = new ConcurrentHashMap<>();
    private final InstanceIndex collecting = i -> recorded.put(i.header().sopInstanceUid(), i);

    private StorageScp start(Path storage, String allowed, int maxAssociations, InstanceIndex index) throws IOException {
        DicomSpool spool = new DicomSpool(storage, index, 0, ScpSettings.CT_STORAGE);
        ScpSettings settings = new ScpSettings("ICHNODE", InetAddress.getLoopbackAddress(), 0,
                CallerAllowlist.parse(allowed), maxAssociations, 262144, Duration.ofSeconds(5),
                ScpSettings.CT_STORAGE, ScpSettings.DEFAULT_TRANSFER_SYNTAXES);
        scp = new StorageScp(settings, spool);
        return scp;
    }

    @AfterEach
    void stop() {
        if (scp != null) scp.close();
    }

    private Tools.Result storescu(String callingAe, String calledAe, List<Path> files, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("storescu", "-v", "-aet", callingAe, "-aec", calledAe));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("127.0.0.1", String.valueOf(scp.port())));
        files.forEach(f -> cmd.add(f.toString()));
        return Tools.run(cmd);
    }

    @Test
    void echoAndStoreRealSeriesDurablyWithContentIntact() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("ge-head-tilted"));
        start(tmp.resolve("storage"), "PACS@127.0.0.1, OTHER", 4, collecting);

        assertEquals(0, Tools.run(List.of("echoscu", "-aet", "PACS", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(scp.port()))).exitCode());
        Tools.Result r = storescu("PACS", "ICHNODE", files);
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(files.size(), recorded.size());

        for (Path original : files) {
            AttributeList a = read(original);
            String uid = Attribute.getSingleStringValueOrNull(a, TagFromName.SOPInstanceUID);
            StoredInstance s = recorded.get(uid);
            assertNotNull(s, "instance " + uid + " recorded");
            assertTrue(Files.isRegularFile(s.file()));
            assertEquals(Files.size(s.file()), s.sizeBytes());
            AttributeList b = read(s.file());
            assertArrayEquals(a.get(TagFromName.PixelData).getShortValues(), b.get(TagFromName.PixelData).getShortValues());
            assertEquals("PACS", Attribute.getSingleStringValueOrNull(b, TagFromName.SourceApplicationEntityTitle));
        }
        try (var left = Files.list(tmp.resolve("storage/spool/tmp"))) {
            assertEquals(0, left.count(), "no temporary files left");
        }
    }

    /**
     * A 450-byte object whose UN element claims 2 GB (it ended the JVM with OutOfMemoryError), and one with sequences
     * nested 3,000 deep (StackOverflowError): each gets a failure status, nothing of it is kept, and a real series
     * sent next is stored whole, with and without preallocated files.
     */
    @Test
    void lyingLengthsAndDeepNestingAreRefusedAndTheNextSeriesIsStored() throws Exception {
        for (int preallocated : new int[] {0, 4}) {
            recorded.clear();
            Path storage = tmp.resolve("storage-" + preallocated);
            DicomSpool spool = new DicomSpool(storage, collecting, 0, ScpSettings.CT_STORAGE, preallocated, "hostile");
            scp = new StorageScp(new ScpSettings("ICHNODE", InetAddress.getLoopbackAddress(), 0, CallerAllowlist.parse("*"), 4, 262144,
                    Duration.ofSeconds(5), ScpSettings.CT_STORAGE, ScpSettings.DEFAULT_TRANSFER_SYNTAXES), spool);
            Path un = org.ichnode.dicom.spool.HostileObjects.ct("1.2.826.0.1.3680043.8.498.10")
                    .lyingElement(0x0029, 0x1010, "UN", 0x7FFFFFF0L, 16).writePart10(tmp.resolve("hostile/un.dcm"), "1.2.826.0.1.3680043.8.498.10");
            Path deep = org.ichnode.dicom.spool.HostileObjects.ct("1.2.826.0.1.3680043.8.498.11")
                    .nestedSequences(3000).writePart10(tmp.resolve("hostile/deep.dcm"), "1.2.826.0.1.3680043.8.498.11");
            Path dots = org.ichnode.dicom.spool.HostileObjects.ct("..").writePart10(tmp.resolve("hostile/dots.dcm"), "..");
            List<StoreOutcome> out = new StorageScu(Duration.ofSeconds(5), Duration.ofSeconds(20))
                    .send(new Destination("node", "ICHNODE", "127.0.0.1", scp.port()), "FUZZ", List.of(un, deep, dots));
            assertEquals(3, out.size());
            assertEquals(StoreOutcome.Result.REFUSED, out.get(2).result(), "'..' is not a SOP Instance UID: " + out.get(2));
            for (StoreOutcome o : out.subList(0, 2)) {
                assertEquals(StoreOutcome.Result.REFUSED, o.result(), o.toString());
                assertEquals(0xC000, o.status() & 0xF000, "a failure status (Cxxx: cannot understand): " + o);
                assertTrue(o.reason() != null && (o.reason().contains("claims 2147483632 bytes") || o.reason().contains("nested deeper")),
                        "refused for what it is, before parsing: " + o.reason());
            }
            assertTrue(recorded.isEmpty(), "nothing recorded");
            List<Path> files = Tools.files(Tools.realCt("ge-head-tilted"));
            Tools.Result r = storescu("PACS", "ICHNODE", files);
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(files.size(), recorded.size(), "the real series after the hostile objects");
            scp.close();
            scp = null;
            spool.close();
        }
    }

    /** A CT instance without Rows and Columns, or without Pixel Data, is not an image: refused, never stored as success. */
    @Test
    void aCtWithoutPixelsIsRefused() throws Exception {
        DicomSpool spool = new DicomSpool(tmp.resolve("storage-nopixels"), collecting, 0, ScpSettings.CT_STORAGE, 0, "nopixels");
        scp = new StorageScp(new ScpSettings("ICHNODE", InetAddress.getLoopbackAddress(), 0, CallerAllowlist.parse("*"), 4, 262144,
                Duration.ofSeconds(5), ScpSettings.CT_STORAGE, ScpSettings.DEFAULT_TRANSFER_SYNTAXES), spool);
        Path bare = org.ichnode.dicom.spool.HostileObjects.ct("1.2.826.0.1.3680043.8.498.40")
                .writePart10(tmp.resolve("nopixels/bare.dcm"), "1.2.826.0.1.3680043.8.498.40");
        Path noPixelData = org.ichnode.dicom.spool.HostileObjects.ct("1.2.826.0.1.3680043.8.498.41").imagePixelModule(512, 512)
                .writePart10(tmp.resolve("nopixels/header-only.dcm"), "1.2.826.0.1.3680043.8.498.41");
        Path image = org.ichnode.dicom.spool.HostileObjects.ct("1.2.826.0.1.3680043.8.498.42").nativeImage(8, 8, new byte[128])
                .writePart10(tmp.resolve("nopixels/image.dcm"), "1.2.826.0.1.3680043.8.498.42");
        List<StoreOutcome> out = new StorageScu(Duration.ofSeconds(5), Duration.ofSeconds(20))
                .send(new Destination("node", "ICHNODE", "127.0.0.1", scp.port()), "PACS", List.of(bare, noPixelData, image));
        assertEquals(3, out.size());
        assertEquals(StoreOutcome.Result.REFUSED, out.get(0).result(), out.get(0).toString());
        assertTrue(out.get(0).reason().contains("without Rows or Columns"), out.get(0).reason());
        assertEquals(StoreOutcome.Result.REFUSED, out.get(1).result(), out.get(1).toString());
        assertTrue(out.get(1).reason().contains("without Pixel Data"), out.get(1).reason());
        assertEquals(0xC000, out.get(1).status() & 0xF000, "a failure status: " + out.get(1));
        assertEquals(StoreOutcome.Result.DELIVERED, out.get(2).result(), "the same object with its pixels: " + out.get(2));
        assertEquals(1, recorded.size(), "only the image recorded");
        scp.close();
        scp = null;
        spool.close();
    }

    /** A 30000 x 30000 RLE frame (1.8 GB decoded) in a few hundred bytes is refused before it is decoded. */
    @Test
    void aHugeCompressedFrameIsRefusedBeforeDecoding() throws Exception {
        start(tmp.resolve("storage"), "*", 4, collecting);
        Path huge = org.ichnode.dicom.spool.HostileObjects.ct("1.2.826.0.1.3680043.8.498.30").encapsulatedImage(30000, 30000)
                .writePart10(tmp.resolve("hostile/huge-rle.dcm"), "1.2.826.0.1.3680043.8.498.30", "1.2.840.10008.1.2.5");
        assertTrue(Files.size(huge) < 1000, "small on the wire: " + Files.size(huge));
        // storescu -xr proposes RLE only, so the object travels compressed (our SCU would be given Explicit VR LE)
        Tools.Result r = Tools.run(List.of("storescu", "-d", "-xr", "-aet", "FUZZ", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(scp.port()),
                huge.toString()));
        assertTrue(r.output().toLowerCase(java.util.Locale.ROOT).contains("0xc000"), "refused with C000: " + r.output());
        assertTrue(r.output().contains("decoded pixel data would exceed"), r.output());
        assertTrue(recorded.isEmpty());
        List<Path> files = Tools.files(Tools.realCt("philips-head-phantom-5mm")).subList(0, 2);
        assertEquals(0, storescu("PACS", "ICHNODE", files).exitCode(), "the node goes on");
        assertEquals(2, recorded.size());
    }

    @Test
    void resentInstanceIsIdempotent() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("philips-head-phantom-5mm")).subList(0, 3);
        start(tmp.resolve("storage"), "*", 4, collecting);
        assertEquals(0, storescu("A", "ICHNODE", files).exitCode());
        assertEquals(0, storescu("A", "ICHNODE", files).exitCode());
        assertEquals(3, recorded.size());
        try (var stored = Files.walk(tmp.resolve("storage/spool/instances"))) {
            assertEquals(3, stored.filter(Files::isRegularFile).count(), "one file per SOP Instance UID");
        }
    }

    @Test
    void callerNotOnAllowlistOrWrongCalledAeIsRejected() throws Exception {
        start(tmp.resolve("storage"), "PACS@127.0.0.1", 4, collecting);
        Tools.Result wrongCaller = Tools.run(List.of("echoscu", "-aet", "INTRUDER", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(scp.port())));
        assertNotEquals(0, wrongCaller.exitCode());
        assertTrue(wrongCaller.output().contains("Calling AE Title Not Recognized"), wrongCaller.output());

        Tools.Result wrongCalled = Tools.run(List.of("echoscu", "-aet", "PACS", "-aec", "SOMEONE", "127.0.0.1", String.valueOf(scp.port())));
        assertNotEquals(0, wrongCalled.exitCode());
        assertTrue(wrongCalled.output().contains("Called AE Title Not Recognized"), wrongCalled.output());

        start(tmp.resolve("storage2"), "PACS@10.1.2.3", 4, collecting); // right AE, wrong host
        Tools.Result wrongHost = Tools.run(List.of("echoscu", "-aet", "PACS", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(scp.port())));
        assertNotEquals(0, wrongHost.exitCode());
    }

    @Test
    void otherSopClassesAreRefusedInNegotiation() throws Exception {
        Path ct = Tools.files(Tools.realCt("philips-head-phantom-5mm")).get(0);
        Path mr = tmp.resolve("mr.dcm");
        Files.copy(ct, mr);
        assertEquals(0, Tools.run(List.of("dcmodify", "-nb", "-m", "(0008,0016)=1.2.840.10008.5.1.4.1.1.4", mr.toString())).exitCode());
        start(tmp.resolve("storage"), "*", 4, collecting);
        Tools.Result r = storescu("A", "ICHNODE", List.of(mr));
        assertTrue(r.output().contains("No presentation context"), r.output());
        assertTrue(recorded.isEmpty());
    }

    @Test
    void compressedPixelDataThatDoesNotDecodeIsRefused() throws Exception {
        start(tmp.resolve("storage"), "*", 4, collecting);
        byte[] shortRle = new byte[16]; // a 16-byte RLE fragment: the header alone is 64 bytes
        java.nio.ByteBuffer.wrap(shortRle).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(64);
        Path rle = org.ichnode.dicom.spool.HostileObjects.ct("1.2.826.0.1.3680043.8.498.31").encapsulatedImage(512, 512, shortRle)
                .writePart10(tmp.resolve("hostile/short-rle.dcm"), "1.2.826.0.1.3680043.8.498.31", Uids.RLE_LOSSLESS);
        byte[] garbage = new byte[4096];
        new java.util.Random(3).nextBytes(garbage);
        Path jpeg = org.ichnode.dicom.spool.HostileObjects.ct("1.2.826.0.1.3680043.8.498.32").encapsulatedImage(512, 512, garbage)
                .writePart10(tmp.resolve("hostile/garbage-jpeg.dcm"), "1.2.826.0.1.3680043.8.498.32", Uids.JPEG_LOSSLESS_SV1);
        for (Path p : List.of(rle, jpeg)) {
            Tools.Result r = storescu("FUZZ", "ICHNODE", List.of(p), p == rle ? "-xr" : "-xs");
            assertTrue(r.output().contains("Received Store Response"), r.output());
            assertFalse(r.output().contains("Received Store Response (Success)"), "no false success for " + p.getFileName() + ": " + r.output());
        }
        assertTrue(recorded.isEmpty(), recorded.toString());
    }

    @Test
    void rleAndJpegLosslessAreDecodedOnReceipt() throws Exception {
        Path ct = Tools.files(Tools.realCt("philips-head-phantom-5mm")).get(0);
        Path rle = tmp.resolve("rle.dcm");
        Path jpeg = tmp.resolve("jpeg.dcm");
        assertEquals(0, Tools.run(List.of("dcmcrle", ct.toString(), rle.toString())).exitCode());
        assertEquals(0, Tools.run(List.of("dcmcjpeg", "+e1", ct.toString(), jpeg.toString())).exitCode());
        short[] expected = read(ct).get(TagFromName.PixelData).getShortValues();
        String sopUid = Attribute.getSingleStringValueOrNull(read(ct), TagFromName.SOPInstanceUID);

        for (Path compressed : List.of(rle, jpeg)) {
            recorded.clear();
            start(tmp.resolve("storage-" + compressed.getFileName()), "*", 4, collecting);
            Tools.Result r = storescu("A", "ICHNODE", List.of(compressed), compressed == rle ? "-xr" : "-xs");
            assertEquals(0, r.exitCode(), r.output());
            StoredInstance s = recorded.get(sopUid);
            AttributeList stored = read(s.file());
            assertEquals(Uids.EXPLICIT_VR_LE, Attribute.getSingleStringValueOrNull(stored, TagFromName.TransferSyntaxUID));
            assertArrayEquals(expected, stored.get(TagFromName.PixelData).getShortValues(), compressed.getFileName().toString());
            scp.close();
        }
    }

    @Test
    void fullDiskAnswersOutOfResourcesAndLeavesNothingHalfWritten() throws Exception {
        Path small = tmp.resolve("small");
        Files.createDirectories(small);
        Tools.Result mount = Tools.run(List.of("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString()));
        Assumptions.assumeTrue(mount.exitCode() == 0, "cannot mount a small tmpfs here (" + mount.output().trim() + "): skipping the disk-full test");
        try {
            List<Path> files = Tools.files(Tools.realCt("ge-head-tilted")).subList(0, 8); // ~4.2 MB into 2 MB
            start(small, "*", 4, collecting);
            Tools.Result r = storescu("A", "ICHNODE", files);
            assertTrue(r.output().contains("Refused: OutOfResources"), r.output());
            assertTrue(recorded.size() > 0 && recorded.size() < files.size(), "some stored before the disk filled: " + recorded.size());
            for (StoredInstance s : recorded.values()) assertTrue(Files.size(s.file()) == s.sizeBytes());
            try (var left = Files.list(small.resolve("spool/tmp"))) {
                assertEquals(0, left.count(), "no partial file left");
            }
            // the SCP keeps serving: an echo still works
            assertEquals(0, Tools.run(List.of("echoscu", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(scp.port()))).exitCode());
        } finally {
            if (scp != null) scp.close(); // null where the real CT is absent and the test was skipped before starting it
            Tools.run(List.of("umount", small.toString()));
        }
    }

    @Test
    void failedRecordingIsNotAcknowledged() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("philips-head-phantom-5mm")).subList(0, 2);
        start(tmp.resolve("storage"), "*", 4, i -> { throw new IllegalStateException("database down"); });
        Tools.Result r = storescu("A", "ICHNODE", files);
        assertTrue(r.output().contains("Refused: OutOfResources"), r.output());
        assertTrue(recorded.isEmpty());
        try (var stored = Files.walk(tmp.resolve("storage/spool/instances"))) {
            assertEquals(0, stored.filter(Files::isRegularFile).count(), "nothing unrecorded stays in the spool");
        }
    }

    @Test
    void garbageTruncatedPdusAndAbruptDisconnectsEndOnlyThatAssociation() throws Exception {
        start(tmp.resolve("storage"), "*", 4, collecting);
        // not a DICOM peer at all
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), scp.port())) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            s.getOutputStream().flush();
            assertAbortedOrClosed(s);
        }
        // a PDU header announcing more bytes than ever come
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), scp.port())) {
            OutputStream o = s.getOutputStream();
            o.write(new byte[] {0x01, 0, 0, 0, 0x10, 0, 0, 1, 0, 0});
            o.flush();
            s.shutdownOutput();
            assertAbortedOrClosed(s);
        }
        // storescu killed while sending a large file: nothing recorded, nothing left in tmp
        Path big = Tools.files(Tools.realCt("ge-head-tilted")).get(0);
        List<String> cmd = List.of("storescu", "--max-pdu", "4096", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(scp.port()),
                big.toString(), big.toString(), big.toString(), big.toString(), big.toString(), big.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread.sleep(150);
        p.destroyForcibly().waitFor();
        // the SCP still serves
        Tools.Result r = storescu("A", "ICHNODE", List.of(Tools.files(Tools.realCt("philips-head-phantom-5mm")).get(0)));
        assertEquals(0, r.exitCode(), r.output());
        Thread.sleep(300);
        try (var left = Files.list(tmp.resolve("storage/spool/tmp"))) {
            assertEquals(0, left.count(), "partial data sets are discarded");
        }
    }

    /**
     * A peer that breaks the protocol is told so with an A-ABORT before the socket closes (the socket used to be closed
     * first, so nothing was ever sent); a malformed A-ASSOCIATE-RQ is one log line, not a stack trace.
     */
    @Test
    void protocolErrorsAreAnsweredWithAnAbort() throws Exception {
        start(tmp.resolve("storage"), "*", 4, collecting);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), scp.port())) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            s.getOutputStream().flush();
            assertAbort(s);
        }
        // an A-ASSOCIATE-RQ of 100 bytes whose items claim more than it holds
        byte[] rq = new byte[6 + 100];
        rq[0] = 0x01;
        rq[5] = 100;
        rq[7] = 1; // protocol version 1
        java.util.Arrays.fill(rq, 10, 42, (byte) 'A');
        rq[74] = 0x10; // an application context item ...
        rq[76] = 0x7F; // ... claiming 32,512 bytes
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), scp.port())) {
            s.getOutputStream().write(rq);
            s.getOutputStream().flush();
            assertAbort(s);
        }
        assertEquals(0, Tools.run(List.of("echoscu", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(scp.port()))).exitCode());
    }

    /** Found by {@code ./ichnode fuzz dicom}: a presentation context without an abstract syntax sub-item threw an NPE. */
    @Test
    void aPresentationContextWithoutAbstractSyntaxIsRefusedAlone() throws Exception {
        start(tmp.resolve("storage"), "*", 4, collecting);
        List<AssociateRequest.ProposedContext> contexts = List.of(new AssociateRequest.ProposedContext(1, Uids.VERIFICATION, List.of(Uids.IMPLICIT_VR_LE)));
        byte[] valid = Pdus.associateRequest("ICHNODE", "FUZZ", contexts, 65536);
        // append a second context item (id 3) holding only a transfer syntax sub-item, and fix the PDU length
        byte[] ts = Uids.IMPLICIT_VR_LE.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream ctx = new java.io.ByteArrayOutputStream();
        ctx.writeBytes(new byte[] {0x20, 0, 0, (byte) (4 + 4 + ts.length), 3, 0, 0, 0, 0x40, 0, 0, (byte) ts.length});
        ctx.writeBytes(ts);
        java.io.ByteArrayOutputStream rq = new java.io.ByteArrayOutputStream();
        rq.writeBytes(valid);
        rq.writeBytes(ctx.toByteArray());
        byte[] bytes = rq.toByteArray();
        java.nio.ByteBuffer.wrap(bytes).putInt(2, bytes.length - 6);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), scp.port())) {
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            s.setSoTimeout(10000);
            assertEquals(Pdus.ASSOCIATE_AC, s.getInputStream().read(), "the association is accepted with the context refused");
        }
        assertEquals(0, Tools.run(List.of("echoscu", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(scp.port()))).exitCode());
    }

    private static void assertAbort(Socket s) throws IOException {
        s.setSoTimeout(10000);
        int first = s.getInputStream().read();
        assertEquals(Pdus.ABORT, first, "an A-ABORT PDU");
    }

    @Test
    void malformedDataSetIsRefusedAndTheAssociationGoesOn() throws Exception {
        start(tmp.resolve("storage"), "*", 4, collecting);
        Path good = Tools.files(Tools.realCt("philips-head-phantom-5mm")).get(0);
        // a Part 10 file whose meta header is fine but whose data set is noise
        Path bad = tmp.resolve("bad.dcm");
        byte[] meta = DicomSpool.fileMetaInformation(Uids.CT_IMAGE_STORAGE, "1.2.3.4.5.6.7", Uids.EXPLICIT_VR_LE, "TEST");
        byte[] noise = new byte[4096];
        new java.util.Random(7).nextBytes(noise);
        Files.write(bad, meta);
        Files.write(bad, noise, java.nio.file.StandardOpenOption.APPEND);
        List<StoreOutcome> out = new StorageScu().send(new Destination("node", "ICHNODE", "127.0.0.1", scp.port()), "TEST", List.of(bad, good));
        assertFalse(out.get(0).isDelivered(), "noise is not stored: " + out.get(0));
        assertTrue(out.get(1).isDelivered(), "the next instance on the same association is: " + out.get(1));
        assertEquals(1, recorded.size());
        try (var left = Files.list(tmp.resolve("storage/spool/tmp"))) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void associationsOverTheLimitAreRejectedTransiently() throws Exception {
        start(tmp.resolve("storage"), "*", 1, collecting);
        // hold the only slot with a connection that never finishes its request
        try (Socket holder = new Socket(InetAddress.getLoopbackAddress(), scp.port())) {
            holder.getOutputStream().write(new byte[] {0x01, 0});
            holder.getOutputStream().flush();
            Thread.sleep(200);
            Tools.Result r = Tools.run(List.of("echoscu", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(scp.port())));
            assertNotEquals(0, r.exitCode());
            assertTrue(r.output().contains("Local Limit Exceeded"), r.output());
        }
    }

    /**
     * Slow peers: a connection trickling its A-ASSOCIATE-RQ a byte at a time held the only association slot, and
     * idle connections above the limit tied up the rejection thread. The ARTIM timer closes both; the next real
     * peer is served.
     */
    @Test
    void slowAndIdlePeersCannotHoldTheListener() throws Exception {
        DicomSpool spool = new DicomSpool(tmp.resolve("storage"), collecting, 0, ScpSettings.CT_STORAGE);
        scp = new StorageScp(new ScpSettings("ICHNODE", InetAddress.getLoopbackAddress(), 0, CallerAllowlist.parse("*"), 1, 262144,
                Duration.ofSeconds(60), ScpSettings.CT_STORAGE, ScpSettings.DEFAULT_TRANSFER_SYNTAXES).withArtimTimeout(Duration.ofSeconds(2)), spool);
        List<Socket> idle = new ArrayList<>();
        try (Socket slow = new Socket(InetAddress.getLoopbackAddress(), scp.port())) {
            Thread trickle = new Thread(() -> {
                try {
                    OutputStream o = slow.getOutputStream();
                    o.write(new byte[] {0x01, 0, 0, 0, 0, 0x44});
                    for (int i = 0; i < 30; i++) { o.write(0); o.flush(); Thread.sleep(500); }
                } catch (Exception e) {
                    // closed by the node: what the test wants
                }
            });
            trickle.start();
            Thread.sleep(300);
            for (int i = 0; i < 40; i++) idle.add(new Socket(InetAddress.getLoopbackAddress(), scp.port())); // above the limit, silent
            long t0 = System.nanoTime();
            Tools.Result r;
            do {
                Thread.sleep(500);
                r = Tools.run(List.of("echoscu", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(scp.port())));
            } while (r.exitCode() != 0 && System.nanoTime() - t0 < 15_000_000_000L);
            assertEquals(0, r.exitCode(), "served once the slow peer's ARTIM ran out: " + r.output());
            slow.setSoTimeout(5000);
            assertEquals(-1, slow.getInputStream().read(), "the slow peer was closed");
            trickle.join(20_000);
        } finally {
            for (Socket s : idle) s.close();
            spool.close();
        }
    }

    private static void assertAbortedOrClosed(Socket s) throws IOException {
        s.setSoTimeout(10000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        int first = in.read();
        assertTrue(first == -1 || first == Pdus.ABORT, "expected A-ABORT or close, got " + first);
    }

    private static AttributeList read(Path p) throws Exception {
        AttributeList l = new AttributeList();
        l.read(p.toFile());
        return l;
    }
}
