package org.ichnode.app.cli;

import org.ichnode.core.net.FreePorts;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomExporter;
import org.ichnode.dicom.tools.SeriesCopier;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ./ichnode bench ingest}: the same 64-slice 512x512 phantom series is sent with DCMTK storescu
 * (TCP_NODELAY=1) to the node (a separate process on embedded defaults: durable spool and database rows) and to
 * DCMTK storescp (plain for one association, {@code --fork} for four at once); runs are interleaved and each
 * starts once the node's process is idle (its background spool work done) and after a {@code sync}, and each sends fresh copies (new UIDs) so the node never takes its duplicate path. Prints MB/s and instances/s per run and the medians; last line
 * {@code ingest_ratio_single=X ingest_ratio_parallel4=Y} (node / storescp).
 */
public final class BenchIngestCommand {

    private record Run(String target, int associations, long bytes, int instances, double seconds) {
        double mbPerSecond() { return bytes / 1e6 / seconds; }
        double instancesPerSecond() { return instances / seconds; }
    }

    private static final int WARM_UP_ROUNDS = 3;

    public int run(Args args) throws Exception {
        int runs = args.intOption("--runs", 3);
        int slices = args.intOption("--slices", 64);
        args.requireNoneLeft();
        Path work = Files.createTempDirectory("ichnode-bench-");
        try {
            System.out.println("bench ingest: generating a " + slices + "-slice 512x512 phantom series in " + work);
            Path source = work.resolve("source");
            PhantomExporter.export(source, 20261123L, 1, PhantomOptions.defaults().withSlices(slices, slices).withTilt(0, 0));
            List<Path> series = dicomFiles(source);
            int copiesNeeded = WARM_UP_ROUNDS * (1 + 4) + runs * (1 + 4) * 2; // node warm-up + (one + four associations) per run, per target
            System.out.println("bench ingest: " + series.size() + " instances, "
                    + (totalBytes(series) >> 20) + " MB per series; making " + copiesNeeded + " copies with fresh UIDs");
            List<List<Path>> copies = new ArrayList<>();
            for (int i = 0; i < copiesNeeded; i++) copies.add(SeriesCopier.copyWithNewUids(series, work.resolve("copy-" + i)));

            List<Run> results = new ArrayList<>();
            int next = 0;
            int nodePort = FreePorts.pick(), scpPort = FreePorts.pick(), forkPort = FreePorts.pick();
            Process node = startNode(work.resolve("node"), nodePort);
            Process scp = startStorescp(work.resolve("storescp"), scpPort, false);
            Process scpFork = startStorescp(work.resolve("storescp-fork"), forkPort, true);
            long nodePeakKb;
            try {
                awaitEcho(nodePort, "ICHNODE", node);
                awaitEcho(scpPort, "STORESCP", scp);
                awaitEcho(forkPort, "STORESCP", scpFork);
                // warm-up, not counted: until the JIT has compiled the receive path (spool, JDBC, H2) the
                // compiler threads take most of the two cores; a node in service is long past that
                System.out.println("bench ingest: warming up the node (" + WARM_UP_ROUNDS + " x one + four associations)");
                for (int w = 0; w < WARM_UP_ROUNDS; w++) {
                    send(nodePort, "ICHNODE", List.of(copies.get(next++)));
                    send(nodePort, "ICHNODE", copies.subList(next, next + 4));
                    next += 4;
                }
                // interleaved, each run after a sync so no run pays for the previous one's dirty pages
                for (int r = 0; r < runs; r++) {
                    System.out.println("bench ingest: run " + (r + 1) + " of " + runs);
                    long pid = node.pid();
                    results.add(timed("node", nodePort, "ICHNODE", List.of(copies.get(next++)), pid));
                    results.add(timed("storescp", scpPort, "STORESCP", List.of(copies.get(next++)), pid));
                    results.add(timed("node", nodePort, "ICHNODE", copies.subList(next, next + 4), pid));
                    next += 4;
                    results.add(timed("storescp", forkPort, "STORESCP", copies.subList(next, next + 4), pid));
                    next += 4;
                }
                nodePeakKb = peakRssKb(node.pid());
            } finally {
                for (Process p : List.of(node, scp, scpFork)) {
                    p.destroy();
                    p.waitFor(30, TimeUnit.SECONDS);
                }
            }
            for (Run r : results) {
                System.out.printf("run target=%s associations=%d instances=%d MB=%.1f seconds=%.3f MB/s=%.1f instances/s=%.1f%n",
                        r.target, r.associations, r.instances, r.bytes / 1e6, r.seconds, r.mbPerSecond(), r.instancesPerSecond());
            }
            double node1 = median(results, "node", 1), node4 = median(results, "node", 4);
            double scp1 = median(results, "storescp", 1), scp4 = median(results, "storescp", 4);
            System.out.printf("median MB/s: node single=%.1f parallel4=%.1f; storescp single=%.1f parallel4(--fork)=%.1f%n", node1, node4, scp1, scp4);
            System.out.printf("median instances/s: node single=%.1f parallel4=%.1f; storescp single=%.1f parallel4=%.1f%n",
                    medianInstances(results, "node", 1), medianInstances(results, "node", 4),
                    medianInstances(results, "storescp", 1), medianInstances(results, "storescp", 4));
            System.out.printf("node peak RSS: %d MB (VmHWM)%n", nodePeakKb / 1024);
            System.out.printf("ingest_ratio_single=%.2f ingest_ratio_parallel4=%.2f%n", node1 / scp1, node4 / scp4);
            return 0;
        } finally {
            deleteTree(work);
        }
    }

