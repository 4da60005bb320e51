package org.ichnode.app.cli;

import org.ichnode.app.config.Settings;
import org.ichnode.app.node.IchNode;
import org.ichnode.app.tools.LocalOrthanc;
import org.ichnode.core.phantom.Lesion;
import org.ichnode.core.phantom.PhantomGenerator;
import org.ichnode.core.phantom.PhantomOptions;
import org.ichnode.core.phantom.PhantomStudy;
import org.ichnode.dicom.net.CallerAllowlist;
import org.ichnode.dicom.net.ScpSettings;
import org.ichnode.dicom.net.StorageScp;
import org.ichnode.dicom.phantom.PhantomExporter;
import org.ichnode.dicom.spool.DicomSpool;
import org.ichnode.store.Job;
import org.ichnode.store.StoreQueries;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * {@code ./ichnode demo}: the whole loop on this machine. A phantom study with a known hemorrhage goes to a PACS
 * (Orthanc when installed, routing it to the node; otherwise straight to the node, with a small local receiver
 * standing in for the PACS), the node segments it and sends SEG + SR + overlay back; the demo prints what came
 * back, the volume found against the true volume, and where every file is.
 */
public final class DemoCommand {
    private static final Set<String> RESULT_CLASSES = Set.of("1.2.840.10008.5.1.4.1.1.66.4", "1.2.840.10008.5.1.4.1.1.88.33",
            "1.2.840.10008.5.1.4.1.1.7");

