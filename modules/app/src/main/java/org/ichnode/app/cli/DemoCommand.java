package org.ichnode.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ichnode.core.net.FreePorts;
import org.ichnode.training.data.*;
import org.ichnode.node.config.Settings;
import org.ichnode.node.IchNode;
import org.ichnode.app.tools.LocalOrthanc;
import org.ichnode.testkit.phantom.Lesion;
import org.ichnode.testkit.phantom.PhantomGenerator;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomStudy;
import org.ichnode.dicom.net.CallerAllowlist;
import org.ichnode.dicom.net.ScpSettings;
import org.ichnode.dicom.net.StorageScp;
import org.ichnode.testkit.phantom.PhantomExporter;
import org.ichnode.dicom.spool.DicomSpool;
import org.ichnode.store.Job;
import org.ichnode.store.StoreQueries;
import org.ichnode.training.LabelledStudy;

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
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * {@code ./ichnode demo [--real SET [--patients N]]}: the whole loop on this machine. A phantom study with a known
 * hemorrhage (or with {@code --real} a real study with hemorrhage from a data set, e.g. ../shared/data/ct-ich) goes to a PACS
 * (Orthanc when installed, routing it to the node; otherwise straight to the node, with a small local receiver
 * standing in for the PACS), the node segments it and sends SEG + SR + overlay back; the demo prints what came
 * back, the volume found against the true volume, and where every file is.
 */
public final class DemoCommand {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> RESULT_CLASSES = Set.of("1.2.840.10008.5.1.4.1.1.66.4", "1.2.840.10008.5.1.4.1.1.88.33",
            "1.2.840.10008.5.1.4.1.1.7");

    /**
     * The study the demo sends and what is known of its truth.
     *
     * @param truthOrder   SOP Instance UIDs of the truth mask's slices
     * @param truthMask    the true mask in that order, or null
     * @param maskedSlices which truth slices were drawn on (null: all)
     * @param trueMl       true hemorrhage volume, NaN where the masks do not cover the study
     */
    private record DemoCase(String name, String studyInstanceUid, String seriesInstanceUid, List<Path> ct, List<String> truthOrder,
                            byte[] truthMask, boolean[] maskedSlices, double trueMl, Path folder) {}

    public int run(Args args) throws Exception {
        Path dir = Path.of(args.option("--dir", "var/demo")).toAbsolutePath();
        long seed = Long.parseLong(args.option("--seed", "3"));
        String real = args.option("--real", null);
        String patients = args.option("--patients", null);
        args.requireNoneLeft();
        deleteTree(dir);
        Files.createDirectories(dir);
        DemoCase study = real != null ? realCase(real, patients, dir) : phantomCase(seed, dir);
        List<Path> ct = study.ct();

        int nodePort = FreePorts.pick();
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
            int httpPort = dashboardPort();
            try (IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("storage.dir=" + dir.resolve("node/storage"),
                    "db.url=jdbc:h2:file:" + dir.resolve("node/db/ichnode"), "dicom.port=" + nodePort, "http.port=" + httpPort, "hl7.port=0",
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
                System.out.println("demo: dashboard http://127.0.0.1:" + httpPort + "/ (the study, its call and the overlay images; Models, Reports)");
                if (System.console() != null) { // someone is looking: keep the node up until they are done
                    System.out.println("demo: press Enter to stop the demo node");
                    System.console().readLine();
                }
            }
        } finally {
            if (orthanc != null) orthanc.close();
            if (receiver != null) receiver.close();
        }
        return 0;
    }

    /** 8787 (the node's default) when free, else any free port. */
    private static int dashboardPort() throws java.io.IOException {
        for (int port : new int[] {8787, 0}) {
            try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (java.net.BindException e) {
                // taken: try the next
            }
        }
        throw new IllegalStateException("no free port for the dashboard");
    }

