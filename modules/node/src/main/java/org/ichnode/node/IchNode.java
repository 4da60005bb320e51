package org.ichnode.node;

import org.ichnode.node.config.Keys;
import org.ichnode.node.config.Peers;
import org.ichnode.node.pipeline.SeriesPipeline;
import org.ichnode.node.retrain.ActiveModel;
import org.ichnode.node.retrain.CandidateTrainer;
import org.ichnode.node.retrain.RetrainPolicy;
import org.ichnode.node.retrain.RetrainScheduler;
import org.ichnode.node.retrain.Retraining;
import org.ichnode.store.DatasetSnapshots;
import org.ichnode.store.ModelRegistry;
import org.ichnode.store.TrainingRuns;
import org.ichnode.node.ris.ReportStoreSink;
import org.ichnode.node.ris.StoredPullCursor;
import org.ichnode.ris.fhir.FhirReportPuller;
import org.ichnode.store.FhirCursorStore;
import org.ichnode.ris.hl7.MllpReportListener;
import org.ichnode.ris.label.ReportLabeller;
import org.ichnode.store.ReportStore;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.core.volume.EllipseHead;
import org.ichnode.core.volume.Volume;
import org.ichnode.dicom.results.ResultObjects;
import org.ichnode.node.config.Settings;
import org.ichnode.core.selection.SeriesDescriptor;
import org.ichnode.core.selection.SeriesSelectionRules;
import org.ichnode.dicom.net.CallerAllowlist;
import org.ichnode.dicom.net.ScpSettings;
import org.ichnode.dicom.net.StorageScp;
import org.ichnode.dicom.net.Tls;
import org.ichnode.dicom.spool.DicomSpool;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.dicom.spool.StoredInstance;
import org.ichnode.store.Database;
import org.ichnode.store.AlertQueue;
import org.ichnode.store.DeliveryQueue;
import org.ichnode.store.InstanceRecorder;
import org.ichnode.store.JobQueue;
import org.ichnode.store.SeriesCandidate;
import org.ichnode.store.SeriesCompletion;
import org.ichnode.store.StoreQueries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The running node: database, durable spool, storage SCP, series completion, workers and the HTTP status
 * port, wired from {@link Settings}. Start order makes every hand-off durable before the next step sees it.
 */
