package org.ichnode.dicom.net;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import org.ichnode.dicom.spool.DicomSpool;
import org.ichnode.dicom.spool.InstanceIndex;
import org.ichnode.dicom.spool.StoredInstance;
import org.ichnode.dicom.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The spool with preallocated files, against real storescu, and its start-up recovery. */
class PreallocatedSpoolTest {
    @TempDir Path tmp;
    private StorageScp scp;
    private DicomSpool spool;

    /** What a database index does, in memory: the row per SOP Instance UID, moved only from the path it has. */
    private final Map<String, StoredInstance> rows = new ConcurrentHashMap<>();
    private final List<Path> copiesAtAck = new ArrayList<>();
    private final InstanceIndex index = new InstanceIndex() {
        @Override
        public void record(StoredInstance s) throws IOException {
            rows.put(s.header().sopInstanceUid(), s);
            if (s.file().startsWith(spool.preallocatedDir())) { // the file as it is when the C-STORE is answered
                Path copy = tmp.resolve("at-ack").resolve(s.header().sopInstanceUid() + ".dcm");
                Files.createDirectories(copy.getParent());
                Files.copy(s.file(), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                synchronized (copiesAtAck) { copiesAtAck.add(copy); }
            }
        }

        @Override
        public boolean moved(String uid, Path from, Path to) {
            StoredInstance s = rows.get(uid);
            if (s == null || !s.file().equals(from)) return false;
            rows.put(uid, new StoredInstance(s.header(), to, s.sizeBytes(), s.sha256(), s.callingAeTitle()));
            return true;
        }
    };

    private void start(Path storage, int preallocated) throws Exception {
        serve(new DicomSpool(storage, index, 0, ScpSettings.CT_STORAGE, preallocated, null));
    }

    /** Recovers the spool (nothing on record) and serves it. */
    private void serve(DicomSpool s) throws Exception {
        spool = s;
        spool.recover(Map.of());
        ScpSettings settings = new ScpSettings("ICHNODE", InetAddress.getLoopbackAddress(), 0,
                CallerAllowlist.parse("*"), 4, 262144, Duration.ofSeconds(5),
                ScpSettings.CT_STORAGE, ScpSettings.DEFAULT_TRANSFER_SYNTAXES);
        scp = new StorageScp(settings, spool);
    }

    /**
     * Sends the first file (it takes the ordinary path and tells the pool the size), then waits until the pool has
     * files ready (not merely on disk: a batch is handed out once all its files are written and synced).
     */
    private void primePool(List<Path> files, int atLeast) throws Exception {
        assertEquals(0, storescu(files.subList(0, 1)).exitCode());
        assertTrue(waitFor(() -> spool.preallocatedReady() >= atLeast, 30), "the pool fills in the background");
    }

    @AfterEach
    void stop() {
        if (scp != null) scp.close();
        if (spool != null) spool.close();
    }

    private Tools.Result storescu(List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("storescu", "-v", "-aet", "A", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(scp.port())));
        files.forEach(f -> cmd.add(f.toString()));
        return Tools.run(cmd);
    }