    private static void report(Path dir, Job job, DemoCase study, LocalOrthanc orthanc, ConcurrentLinkedQueue<String> received)
            throws Exception {
        JsonNode json = JSON.readTree(job.getResultJson());
        JsonNode total = json.findValue("totalVolumeMl");
        double foundMl = total == null ? 0 : total.asDouble();
        double trueMl = study.trueMl();
        Path folder = dir.resolve("node/storage/results").resolve(study.seriesInstanceUid()).resolve("job-" + job.getId());
        byte[] mask;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(folder.resolve("mask.u8.gz")))) {
            mask = in.readAllBytes();
        }
        JsonNode algorithm = json.findParent("algorithm");
        String segmenter = algorithm == null ? "unknown" : algorithm.path("algorithm").asText() + " " + algorithm.path("version").asText();
        JsonNode call = json.findParent("studyProbability");
        if (call != null && call.has("hemorrhage")) {
            System.out.printf(Locale.ROOT, "demo: the node's call: %s (study probability %.3f)%n",
                    call.path("hemorrhage").asBoolean() ? "SUSPECTED HEMORRHAGE" : "no hemorrhage", call.path("studyProbability").asDouble());
        }
        String truth = Double.isFinite(trueMl) ? String.format(Locale.ROOT, "true %.2f mL", trueMl)
                : "true volume unknown: masks on " + masked(study) + " slices only";
        System.out.printf(Locale.ROOT, "demo: hemorrhage found %.2f mL (%s), Dice against the true mask%s %.3f"
                + " (segmenter: %s)%n", foundMl, truth, study.maskedSlices() == null ? "" : " on its masked slices",
                dice(mask, sliceOrder(json), study), segmenter);
        if (orthanc != null) {
            System.out.println("demo: in Orthanc, study " + study.studyInstanceUid() + " now has series " + orthanc.seriesByModality(study.studyInstanceUid()).keySet());
        } else {
            System.out.println("demo: the stand-in PACS received " + received.size() + " object(s):");
            received.forEach(r -> System.out.println("  " + r));
        }
        System.out.println("demo: files");
        System.out.println("  CT and truth:              " + study.folder());
        System.out.println("  node spool and database:   " + dir.resolve("node"));
        System.out.println("  SEG, SR, overlay, mask:    " + folder);
    }

    private static DemoCase phantomCase(long seed, Path dir) throws Exception {
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
        return new DemoCase(study.studyId(), study.studyInstanceUid(), study.seriesInstanceUid(), ct, study.volume().sourceInstanceUids(),
                study.mask(), null, trueMl, studyDir);
    }

    /**
     * A real study of a data set (CT-ICH as published, a NIfTI set, an imported folder): the named patient, else the
     * first with hemorrhage that has masks, imported as DICOM.
     */
    private static DemoCase realCase(String data, String patients, Path dir) throws Exception {
        DatasetOption set = new DatasetOption(data, 7, 0, 1_000_000, patients);
        LabelledStudy chosen = null;
        for (LabelledStudy s : set.stream(false).studies()) {
            if (patients != null || (s.positive() && s.trueMask() != null)) { chosen = s; break; }
        }
        if (chosen == null) throw new IllegalArgumentException(data + ": no study with hemorrhage and masks; name one with --patients");
        Path out = dir.resolve("real");
        ImportCommand.Written w = ImportCommand.writeStudy(chosen, data, out);
        double trueMl = chosen.fullyMasked() ? org.ichnode.training.Evaluation.volumeMl(chosen.volume(), chosen.trueMask()) : Double.NaN;
        int positiveSlices = 0;
        if (chosen.sliceLabels() != null) for (boolean b : chosen.sliceLabels()) if (b) positiveSlices++;
        System.out.printf(Locale.ROOT, "demo: real study %s from %s, %d slices %dx%d, %s (%d slices labelled hemorrhage) -> %s%n",
                chosen.id(), data, chosen.volume().slices(), chosen.volume().columns(), chosen.volume().rows(),
                chosen.positive() ? "hemorrhage" : "no hemorrhage", positiveSlices, out.resolve(w.id()));
        return new DemoCase(chosen.id(), w.studyInstanceUid(), w.seriesInstanceUid(), w.files(), w.volume().sourceInstanceUids(),
                chosen.trueMask(), chosen.maskedSlices(), trueMl, out.resolve(w.id()));
    }

    private static int masked(DemoCase c) {
        int n = 0;
        if (c.maskedSlices() != null) for (boolean b : c.maskedSlices()) if (b) n++;
        return n;
    }

    private static boolean largestIsIntraparenchymal(PhantomStudy s) {
        return s.hemorrhage() && s.lesions().stream().max(java.util.Comparator.comparingDouble(Lesion::volumeMl))
                .map(l -> l.type() == org.ichnode.testkit.phantom.LesionType.INTRAPARENCHYMAL).orElse(false);
    }

    /** Dice of the node's mask against the true mask, slices matched by SOP Instance UID, on the masked slices only. */
    private static double dice(byte[] mask, List<String> nodeOrder, DemoCase study) {
        if (study.truthMask() == null || nodeOrder.isEmpty()) return Double.NaN;
        int plane = mask.length / nodeOrder.size();
        List<String> truthOrder = study.truthOrder();
        long inter = 0, a = 0, b = 0;
        for (int k = 0; k < nodeOrder.size(); k++) {
            int t = truthOrder.indexOf(nodeOrder.get(k));
            if (t < 0 || (study.maskedSlices() != null && !study.maskedSlices()[t])) continue;
            for (int p = 0; p < plane; p++) {
                boolean found = mask[k * plane + p] != 0;
                boolean truth = study.truthMask()[t * plane + p] != 0;
                if (found) a++;
                if (truth) b++;
                if (found && truth) inter++;
            }
        }
        return a + b == 0 ? 1.0 : 2.0 * inter / (a + b);
    }

    private static List<String> sliceOrder(JsonNode json) {
        List<String> uids = new ArrayList<>();
        for (JsonNode frame : json.findParents("frameNumber")) uids.add(frame.path("sopInstanceUid").asText());
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
