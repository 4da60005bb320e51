package org.ichnode.app.fuzz;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.node.IchNode;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.dicom.net.Destination;
import org.ichnode.dicom.net.StorageScu;
import org.ichnode.dicom.net.StoreOutcome;
import org.ichnode.testkit.phantom.PhantomExporter;
import org.ichnode.dicom.spool.InstanceHeader;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A fuzzing campaign against a node started here (embedded defaults in a folder of its own, workers off: the target is
 * what receives). Cases run in batches; beside them two slow senders trickle a byte every 300 ms. After every batch the
 * node must still answer C-ECHO, store a real series (every instance acknowledged and recorded) or acknowledge a valid
 * report with AA, and keep its threads, heap and file descriptors bounded. Every log event with a stack trace and every uncaught exception is counted:
 * a peer's bad input deserves one line with the reason, not a trace.
 */
public final class FuzzCampaign {
    public enum Protocol { DICOM, HL7 }

    /** Above the first health check's figures; a node that grows past them per batch is leaking. */
    static final int THREAD_MARGIN = 48;
    static final long HEAP_MARGIN_MB = 384;
    static final int FD_MARGIN = 96;
    static final int HL7_MAX_MESSAGE_BYTES = 1 << 20;
    /** Shorter than the default 20 s so that slow senders are cut within a short campaign. */
    static final int ARTIM_SECONDS = 4;

    /** @param slowSenders outcomes of the slow senders beside the cases: cut by the node, or trickled whole or for 30 s */
    public record Result(Protocol protocol, long seed, FuzzTally tally, FuzzTally slowSenders, int healthChecks, List<String> healthFailures,
                         int threadsBaseline, int threadsMax, long heapBaselineMb, long heapMaxMb, long fdsBaseline, long fdsMax,
                         List<String> stackTraces, long leftoverPartFiles, double seconds) {
        public boolean bounded() {
            return threadsMax <= threadsBaseline + THREAD_MARGIN && heapMaxMb <= heapBaselineMb + HEAP_MARGIN_MB && fdsMax <= fdsBaseline + FD_MARGIN;
        }

        public boolean passed() {
            return tally.total("hung") == 0 && tally.total("false_success") == 0 && tally.total("connect_failed") == 0
                    && healthFailures.isEmpty() && stackTraces.isEmpty() && leftoverPartFiles == 0 && bounded();
        }

        public String lastLine() {
            return String.format("fuzz protocol=%s cases=%d seed=%d hung=%d false_success=%d connect_failed=%d health_checks=%d health_failures=%d "
                            + "stack_traces=%d threads_baseline=%d threads_max=%d heap_baseline_mb=%d heap_max_mb=%d fds_baseline=%d fds_max=%d "
                            + "leftover_part_files=%d slow_senders=%d slow_cut_by_node=%d seconds=%.0f",
                    protocol.name().toLowerCase(), tally.cases(), seed, tally.total("hung"), tally.total("false_success"), tally.total("connect_failed"),
                    healthChecks, healthFailures.size(), stackTraces.size(), threadsBaseline, threadsMax, heapBaselineMb, heapMaxMb,
                    fdsBaseline, fdsMax, leftoverPartFiles, slowSenders.cases(), slowSenders.total("cut_by_node"), seconds);
        }
    }

    private FuzzCampaign() {}