    @Test
    void instancesAreAcknowledgedFromPreallocatedFilesValidAsTheyStandAndEndInTheirOrdinaryPlace() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("ge-head-tilted"));
        start(tmp.resolve("storage"), 64);
        primePool(files, 16);
        Tools.Result r = storescu(files.subList(1, files.size()));
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(waitFor(spool::finalised, 30), "the finaliser catches up");

        assertFalse(copiesAtAck.isEmpty(), "instances were acknowledged from preallocated files");
        for (Path atAck : copiesAtAck) {
            // a valid Part 10 file as it stood when acknowledged: DCMTK and PixelMed read it, padding at the end
            Tools.Result dump = Tools.run(List.of("dcmdump", "-q", "+P", "fffc,fffc", atAck.toString()));
            assertEquals(0, dump.exitCode(), dump.output());
            assertTrue(dump.output().contains("DataSetTrailingPadding"), dump.output());
        }
        assertEquals(files.size(), rows.size());
        for (Path original : files) {
            AttributeList a = read(original);
            String uid = Attribute.getSingleStringValueOrNull(a, TagFromName.SOPInstanceUID);
            StoredInstance s = rows.get(uid);
            assertEquals(spool.pathFor(uid), s.file(), "in its ordinary place, and the record says so");
            assertEquals(Files.size(s.file()), s.sizeBytes(), "cut to the instance's length");
            assertEquals(DicomSpool.sha256Of(s.file()), s.sha256(), "the recorded checksum is the file's");
            assertArrayEquals(a.get(TagFromName.PixelData).getShortValues(), read(s.file()).get(TagFromName.PixelData).getShortValues());
            Path atAck = tmp.resolve("at-ack").resolve(uid + ".dcm");
            if (Files.exists(atAck)) {
                assertArrayEquals(a.get(TagFromName.PixelData).getShortValues(), read(atAck).get(TagFromName.PixelData).getShortValues());
            }
        }
    }

    /**
     * One 10 KB object between CT slices: it shrank every preallocated file to its size, after which every 512x512
     * slice failed in the spill (a write-only file cannot be copied from), 0 of 28 stored. Now the pool keeps its size
     * for one odd object and a spill works; nothing is left in the temporary folder.
     */
    @Test
    void oneSmallObjectDoesNotStopTheNextSeries() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("ge-head-tilted"));
        Path slots = tmp.resolve("storage/spool/slots");
        start(tmp.resolve("storage"), 16);
        primePool(files, 8);
        byte[] pixels = new byte[10_000];
        Path small = org.ichnode.dicom.spool.HostileObjects.ct("1.2.826.0.1.3680043.8.498.20")
                .nativeImage(50, 100, pixels).writePart10(tmp.resolve("small/small.dcm"), "1.2.826.0.1.3680043.8.498.20");
        assertEquals(0, storescu(List.of(small)).exitCode());
        Thread.sleep(1500); // time for the pool to act on the small size
        Tools.Result r = storescu(files.subList(1, files.size()));
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(waitFor(spool::finalised, 30));
        assertEquals(files.size() + 1, rows.size(), "every slice and the small object stored");
        try (Stream<Path> left = Files.list(tmp.resolve("storage/spool/tmp"))) {
            assertEquals(0, left.count(), "no temporary file left");
        }
        // a spill (an instance larger than its preallocated file) works too: a pool of small files, then CT slices
        spool.close();
        scp.close();
        rows.clear();
        start(tmp.resolve("storage2"), 16);
        assertEquals(0, storescu(List.of(small)).exitCode());
        assertTrue(waitFor(() -> count(tmp.resolve("storage2/spool/slots")) >= 8, 30), "a pool of small files");
        Tools.Result spilled = storescu(files.subList(0, 5));
        assertEquals(0, spilled.exitCode(), spilled.output());
        assertTrue(waitFor(spool::finalised, 30));
        assertEquals(6, rows.size());
        for (StoredInstance i : rows.values()) assertEquals(DicomSpool.sha256Of(i.file()), i.sha256());
        try (Stream<Path> left = Files.list(tmp.resolve("storage2/spool/tmp"))) {
            assertEquals(0, left.count(), "no temporary file left after the spills");
        }
    }

    /**
     * One 200 MB instance made the pool follow it: 8.4 GB of zero-filled files written in 30 s. The pool's files stay
     * at most {@code MAX_FILE_BYTES}; a larger instance takes the ordinary path.
     */
    @Test
    void oneHugeObjectDoesNotSteerThePool() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("ge-head-tilted"));
        Path slots = tmp.resolve("storage/spool/slots");
        start(tmp.resolve("storage"), 16);
        primePool(files, 8);
        Path huge = org.ichnode.dicom.spool.HostileObjects.ct("1.2.826.0.1.3680043.8.498.21")
                .nativeImage(4096, 5120, new byte[40 << 20]).writePart10(tmp.resolve("huge/huge.dcm"), "1.2.826.0.1.3680043.8.498.21");
        assertEquals(0, storescu(List.of(huge)).exitCode());
        Thread.sleep(1500); // time for the pool to act on the size
        long largest = 0, total = 0;
        try (Stream<Path> s = Files.list(slots)) {
            for (Path p : s.toList()) {
                largest = Math.max(largest, Files.size(p));
                total += Files.size(p);
            }
        }
        assertTrue(largest <= 8L << 20, "preallocated files stay at most 8 MB: " + largest);
        assertTrue(total <= 16L * (8L << 20), "the pool stays small: " + total);
        Tools.Result r = storescu(files.subList(1, files.size()));
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(waitFor(spool::finalised, 30));
        assertEquals(files.size() + 1, rows.size(), "every slice and the huge object stored");
    }

    @Test
    void resentInstanceFromPreallocatedFilesKeepsOneCopy() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("philips-head-phantom-5mm")).subList(0, 4);
        start(tmp.resolve("storage"), 16);
        primePool(files, 8);
        for (int round = 0; round < 2; round++) {
            Tools.Result r = storescu(files);
            assertEquals(0, r.exitCode(), r.output());
        }
        assertTrue(waitFor(spool::finalised, 30));
        assertEquals(4, rows.size());
        try (Stream<Path> stored = Files.walk(tmp.resolve("storage/spool/instances"))) {
            assertEquals(4, stored.filter(Files::isRegularFile).count(), "one file per SOP Instance UID");
        }
        for (StoredInstance s : rows.values()) assertEquals(DicomSpool.sha256Of(s.file()), s.sha256());
    }

    @Test
    void startUpMovesRecordedPreallocatedFilesFixesTheRecordAndRemovesTheRest() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("philips-head-phantom-5mm")).subList(0, 2);
        Path storage = tmp.resolve("storage");
        Path slots = Files.createDirectories(storage.resolve("spool/slots"));
        DicomSpool probe = new DicomSpool(storage, index, 0, ScpSettings.CT_STORAGE, 0, null);
        spool = probe;

        // acknowledged from a preallocated file, the node killed before the finaliser ran: padded, on record
        String uid0 = uid(files.get(0));
        byte[] bytes0 = Files.readAllBytes(files.get(0));
        Path recorded = slots.resolve("recorded.slot");
        byte[] padded = new byte[bytes0.length + 8192];
        System.arraycopy(bytes0, 0, padded, 0, bytes0.length);
        Files.write(recorded, padded);
        rows.put(uid0, stored(files.get(0), uid0, recorded, bytes0.length));
        // moved to its place, killed before the record heard of it: the record names a file that is gone
        String uid1 = uid(files.get(1));
        Path gone = slots.resolve("gone.slot");
        Files.createDirectories(probe.pathFor(uid1).getParent());
        Files.copy(files.get(1), probe.pathFor(uid1));
        rows.put(uid1, stored(files.get(1), uid1, gone, Files.size(files.get(1))));
        // free or unacknowledged: on record nowhere
        Path stray = slots.resolve("stray.slot");
        Files.write(stray, new byte[4096]);

        probe.recover(Map.of(recorded, new DicomSpool.RecordedFile(uid0, bytes0.length),
                gone, new DicomSpool.RecordedFile(uid1, Files.size(files.get(1)))));
        assertTrue(waitFor(probe::finalised, 30));
        assertEquals(probe.pathFor(uid0), rows.get(uid0).file());
        assertArrayEquals(bytes0, Files.readAllBytes(probe.pathFor(uid0)));
        assertEquals(probe.pathFor(uid1), rows.get(uid1).file());
        assertFalse(Files.exists(stray), "a preallocated file on record nowhere is removed");
    }

    @Test
    void startUpRecordsAWholeInstanceWhoseRowWasLostAndRemovesPartlyWrittenOnes() throws Exception {
        List<Path> files = Tools.files(Tools.realCt("philips-head-phantom-5mm")).subList(0, 4);
        start(tmp.resolve("first"), 16);
        primePool(files, 8);
        assertEquals(0, storescu(files.subList(1, 4)).exitCode());
        scp.close();
        spool.close();
        assertEquals(3, copiesAtAck.size(), "three instances acknowledged from preallocated files");

        // a second storage whose database lost the rows (the embedded database's last second on power loss)
        Path slots = Files.createDirectories(tmp.resolve("second/spool/slots"));
        Path whole = Files.copy(copiesAtAck.get(0), slots.resolve("whole.slot"));
        byte[] b = Files.readAllBytes(copiesAtAck.get(1));
        b[b.length / 2] ^= 1; // a block that did not reach the disk: the embedded checksum no longer matches
        Files.write(slots.resolve("torn.slot"), b);
        byte[] partial = Files.readAllBytes(copiesAtAck.get(2));
        java.util.Arrays.fill(partial, partial.length / 2, partial.length, (byte) 0); // written half-way, never acknowledged
        Files.write(slots.resolve("partial.slot"), partial);
        String uid = Attribute.getSingleStringValueOrNull(read(whole), TagFromName.SOPInstanceUID);
        rows.clear();
        spool = new DicomSpool(tmp.resolve("second"), index, 0, ScpSettings.CT_STORAGE, 0, null);
        spool.recover(Map.of());
        assertTrue(waitFor(spool::finalised, 30));
        assertEquals(java.util.Set.of(uid), rows.keySet(), "only the whole instance is recorded");
        assertEquals(spool.pathFor(uid), rows.get(uid).file(), "in its place");
        StoredInstance s = rows.get(uid);
        assertEquals(Files.size(s.file()), s.sizeBytes());
        assertEquals(DicomSpool.sha256Of(s.file()), s.sha256());
        Path original = files.stream().filter(f -> {
            try { return uid.equals(uid(f)); } catch (Exception e) { return false; }
        }).findFirst().orElseThrow();
        assertArrayEquals(read(original).get(TagFromName.PixelData).getShortValues(), read(s.file()).get(TagFromName.PixelData).getShortValues());
        assertFalse(Files.exists(slots.resolve("torn.slot")));
        assertFalse(Files.exists(slots.resolve("partial.slot")));
    }

    @Test
    void nodesSharingAStorageFolderKeepTheirPreallocatedAndTemporaryFilesApart() throws Exception {
        Path storage = tmp.resolve("shared");
        serve(new DicomSpool(storage, index, 0, ScpSettings.CT_STORAGE, 8, "node-a"));
        Path slotsA = storage.resolve("spool/slots/node-a");
        primePool(Tools.files(Tools.realCt("philips-head-phantom-5mm")), 8);
        Path partA = Files.write(storage.resolve("spool/tmp/node-a/in-flight.part"), new byte[16]);
        // node b starts on the same folder: its start-up clean-up must not touch node a's files
        try (DicomSpool b = new DicomSpool(storage, index, 0, ScpSettings.CT_STORAGE, 8, "node-b")) {
            b.recover(Map.of());
            assertEquals(8, count(slotsA), "node a's preallocated files are left alone");
            assertTrue(Files.exists(partA), "node a's temporary file is left alone");
            assertEquals(storage.resolve("spool/slots/node-b"), b.preallocatedDir());
        }
    }

    private StoredInstance stored(Path original, String uid, Path file, long size) throws Exception {
        return new StoredInstance(org.ichnode.dicom.spool.InstanceHeader.read(original), file, size, DicomSpool.sha256Of(original), "A");
    }

    private static String uid(Path f) throws Exception {
        return Attribute.getSingleStringValueOrNull(read(f), TagFromName.SOPInstanceUID);
    }

    private static long count(Path dir) {
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".slot")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition, int seconds) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) return true;
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }

    private static AttributeList read(Path f) throws Exception {
        AttributeList a = new AttributeList();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(f))) {
            a.read(new com.pixelmed.dicom.DicomInputStream(in));
        }
        return a;
    }
}