public final class IchNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IchNode.class);

    private final Settings settings;
    private final String nodeId;
    private Database db;
    private StorageScp scp;
    private DicomSpool spool;
    private volatile Workers workers;
    private Thread warmUp;
    private Segmenter segmenter;
    private volatile DeliveryWorkers deliveries;
    private volatile AlertWorkers alertWorkers;
    private NodeMetrics metrics;
    private java.util.regex.Pattern urgent;
    private AuditLog audit;
    private RetentionSweeper retention;
    private NodeHttpServer http;
    private MllpReportListener hl7;
    private FhirReportPuller fhir;
    private ScheduledExecutorService fhirTimer;
    private ScheduledExecutorService completionTimer;
    private final CandidateTrainer trainer;
    private ActiveModel activeModel;
    private RetrainScheduler retrainScheduler;

    /** A node that retrains with the {@link CandidateTrainer.Provider} on the class path (none: retraining runs fail visibly). */
    public IchNode(Settings settings) {
        this(settings, CandidateTrainer.Provider.find(settings));
    }

    /** @param trainer what retraining runs train with; null when this installation has no trainer */
    public IchNode(Settings settings, CandidateTrainer trainer) {
        this.settings = settings;
        this.trainer = trainer;
        String configured = settings.get(Keys.NODE_ID);
        this.nodeId = configured.isBlank() ? defaultNodeId() : configured;
    }

    public IchNode start() throws IOException {
        // read once; a configuration that cannot serve safely stops here, before anything listens
        HttpUsers httpUsers = settings.getInt(Keys.HTTP_PORT) > 0 ? HttpUsers.load(settings.getPath(Keys.HTTP_USERS_FILE)) : null;
        boolean httpAuth = httpAuthRequired(httpUsers == null || httpUsers.isEmpty());
        Path storage = settings.getPath(Keys.STORAGE_DIR).toAbsolutePath();
        Files.createDirectories(storage);
        audit = new AuditLog(storage, nodeId);
        db = Database.open(settings.get(Keys.DB_URL), settings.get(Keys.DB_USER), settings.get(Keys.DB_PASSWORD),
                settings.getInt(Keys.DB_POOL_SIZE));
        InstanceIndexer indexer = new InstanceIndexer(new InstanceRecorder(db));
        spool = new DicomSpool(storage, indexer, settings.getLong(Keys.STORAGE_MIN_FREE_MB) << 20,
                ScpSettings.CT_STORAGE, settings.getInt(Keys.STORAGE_PREALLOCATED_FILES), nodeId);
        reconcile(spool, indexer, new StoreQueries(db));

        JobQueue queue = new JobQueue(db);
        int released = queue.releaseLeasesOf(nodeId + "/");
        if (released > 0) log.info("{} job(s) interrupted by the previous run of {} queued again", released, nodeId);

        SeriesSelectionRules rules = selectionRules();
        String urgentPattern = settings.get(Keys.SELECTION_URGENT_PATTERN);
        urgent = urgentPattern.isBlank() ? null : java.util.regex.Pattern.compile(urgentPattern);
        SeriesCompletion completion = new SeriesCompletion(db, SeriesCompletion.DEFAULT_JOB_KIND, settings.getInt(Keys.WORKER_MAX_ATTEMPTS));
        Duration stable = Duration.ofSeconds(settings.getLong(Keys.SERIES_STABLE_SECONDS));
        completionTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "series-completion");
            t.setDaemon(true);
            return t;
        });
        completionTimer.scheduleWithFixedDelay(() -> completeSeries(completion, stable, rules), 250, 250, TimeUnit.MILLISECONDS);

        DeliveryQueue deliveryQueue = new DeliveryQueue(db);
        ModelRegistry registry = new ModelRegistry(db);
        activeModel = new ActiveModel(registry);
        activeModel.onChange((before, now) -> audit.record("model.in_service", "registry", Map.of(
                "before", before.map(ActiveModel.Active::version).orElse("configured model"),
                "now", now.map(ActiveModel.Active::version).orElse("configured model"))));
        activeModel.refresh();
        completionTimer.scheduleWithFixedDelay(activeModel::refresh, 30, 30, TimeUnit.SECONDS);
        ServingSegmenter serving = new ServingSegmenter(SegmenterChoice.open(settings), activeModel::current, settings.getInt(Keys.MODEL_THREADS));
        segmenter = serving;
        // a node without workers never segments: warming up would only take CPU from receiving
        if (settings.getInt(Keys.WORKER_THREADS) > 0) warmUp = warmUp(segmenter);
        SeriesPipeline pipeline = new SeriesPipeline(segmenter,
                new ResultObjects.Options(settings.getBoolean(Keys.RESULTS_OVERLAY), settings.getBoolean(Keys.RESULTS_ALL_FRAMES), nodeId));
        var peers = Peers.parse(settings.get(Keys.DICOM_PEERS));
        DeliveryTargets targets = new DeliveryTargets(peers, settings.get(Keys.DELIVERY_DESTINATIONS));
        if (targets.problem() != null) log.warn("results cannot be delivered: {}", targets.problem());
        AlertQueue alertQueue = new AlertQueue(db);
        metrics = new NodeMetrics(new StoreQueries(db), deliveryQueue, alertQueue, new TrainingRuns(db), activeModel, serving,
                () -> scp, () -> alertWorkers, storage);
        AlertPlanner alertPlanner = new AlertPlanner(settings);
        if (!alertPlanner.anyConfigured()) {
            log.warn("no alert channel configured (alert.hl7.destination, alert.webhook.url): positive calls reach people only through the PACS");
        }
        int releasedAlerts = alertQueue.releaseLeasesOf(nodeId + "/");
        if (releasedAlerts > 0) log.info("{} alert(s) interrupted by the previous run of {} resume now", releasedAlerts, nodeId);
        alertWorkers = new AlertWorkers(alertQueue, Duration.ofSeconds(settings.getLong(Keys.ALERT_BACKOFF_SECONDS)),
                Duration.ofSeconds(settings.getLong(Keys.ALERT_TIMEOUT_SECONDS)), settings.get(Keys.ALERT_WEBHOOK_SECRET), nodeId, audit, clientTlsContext());
        alertWorkers.start();
        workers = new Workers(queue, pipeline, deliveryQueue, targets, new StoreQueries(db), storage.resolve("results"),
                settings.getInt(Keys.DELIVERY_MAX_ATTEMPTS), Duration.ofSeconds(settings.getLong(Keys.WORKER_LEASE_SECONDS)),
                nodeId, settings.getInt(Keys.WORKER_THREADS), () -> { if (deliveries != null) deliveries.wakeUp(); },
                alertQueue, alertPlanner, () -> { if (alertWorkers != null) alertWorkers.wakeUp(); }, metrics::recordStep, audit);
        workers.start();

        int resumed = deliveryQueue.releaseLeasesOf(nodeId + "/");
        if (resumed > 0) log.info("{} delivery(ies) interrupted by the previous run of {} resume now", resumed, nodeId);
        deliveries = new DeliveryWorkers(deliveryQueue, settings.get(Keys.DICOM_AET),
                Duration.ofSeconds(settings.getLong(Keys.DELIVERY_BACKOFF_SECONDS)), nodeId, settings.getInt(Keys.DELIVERY_THREADS), audit,
                peers, clientTlsContext());
        deliveries.start();

        ReportStore reports = new ReportStore(db);
        // before the DICOM port opens: a node that answers C-ECHO has its retrain scheduler in the cluster
        startRetraining(reports, storage, registry);

        scp = new StorageScp(new ScpSettings(settings.get(Keys.DICOM_AET), InetAddress.getByName(settings.get(Keys.DICOM_BIND)),
                settings.getInt(Keys.DICOM_PORT), CallerAllowlist.parse(settings.get(Keys.DICOM_ALLOWED_CALLERS)),
                settings.getInt(Keys.DICOM_MAX_ASSOCIATIONS), settings.getInt(Keys.DICOM_MAX_PDU),
                Duration.ofSeconds(settings.getLong(Keys.DICOM_IDLE_TIMEOUT_SECONDS)),
                ScpSettings.CT_STORAGE, ScpSettings.DEFAULT_TRANSFER_SYNTAXES,
                Duration.ofSeconds(settings.getLong(Keys.DICOM_ARTIM_SECONDS))), spool,
                settings.getBoolean(Keys.DICOM_TLS) ? new Tls.Server(tlsContext(), settings.getBoolean(Keys.DICOM_TLS_CLIENT_AUTH)) : null);

        if (settings.getInt(Keys.HL7_PORT) > 0) {
            hl7 = new MllpReportListener(MllpReportListener.Settings.of(InetAddress.getByName(settings.get(Keys.HL7_BIND)),
                    settings.getInt(Keys.HL7_PORT)).withMaxMessageBytes(settings.getInt(Keys.HL7_MAX_MESSAGE_BYTES))
                    .withAllowedSenders(org.ichnode.ris.hl7.SenderAllowlist.parse(settings.get(Keys.HL7_ALLOWED_SENDERS)))
                    .withTls(settings.getBoolean(Keys.HL7_TLS) ? tlsContext() : null), new ReportStoreSink(reports, new ReportLabeller())).start();
        }
        if (!settings.get(Keys.FHIR_BASE_URL).isBlank()) startFhirPull(reports);
        RetentionSweeper sweeper = new RetentionSweeper(new org.ichnode.store.Retention(db), spool.instancesDir(), storage.resolve("results"),
                days(settings.getLong(Keys.RETENTION_IMAGE_DAYS)), days(settings.getLong(Keys.RETENTION_RESULT_DAYS)),
                settings.getLong(Keys.RETENTION_MIN_FREE_MB) << 20, () -> storage.toFile().getUsableSpace(), audit);
        retention = sweeper;
        long every = settings.getLong(Keys.RETENTION_INTERVAL_MINUTES);
        completionTimer.scheduleWithFixedDelay(() -> {
            try {
                sweeper.sweep(java.time.Instant.now());
            } catch (RuntimeException e) {
                log.error("retention pass failed, next in {} min: {}", every, e.toString());
            }
        }, 1, every, TimeUnit.MINUTES);
        // reports that came before their images are linked once the images are there
        completionTimer.scheduleWithFixedDelay(() -> linkPendingReports(reports), 5, 30, TimeUnit.SECONDS);

        if (settings.getInt(Keys.HTTP_PORT) > 0) {
            NodeHealth health = new NodeHealth(new StoreQueries(db), () -> scp, () -> workers == null ? null : workers.threads(),
                    () -> deliveries == null ? null : deliveries.threads(), () -> alertWorkers == null ? null : alertWorkers.threads(),
                    storage, settings.getLong(Keys.STORAGE_MIN_FREE_MB) << 20, serving, targets::problem);
            Dashboard dashboard = new Dashboard(new Dashboard.Parts(nodeId, new org.ichnode.store.Overview(db), deliveryQueue, alertQueue,
                    registry, new TrainingRuns(db), activeModel, reports, health::check, settings.get(Keys.HTTP_VIEWER_URL), audit));
            InetAddress httpBind = InetAddress.getByName(settings.get(Keys.HTTP_BIND));
            HttpAuth auth = new HttpAuth(httpAuth, httpUsers, settings.get(Keys.HTTP_API_TOKEN), audit);
            http = new NodeHttpServer(httpBind, settings.getInt(Keys.HTTP_PORT), settings.getBoolean(Keys.HTTP_TLS) ? tlsContext() : null,
                    new NodeHttpServer.Parts(nodeId, new StoreQueries(db), deliveryQueue, alertQueue, fhir, new TrainingRuns(db),
                            activeModel, retrainScheduler, health, metrics, dashboard, audit, auth));
        }
        log.info("ich-node {} ready: DICOM {}@{}:{}, storage {}, database {}", nodeId, settings.get(Keys.DICOM_AET),
                settings.get(Keys.DICOM_BIND), scp.port(), storage, db.isPostgres() ? "PostgreSQL" : "embedded H2");
        return this;
    }

    /**
     * Whether HTTP logins are on (http.auth, or auto: unless http.bind is loopback).
     * @throws org.ichnode.node.config.ConfigException when they are needed and there is no user and no token
     */
    private boolean httpAuthRequired(boolean noUsers) throws IOException {
        if (settings.getInt(Keys.HTTP_PORT) == 0) return false;
        InetAddress bind = InetAddress.getByName(settings.get(Keys.HTTP_BIND));
        String mode = settings.get(Keys.HTTP_AUTH);
        boolean required = mode.equals("on") || (mode.equals("auto") && !bind.isLoopbackAddress());
        if (required && noUsers && settings.get(Keys.HTTP_API_TOKEN).isEmpty()) {
            throw new org.ichnode.node.config.ConfigException(Keys.HTTP_AUTH, "logins are required (http.bind " + bind.getHostAddress()
                    + (mode.equals("on") ? ", http.auth=on" : " is not a loopback address") + ") but " + settings.get(Keys.HTTP_USERS_FILE)
                    + " holds no user and http.apiToken is empty: ./ichnode users add NAME --role operator");
        }
        return required;
    }

    public int dicomPort() { return scp.port(); }

    /** Runs one retention pass as of {@code now} (tests and operators; the node runs one every retention.intervalMinutes). */
    public int retentionPass(java.time.Instant now) { return retention.sweep(now); }

    /** The TLS contexts, each made once: the key store is read and its password checked once, not per listener. */
    private javax.net.ssl.SSLContext serverTls, clientTls;
    private boolean clientTlsMade;

    /** The node's TLS context from tls.keyStore (and tls.trustStore when client certificates are checked). */
    private javax.net.ssl.SSLContext tlsContext() throws IOException {
        if (serverTls == null) serverTls = makeTlsContext();
        return serverTls;
    }

    private javax.net.ssl.SSLContext makeTlsContext() throws IOException {
        String keyStore = settings.get(Keys.TLS_KEY_STORE);
        if (keyStore.isBlank()) throw new org.ichnode.node.config.ConfigException(Keys.TLS_KEY_STORE, "TLS is on but no key store is configured");
        String trust = settings.get(Keys.TLS_TRUST_STORE);
        if (settings.getBoolean(Keys.DICOM_TLS_CLIENT_AUTH) && trust.isBlank()) {
            throw new org.ichnode.node.config.ConfigException(Keys.TLS_TRUST_STORE, "dicom.tlsClientAuth needs a trust store");
        }
        return Tls.context(Path.of(keyStore), settings.get(Keys.TLS_KEY_STORE_PASSWORD).toCharArray(),
                trust.isBlank() ? null : Path.of(trust), settings.get(Keys.TLS_TRUST_STORE_PASSWORD).toCharArray());
    }

    /** For deliveries to peers marked /tls: our certificate when tls.keyStore is set, trust from tls.trustStore (else the JDK's CAs). */
    private javax.net.ssl.SSLContext clientTlsContext() throws IOException {
        if (!clientTlsMade) {
            clientTls = makeClientTlsContext();
            clientTlsMade = true;
        }
        return clientTls;
    }

    private javax.net.ssl.SSLContext makeClientTlsContext() throws IOException {
        String keyStore = settings.get(Keys.TLS_KEY_STORE), trust = settings.get(Keys.TLS_TRUST_STORE);
        if (keyStore.isBlank() && trust.isBlank()) return null;
        return Tls.context(keyStore.isBlank() ? null : Path.of(keyStore), settings.get(Keys.TLS_KEY_STORE_PASSWORD).toCharArray(),
                trust.isBlank() ? null : Path.of(trust), settings.get(Keys.TLS_TRUST_STORE_PASSWORD).toCharArray());
    }

    private static Duration days(long d) { return d == 0 ? null : Duration.ofDays(d); }

    public int httpPort() { return http == null ? -1 : http.port(); }

    /** The active model for serving (refreshed every 30 s and after a promotion on this node). */
    public ActiveModel activeModel() { return activeModel; }

    /**
     * Model registry and the clustered retrain scheduler. Runs this node left running when it stopped are marked
     * interrupted before the scheduler starts; Quartz then re-fires the job they belonged to (it requests recovery).
     */
    private void startRetraining(ReportStore reports, Path storage, ModelRegistry registry) throws IOException {
        if (!settings.getBoolean(Keys.RETRAIN_ENABLED)) {
            log.info("retraining is off on this node (retrain.enabled=false)");
            return;
        }
        TrainingRuns runs = new TrainingRuns(db);
        runs.interruptRunning(nodeId, "node " + nodeId + " stopped while the run was running");
        Retraining retraining = new Retraining(reports, new DatasetSnapshots(db), runs, registry, trainer, RetrainPolicy.of(settings),
                storage.resolve("models"), nodeId, activeModel, SegmenterChoice.configuredArtifact(settings));
        try {
            retrainScheduler = RetrainScheduler.start(db, nodeId, settings.get(Keys.RETRAIN_CRON), retraining);
        } catch (org.quartz.SchedulerException e) {
            throw new IOException("retrain scheduler: " + e.getMessage(), e);
        }
        if (trainer == null) log.warn("no CandidateTrainer in this build: retraining runs will fail until one is wired");
    }

    /**
     * The FHIR DiagnosticReport pull, every fhir.pollSeconds on a thread of its own (the first one a few seconds after
     * start). {@link FhirReportPuller#pullOnce()} is all a scheduler needs to call.
     */
    private void startFhirPull(ReportStore reports) {
        FhirReportPuller.Settings fs = new FhirReportPuller.Settings(URI.create(settings.get(Keys.FHIR_BASE_URL)),
                settings.get(Keys.FHIR_AUTHORIZATION), settings.get(Keys.FHIR_SEARCH_PARAMS), settings.getInt(Keys.FHIR_PAGE_SIZE),
                Duration.ofSeconds(settings.getLong(Keys.FHIR_TIMEOUT_SECONDS)));
        fhir = new FhirReportPuller(fs, new ReportStoreSink(reports, new ReportLabeller(), ReportStoreSink.Channel.FHIR),
                new StoredPullCursor(new FhirCursorStore(db), fs.sourceKey()));
        fhirTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fhir-pull");
            t.setDaemon(true);
            return t;
        });
        FhirReportPuller puller = fhir;
        fhirTimer.scheduleWithFixedDelay(() -> {
            try {
                puller.pullOnce(); // logs and counts its own failures
            } catch (RuntimeException e) {
                log.error("FHIR pull failed, next one in {} s: {}", settings.get(Keys.FHIR_POLL_SECONDS), e.toString());
            }
        }, 2, settings.getLong(Keys.FHIR_POLL_SECONDS), TimeUnit.SECONDS);
        log.info("FHIR DiagnosticReport pull from {} every {} s", fs, settings.get(Keys.FHIR_POLL_SECONDS));
    }

    /** The FHIR pull, or null when fhir.baseUrl is empty. */
    public FhirReportPuller fhirPuller() { return fhir; }

    /**
     * Runs the segmenter once on a small synthetic head in the background, so the JIT has compiled its loops
     * before the first real study arrives (the first study otherwise takes about twice as long).
     */
    private static Thread warmUp(Segmenter segmenter) {
        Thread t = new Thread(() -> {
            try {
                // full-size slices: the JIT compiles the loops as they run on real 512x512 images
                Volume head = EllipseHead.volume(512, 512, 12, 0.45, 5, 0, "2.25.1");
                for (int i = 0; i < 4; i++) segmenter.segment(head);
            } catch (RuntimeException e) {
                log.warn("segmenter warm-up failed (the first study will just be slower): {}", e.toString());
            }
        }, "segmenter-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** Waits until the segmenter warm-up is over (benchmarks measure the steady state, not the JIT). */
    public void awaitWarmUp() throws InterruptedException {
        if (warmUp != null) warmUp.join();
    }

    public Database database() { return db; }

    private static void linkPendingReports(ReportStore reports) {
        try {
            int linked = reports.linkPendingReports();
            if (linked > 0) log.info("{} report(s) linked to their study", linked);
        } catch (RuntimeException e) {
            log.error("linking reports failed, retrying: {}", e.toString());
        }
    }

    private void completeSeries(SeriesCompletion completion, Duration stable, SeriesSelectionRules rules) {
        try {
            var done = completion.completeStableSeries(stable, db.now(), c -> rules.ignoreReason(descriptor(c)), this::priority); // logs what it did
            for (var r : done) {
                audit.record("series.complete", "dicom", r.reason() == null ? Map.of("series", r.seriesUid(), "state", r.state().dbValue())
                        : Map.of("series", r.seriesUid(), "state", r.state().dbValue(), "reason", r.reason()));
            }
            if (done.stream().anyMatch(r -> r.jobId() != null) && workers != null) workers.wakeUp();
        } catch (RuntimeException e) {
            log.error("series completion failed, retrying: {}", e.toString());
        }
    }

    /** Urgent series (selection.urgentPattern in the series description) are processed first. */
    private int priority(SeriesCandidate c) {
        return urgent != null && c.seriesDescription() != null && urgent.matcher(c.seriesDescription()).find() ? 10 : 0;
    }

    private static SeriesDescriptor descriptor(SeriesCandidate c) {
        return SeriesDescriptor.of(c.modality(), c.bodyPart(), c.seriesDescription(), c.imageType(), c.sliceThickness(),
                c.imageOrientation(), c.instanceCount());
    }

    private SeriesSelectionRules selectionRules() {
        Set<String> modalities = Arrays.stream(settings.get(Keys.SELECTION_MODALITIES).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        return SeriesSelectionRules.defaults()
                .withModalities(modalities)
                .withHeadPattern(settings.get(Keys.SELECTION_HEAD_PATTERN))
                .withSliceCount(settings.getInt(Keys.SELECTION_MIN_SLICES), settings.getInt(Keys.SELECTION_MAX_SLICES))
                .withSliceThickness(settings.getDouble(Keys.SELECTION_MIN_THICKNESS_MM), settings.getDouble(Keys.SELECTION_MAX_THICKNESS_MM))
                .withMaxTiltFromAxialDeg(settings.getDouble(Keys.SELECTION_MAX_TILT_DEGREES));
    }

    /**
     * A crash between the atomic move into the spool and the database row leaves a file without a row: it was
     * not acknowledged, but it is a whole, synced instance, so it is recorded now rather than dropped.
     */
    private static void reconcile(DicomSpool spool, InstanceIndexer indexer, StoreQueries queries) throws IOException {
        Set<String> known = new HashSet<>(queries.allInstanceFiles());
        int recovered = 0;
        try (Stream<Path> files = Files.walk(spool.instancesDir())) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".dcm"))::iterator) {
                if (known.contains(f.toString())) continue;
                InstanceHeader h;
                try {
                    h = InstanceHeader.read(f);
                } catch (IOException e) {
                    spool.quarantine(f, "not a readable instance: " + e.getMessage()); // never parsed again at start-up
                    continue;
                }
                try {
                    indexer.record(new StoredInstance(h, f, Files.size(f), DicomSpool.sha256Of(f), null));
                    recovered++;
                } catch (IOException | RuntimeException e) {
                    log.warn("spool file {} could not be recorded and is left for the next start: {}", f.getFileName(), e.getMessage());
                }
            }
        }
        if (recovered > 0) log.info("recorded {} spool file(s) that had no database row", recovered);
        Map<Path, DicomSpool.RecordedFile> inPreallocated = new LinkedHashMap<>();
        for (StoreQueries.InstanceFile f : queries.instancesWithFilesUnder(spool.preallocatedDir() + java.io.File.separator)) {
            inPreallocated.put(Path.of(f.filePath()), new DicomSpool.RecordedFile(f.sopInstanceUid(), f.sizeBytes()));
        }
        try {
            spool.recover(inPreallocated);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("spool recovery at start-up failed: " + e.getMessage(), e);
        }
    }

    private static String defaultNodeId() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "node";
        }
    }

    @Override
    public void close() {
        log.info("ich-node {} stopping", nodeId);
        if (scp != null) scp.close();
        if (spool != null) spool.close();
        if (retrainScheduler != null) retrainScheduler.close();
        if (completionTimer != null) completionTimer.shutdownNow();
        if (fhirTimer != null) fhirTimer.shutdownNow();
        if (workers != null) workers.close();
        if (segmenter instanceof AutoCloseable c) {
            try { c.close(); } catch (Exception e) { log.warn("closing the segmenter: {}", e.toString()); }
        }
        if (deliveries != null) deliveries.close();
        if (alertWorkers != null) alertWorkers.close();
        if (http != null) http.close();
        if (hl7 != null) hl7.close();
        if (db != null) db.close();
        if (audit != null) audit.close();
    }

    /** Runs until the process is told to stop (SIGTERM/SIGINT), then shuts down in order. */
    public void awaitShutdown() {
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            close();
            main.interrupt();
        }, "shutdown"));
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            // the shutdown hook has closed the node
        }
    }
}