    public int run(Args args) throws Exception {
        Path dir = Path.of(args.option("--dir", "var/demo")).toAbsolutePath();
        long seed = Long.parseLong(args.option("--seed", "3"));
        args.requireNoneLeft();
        deleteTree(dir);
        Files.createDirectories(dir);

        PhantomOptions options = PhantomOptions.defaults().withSlices(32, 32).withTilt(0, 0);
        PhantomStudy study = null;
        // a study whose largest bleed is intraparenchymal: the kind the HU baseline can find (it misses most
        // subdural and epidural bleeds along the skull, see docs/segmentation.md)
        for (long s = seed; study == null || !largestIsIntraparenchymal(study); s++) study = new PhantomGenerator(options).generate(s, 1);
        Path studyDir = dir.resolve("phantom");
        PhantomExporter.writeStudy(study, studyDir);
        List<Path> ct;
        try (Stream<Path> f = Files.list(studyDir.resolve("dicom"))) {
            ct = f.sorted().toList();
        }
        double trueMl = study.lesions().stream().mapToDouble(Lesion::volumeMl).sum();
        System.out.printf(Locale.ROOT, "demo: phantom study %s, %d slices %dx%d, hemorrhage %s, true volume %.2f mL -> %s%n",
                study.studyId(), study.volume().slices(), study.volume().columns(), study.volume().rows(),
                study.lesions().stream().map(l -> l.type().name().toLowerCase(Locale.ROOT) + String.format(Locale.ROOT, " %.2f mL", l.volumeMl())).toList(),
                trueMl, studyDir);

        int nodePort = LocalOrthanc.freePort();
        boolean useOrthanc = LocalOrthanc.installed();
        LocalOrthanc orthanc = null;
        StorageScp receiver = null;
        ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
        try {
            String peers;
            if (useOrthanc) {
                orthanc = LocalOrthanc.start(dir.resolve("orthanc"), "ICHNODE", nodePort, 2);
                peers = "ORTHANC@127.0.0.1:" + orthanc.dicomPort();
                System.out.println("demo: PACS = Orthanc on 127.0.0.1:" + orthanc.dicomPort() + " (REST http://127.0.0.1:" + orthanc.httpPort()
                        + "), routing head CT to the node");
            } else {
                DicomSpool pacsSpool = new DicomSpool(dir.resolve("pacs"), i -> received.add(i.header().sopClassUid() + " " + i.file()), 0, RESULT_CLASSES);
                receiver = new StorageScp(new ScpSettings("ORTHANC", InetAddress.getLoopbackAddress(), 0, CallerAllowlist.any(), 4, 262144,
                        Duration.ofSeconds(30), RESULT_CLASSES, ScpSettings.DEFAULT_TRANSFER_SYNTAXES), pacsSpool);
                peers = "ORTHANC@127.0.0.1:" + receiver.port();
                System.out.println("demo: Orthanc not installed; a local receiver (AE ORTHANC) stands in for the PACS: " + dir.resolve("pacs"));
            }
            try (IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("storage.dir=" + dir.resolve("node/storage"),
                    "db.url=jdbc:h2:file:" + dir.resolve("node/db/ichnode"), "dicom.port=" + nodePort, "http.port=0", "hl7.port=0",
                    "storage.minFreeMb=0", "series.stableSeconds=3", "dicom.peers=" + peers))).start()) {
                Instant t0 = Instant.now();
                if (useOrthanc) {
                    if (orthanc.storescu(ct) != 0) throw new IllegalStateException("storescu into Orthanc failed");
                    System.out.println("demo: sent " + ct.size() + " slices to Orthanc; waiting for the node's results ...");
                } else {
                    List<String> cmd = new ArrayList<>(List.of("storescu", "-aet", "ORTHANC", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(nodePort)));
                    ct.forEach(p -> cmd.add(p.toString()));
                    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
                    pb.environment().put("TCP_NODELAY", "1");
                    Process p = pb.start();
                    p.getInputStream().readAllBytes();
                    if (p.waitFor() != 0) throw new IllegalStateException("storescu into the node failed");
                    System.out.println("demo: sent " + ct.size() + " slices to the node; waiting for its results ...");
                }
                StoreQueries q = new StoreQueries(node.database());
                String seriesUid = study.seriesInstanceUid();
                Job job = null;
                while (job == null || job.getResultJson() == null || pendingDeliveries(node) > 0) {
                    if (Instant.now().isAfter(t0.plusSeconds(300))) throw new IllegalStateException("no result after 300 s");
                    Thread.sleep(500);
                    var row = q.findSeries(seriesUid);
                    if (row.isPresent() && !q.jobsOfSeries(row.get().getId()).isEmpty()) job = q.jobsOfSeries(row.get().getId()).get(0);
                    if (job != null && job.getLastError() != null && job.getResultJson() == null) {
                        System.out.println("demo: job failed: " + job.getLastError());
                    }
                }
                System.out.printf(Locale.ROOT, "demo: results delivered %.1f s after sending%n", Duration.between(t0, Instant.now()).toMillis() / 1e3);
                report(dir, job, study, useOrthanc ? orthanc : null, received);
            }
        } finally {
            if (orthanc != null) orthanc.close();
            if (receiver != null) receiver.close();
        }
        return 0;
    }

    private static void report(Path dir, Job job, PhantomStudy study, LocalOrthanc orthanc, ConcurrentLinkedQueue<String> received)
            throws Exception {
        String json = job.getResultJson();
        Matcher total = Pattern.compile("\"totalVolumeMl\":([0-9.]+)").matcher(json);
        double foundMl = total.find() ? Double.parseDouble(total.group(1)) : 0;
        double trueMl = study.lesions().stream().mapToDouble(Lesion::volumeMl).sum();
        Path folder = dir.resolve("node/storage/results").resolve(study.seriesInstanceUid()).resolve("job-" + job.getId());
        byte[] mask;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(folder.resolve("mask.u8.gz")))) {
            mask = in.readAllBytes();
        }
        Matcher algorithm = Pattern.compile("\"algorithm\":\"([^\"]*)\",\"version\":\"([^\"]*)\"").matcher(json);
        String segmenter = algorithm.find() ? algorithm.group(1) + " " + algorithm.group(2) : "unknown";
        System.out.printf(Locale.ROOT, "demo: hemorrhage found %.2f mL (true %.2f mL), Dice against the true mask %.3f"
                + " (segmenter: %s)%n", foundMl, trueMl, dice(mask, sliceOrder(json), study), segmenter);
        if (orthanc != null) {
            System.out.println("demo: in Orthanc, study " + study.studyInstanceUid() + " now has series " + orthanc.seriesByModality(study.studyInstanceUid()).keySet());
        } else {
            System.out.println("demo: the stand-in PACS received " + received.size() + " object(s):");
            received.forEach(r -> System.out.println("  " + r));
        }
        System.out.println("demo: files");
        System.out.println("  phantom CT and truth:      " + dir.resolve("phantom"));
        System.out.println("  node spool and database:   " + dir.resolve("node"));
        System.out.println("  SEG, SR, overlay, mask:    " + folder);
    }

    private static boolean largestIsIntraparenchymal(PhantomStudy s) {
        return s.hemorrhage() && s.lesions().stream().max(java.util.Comparator.comparingDouble(Lesion::volumeMl))
                .map(l -> l.type() == org.ichnode.core.phantom.LesionType.INTRAPARENCHYMAL).orElse(false);
    }

    /** Dice of the node's mask against the phantom's true mask, slices matched by SOP Instance UID. */
    private static double dice(byte[] mask, List<String> nodeOrder, PhantomStudy study) {
        int plane = study.volume().voxelsPerSlice();
        List<String> truthOrder = study.volume().sourceInstanceUids();
        long inter = 0, a = 0, b = 0;
        for (int k = 0; k < nodeOrder.size(); k++) {
            int t = truthOrder.indexOf(nodeOrder.get(k));
            for (int p = 0; p < plane; p++) {
                boolean found = mask[k * plane + p] != 0;
                boolean truth = t >= 0 && study.mask()[t * plane + p] != 0;
                if (found) a++;
                if (truth) b++;
                if (found && truth) inter++;
            }
        }
        return a + b == 0 ? 1.0 : 2.0 * inter / (a + b);
    }

    private static List<String> sliceOrder(String json) {
        List<String> uids = new ArrayList<>();
        Matcher m = Pattern.compile("\\{\"sopInstanceUid\":\"([0-9.]+)\",\"frameNumber\"").matcher(json);
        while (m.find()) uids.add(m.group(1));
        return uids;
    }

    private static long pendingDeliveries(IchNode node) throws Exception {
        try (var c = node.database().dataSource().getConnection();
             var rs = c.createStatement().executeQuery("SELECT count(*) FROM delivery WHERE state = 'pending'")) {
            rs.next();
            long pending = rs.getLong(1);
            try (var rs2 = c.createStatement().executeQuery("SELECT count(*) FROM delivery")) {
                rs2.next();
                return rs2.getLong(1) == 0 ? 1 : pending; // nothing recorded yet counts as pending
            }
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        }
    }
}