    public static Result run(Protocol protocol, int cases, long seed, int batch, Path work, PrintStream progress) throws Exception {
        long t0 = System.nanoTime();
        Files.createDirectories(work);
        int dicomPort = FreePorts.pick(), hl7Port = FreePorts.pick();
        Path storage = work.resolve("node/storage");
        Settings settings = Settings.load(null, Map.of(), List.of("storage.dir=" + storage,
                "db.url=jdbc:h2:file:" + work.resolve("node/db/ichnode"), "dicom.port=" + dicomPort, "http.port=0",
                "hl7.port=" + (protocol == Protocol.HL7 ? hl7Port : 0), "hl7.maxMessageBytes=" + HL7_MAX_MESSAGE_BYTES,
                "storage.minFreeMb=0", "worker.threads=0", "retrain.enabled=false", "model.dir=baseline", "dicom.artimSeconds=" + ARTIM_SECONDS));
        StackTraceCounter traces = new StackTraceCounter();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        traces.setContext(root.getLoggerContext());
        traces.start();
        root.addAppender(traces);
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> traces.seen.add("uncaught in thread " + t.getName() + ": " + e));
        FuzzTally tally = new FuzzTally(), slowTally = new FuzzTally();
        List<String> failures = new ArrayList<>();
        int checks = 0;
        int[] threads = {Integer.MAX_VALUE, 0};
        long[] heap = {Long.MAX_VALUE, 0}, fds = {Long.MAX_VALUE, 0};
        long leftover;
        try (IchNode node = new IchNode(settings).start()) {
            List<Path> check = checkSeries(work, 0);
            DicomFuzzer dicom = new DicomFuzzer("127.0.0.1", dicomPort, "ICHNODE", Files.readAllBytes(check.get(0)), 30_000);
            Hl7Fuzzer hl7 = new Hl7Fuzzer("127.0.0.1", hl7Port, HL7_MAX_MESSAGE_BYTES, 30_000);
            String first = health(protocol, node, dicomPort, hl7Port, check, 0);
            if (first != null) throw new IllegalStateException("the node is not healthy before fuzzing: " + first);
            sample(threads, heap, fds, true);
            SlowSenders slow = new SlowSenders(protocol, dicomPort, hl7Port, slowTally);
            slow.start();
            Random random = new Random(seed);
            int done = 0;
            try {
                while (done < cases) {
                    int n = Math.min(batch, cases - done);
                    for (int i = 0; i < n; i++, done++) {
                        if (protocol == Protocol.DICOM) dicom.runOne(random, tally);
                        else hl7.runOne(random, tally, done);
                    }
                    checks++;
                    String problem = health(protocol, node, dicomPort, hl7Port, checkSeries(work, checks), checks);
                    if (problem != null) failures.add("after " + done + " cases: " + problem);
                    sample(threads, heap, fds, false);
                    progress.printf("fuzz %s: %d/%d cases, hung=%d false_success=%d, health %s, threads %d, heap %d MB, fds %d, stack traces %d%n",
                            protocol.name().toLowerCase(), done, cases, tally.total("hung"), tally.total("false_success"),
                            problem == null ? "ok" : "FAILED (" + problem + ")", threads[1], heap[1], fds[1], traces.seen.size());
                }
            } finally {
                slow.stop();
            }
            Thread.sleep(500); // the node finishes closing what the last cases opened
            leftover = countPartFiles(storage);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
            root.detachAppender(traces);
            traces.stop();
        }
        return new Result(protocol, seed, tally, slowTally, checks, failures, threads[0], threads[1], heap[0], heap[1], fds[0], fds[1],
                List.copyOf(traces.seen), leftover, (System.nanoTime() - t0) / 1e9);
    }

    /** Null when healthy, else what failed. */
    private static String health(Protocol protocol, IchNode node, int dicomPort, int hl7Port, List<Path> series, int n) {
        try {
            if (!echo(dicomPort)) return "no C-ECHO answer";
            if (protocol == Protocol.HL7) {
                String ack = sendReport(hl7Port, Hl7Fuzzer.report("CHECK" + n, "CHECKACC" + n));
                return ack.contains("MSA|AA") ? null : "a valid report was not acknowledged with AA: " + ack.replace('\r', ' ');
            }
            List<StoreOutcome> outcomes = new StorageScu(Duration.ofSeconds(10), Duration.ofSeconds(60))
                    .send(new Destination("node", "ICHNODE", "127.0.0.1", dicomPort), "FUZZCHECK", series);
            long delivered = outcomes.stream().filter(StoreOutcome::isDelivered).count();
            if (delivered != series.size()) return "a real series: " + delivered + " of " + series.size() + " acknowledged " + outcomes;
            int recorded = 0;
            try (Connection c = node.database().dataSource().getConnection();
                 PreparedStatement st = c.prepareStatement("SELECT COUNT(*) FROM instance WHERE sop_instance_uid = ?")) {
                for (Path f : series) {
                    st.setString(1, InstanceHeader.read(f).sopInstanceUid());
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        recorded += rs.getInt(1) > 0 ? 1 : 0;
                    }
                }
            }
            return recorded == series.size() ? null : "a real series: " + recorded + " of " + series.size() + " recorded";
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static boolean echo(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            OutputStream out = s.getOutputStream();
            out.write(RawDicom.associateRq("ICHNODE", "FUZZCHECK", RawDicom.EXPLICIT_VR_LE));
            out.write(RawDicom.pData(3, true, true, RawDicom.command(0x0030, RawDicom.VERIFICATION, null, 1, false)));
            out.write(RawDicom.releaseRq());
            out.flush();
            RawDicom.Answer a = RawDicom.read(s, 30_000);
            return a.accepted() && a.statuses().equals(List.of(0)) && a.releaseResponse();
        }
    }

    private static String sendReport(int port, String report) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(Hl7Fuzzer.frame(report.getBytes(StandardCharsets.UTF_8)));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            StringBuilder ack = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != 0x1c) if (b != 0x0b) ack.append((char) b);
            return ack.toString();
        }
    }

    /** A small real series with UIDs of its own for each health check (the node must record every instance). */
    private static List<Path> checkSeries(Path work, int n) throws IOException {
        PhantomExporter.ExportedStudy s = PhantomExporter.export(work.resolve("check-" + n), 9100 + n, 1,
                PhantomOptions.defaults().withMatrix(128, 128).withPixelSpacing(1.8, 2.0).withSlices(4, 4).withTilt(0, 0)).get(0);
        try (Stream<Path> f = Files.list(s.directory().resolve("dicom"))) {
            return f.sorted().toList();
        }
    }

    private static void sample(int[] threads, long[] heap, long[] fds, boolean baseline) {
        System.gc();
        int t = ManagementFactory.getThreadMXBean().getThreadCount();
        long h = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20;
        long f = openFileDescriptors();
        if (baseline) {
            threads[0] = t;
            heap[0] = h;
            fds[0] = f;
        }
        threads[1] = Math.max(threads[1], t);
        heap[1] = Math.max(heap[1], h);
        fds[1] = Math.max(fds[1], f);
    }

    private static long openFileDescriptors() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static long countPartFiles(Path storage) throws IOException {
        try (Stream<Path> s = Files.walk(storage)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".part")).count();
        }
    }

    /** Log events that carry a stack trace, with their message (the first 20). */
    private static final class StackTraceCounter extends AppenderBase<ILoggingEvent> {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        protected void append(ILoggingEvent e) {
            if (e.getThrowableProxy() != null && seen.size() < 20)
                seen.add(e.getLoggerName() + ": " + e.getFormattedMessage() + " (" + e.getThrowableProxy().getClassName() + ")");
        }
    }

    /**
     * Two connections at a time that send a valid association request or report one byte every 300 ms, each until the
     * node closes it or 30 s pass; the batches and the health checks run beside them. The node cuts a slow association
     * request by its ARTIM timer; a slow HL7 sender holds one of the listener's connections until a new sender needs it.
     */
    private static final class SlowSenders {
        private final Protocol protocol;
        private final int dicomPort, hl7Port;
        private final FuzzTally tally;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicInteger n = new AtomicInteger();

        SlowSenders(Protocol protocol, int dicomPort, int hl7Port, FuzzTally tally) {
            this.protocol = protocol;
            this.dicomPort = dicomPort;
            this.hl7Port = hl7Port;
            this.tally = tally;
        }

        void start() {
            for (int i = 0; i < 2; i++) {
                Thread t = new Thread(this::loop, "fuzz-slow-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) t.join(35_000);
        }

        private void loop() {
            while (!stop.get()) {
                byte[] payload = protocol == Protocol.DICOM ? RawDicom.associateRq("ICHNODE", "SLOW", RawDicom.EXPLICIT_VR_LE)
                        : Hl7Fuzzer.frame(Hl7Fuzzer.report("SLOW" + n.incrementAndGet(), "SLOWACC").getBytes(StandardCharsets.UTF_8));
                long started = System.nanoTime();
                String outcome = "not_cut_in_30s";
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", protocol == Protocol.DICOM ? dicomPort : hl7Port), 5000);
                    s.setSoLinger(true, 0);
                    OutputStream out = s.getOutputStream();
                    // DICOM trickles are seen to their end (the ARTIM timer cuts them within seconds); HL7 ones are dropped at stop
                    boolean finish = protocol == Protocol.DICOM;
                    for (int i = 0; i < payload.length && (finish || !stop.get()); i++) {
                        if (System.nanoTime() - started > 30_000_000_000L) break;
                        out.write(payload[i]);
                        out.flush();
                        Thread.sleep(300);
                    }
                    if (stop.get() && !finish) continue;
                    if (System.nanoTime() - started <= 30_000_000_000L) outcome = "sent_whole"; // trickled to the end without being cut
                } catch (IOException e) {
                    outcome = "cut_by_node";
                } catch (InterruptedException e) {
                    return;
                }
                tally.count("slow", outcome);
            }
        }
    }
}