    /**
     * Waits until the node's process has been idle (under 20 ms of CPU in half a second, at most 60 s): its background
     * work after a run (refilling the preallocated spool files, moving instances to their place) must neither slow
     * down the next storescp run nor be left out of the node's next one.
     */
    private static void awaitIdle(long pid) throws Exception {
        long end = System.nanoTime() + 60_000_000_000L;
        long before = cpuTicks(pid);
        while (System.nanoTime() < end) {
            Thread.sleep(500);
            long now = cpuTicks(pid);
            if (now - before <= 2) return; // clock ticks of 10 ms
            before = now;
        }
        System.out.println("bench ingest: the node did not go idle within 60 s; timing anyway");
    }

    /** utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static Run timed(String target, int port, String aet, List<List<Path>> seriesPerAssociation, long nodePid) throws Exception {
        awaitIdle(nodePid);
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        long t0 = System.nanoTime();
        send(port, aet, seriesPerAssociation);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long bytes = 0;
        int n = 0;
        for (List<Path> s : seriesPerAssociation) {
            bytes += totalBytes(s);
            n += s.size();
        }
        return new Run(target, seriesPerAssociation.size(), bytes, n, seconds);
    }

    /** One storescu process (one association) per list, all at once; fails unless every instance succeeded. */
    private static void send(int port, String aet, List<List<Path>> seriesPerAssociation) throws Exception {
        List<Process> procs = new ArrayList<>();
        for (List<Path> s : seriesPerAssociation) {
            List<String> cmd = new ArrayList<>(List.of("storescu", "-v", "-aet", "BENCH", "-aec", aet, "127.0.0.1", String.valueOf(port)));
            s.forEach(p -> cmd.add(p.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("TCP_NODELAY", "1");
            procs.add(pb.start());
        }
        for (int i = 0; i < procs.size(); i++) {
            String out = new String(procs.get(i).getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            procs.get(i).waitFor();
            long ok = out.lines().filter(l -> l.contains("Received Store Response (Success)")).count();
            if (ok != seriesPerAssociation.get(i).size()) {
                throw new IllegalStateException("storescu stored " + ok + " of " + seriesPerAssociation.get(i).size() + ":\n" + out);
            }
        }
    }

    private static Process startNode(Path dir, int port) throws IOException {
        Files.createDirectories(dir);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"), "org.ichnode.app.Main", "serve",
                "--set", "storage.dir=" + dir.resolve("storage"),
                "--set", "db.url=jdbc:h2:file:" + dir.resolve("db/ichnode"),
                "--set", "dicom.port=" + port, "--set", "http.port=0", "--set", "hl7.port=0", "--set", "storage.minFreeMb=0",
                "--set", "worker.threads=0", "--set", "series.stableSeconds=3600");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile()).start();
    }

    private static Process startStorescp(Path dir, int port, boolean fork) throws IOException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of("storescp", "-aet", "STORESCP", "-od", dir.toString()));
        if (fork) cmd.add("--fork");
        cmd.add(String.valueOf(port));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("storescp.log").toFile());
        pb.environment().put("TCP_NODELAY", "1");
        return pb.start();
    }

    private static void awaitEcho(int port, String aet, Process server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) throw new IllegalStateException(aet + " exited with " + server.exitValue() + " before it answered");
            Process p = new ProcessBuilder("echoscu", "-aec", aet, "127.0.0.1", String.valueOf(port)).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() == 0) return;
            Thread.sleep(250);
        }
        throw new IllegalStateException(aet + " did not answer C-ECHO within 60 s");
    }

    /** VmHWM: the largest resident set the process had. */
    private static long peakRssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return -1;
    }

    private static double median(List<Run> runs, String target, int associations) {
        return medianOf(runs.stream().filter(r -> r.target.equals(target) && r.associations == associations).mapToDouble(Run::mbPerSecond).sorted().toArray());
    }

    private static double medianInstances(List<Run> runs, String target, int associations) {
        return medianOf(runs.stream().filter(r -> r.target.equals(target) && r.associations == associations).mapToDouble(Run::instancesPerSecond).sorted().toArray());
    }

    private static double medianOf(double[] sorted) {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
    }

    private static List<Path> dicomFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".dcm")).sorted().toList();
        }
    }

    private static long totalBytes(List<Path> files) throws IOException {
        long n = 0;
        for (Path p : files) n += Files.size(p);
        return n;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }
}
