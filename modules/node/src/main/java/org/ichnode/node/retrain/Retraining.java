package org.ichnode.node.retrain;

import org.ichnode.store.DatasetSnapshot;
import org.ichnode.store.DatasetSnapshots;
import org.ichnode.store.ModelRegistry;
import org.ichnode.store.ModelVersion;
import org.ichnode.store.ReportStore;
import org.ichnode.store.TrainingLabel;
import org.ichnode.store.TrainingRun;
import org.ichnode.store.TrainingRuns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One retraining run, start to end: mark runs left running as interrupted, freeze the dataset (all current usable
 * labels, positive and negative, of studies with a processed series), train a candidate into
 * {@code <models>/<version>.partial}, move it to {@code <models>/<version>}, register it, evaluate the active model,
 * apply the gate, then promote or refuse (one transaction each, with the reason). Any error ends the run as failed
 * and leaves the active model as it was. Runs one at a time in the cluster (Quartz: {@link RetrainJob}).
 */
public final class Retraining {
    private static final Logger log = LoggerFactory.getLogger(Retraining.class);
    static final String DICE = "dice";
    static final String SITE_AUC = "site.studyAuc";
    static final String SITE_STUDIES = "site.studies";
    private static final DateTimeFormatter VERSION_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final ReportStore reports;
    private final Path servingFallback;
    private final DatasetSnapshots snapshots;
    private final TrainingRuns runs;
    private final ModelRegistry registry;
    private final CandidateTrainer trainer;
    private final RetrainPolicy policy;
    private final Path modelsDir;
    private final String nodeId;
    private final ActiveModel activeModel;

    /** @param trainer null when this build has none: runs then fail with that reason */
    public Retraining(ReportStore reports, DatasetSnapshots snapshots, TrainingRuns runs, ModelRegistry registry,
                      CandidateTrainer trainer, RetrainPolicy policy, Path modelsDir, String nodeId, ActiveModel activeModel) {
        this(reports, snapshots, runs, registry, trainer, policy, modelsDir, nodeId, activeModel, null);
    }

    /**
     * @param servingFallback the model artifact that serves while the registry has no active model (the shipped
     *                        model, {@code model.dir}); the first candidate must not be worse than it. Null: the HU
     *                        baseline serves and the first candidate is judged against it (promoted without
     *                        comparison only when the trainer cannot evaluate the baseline).
     */
    public Retraining(ReportStore reports, DatasetSnapshots snapshots, TrainingRuns runs, ModelRegistry registry,
                      CandidateTrainer trainer, RetrainPolicy policy, Path modelsDir, String nodeId, ActiveModel activeModel,
                      Path servingFallback) {
        this.servingFallback = servingFallback;
        this.reports = reports;
        this.snapshots = snapshots;
        this.runs = runs;
        this.registry = registry;
        this.trainer = trainer;
        this.policy = policy;
        this.modelsDir = modelsDir.toAbsolutePath();
        this.nodeId = nodeId;
        this.activeModel = activeModel;
    }

    /** Runs one retraining; returns the run as it ended. */
    public TrainingRun run(String triggerName) {
        // Only one run executes at a time in the cluster, so a run still marked running belongs to a dead node.
        runs.interruptRunning(null, "found running when a new run started on " + nodeId + " (its node died or restarted)");
        deletePartialArtifacts();
        TrainingRun run = runs.start(nodeId, triggerName);
        long id = run.id();
        log.info("training run {} started on {} (trigger {})", id, nodeId, triggerName);
        Consumer<String> progress = text -> {
            log.info("training run {}: {}", id, text);
            try {
                runs.progress(id, text);
            } catch (RuntimeException e) {
                log.warn("training run {}: progress not stored: {}", id, e.toString());
            }
        };
        Path partial = null;
        try {
            if (trainer == null) return fail(id, "no trainer in this build (CandidateTrainer not wired into the node)");
            List<TrainingLabel> labels = reports.trainingLabels(Instant.EPOCH).stream()
                    .filter(l -> l.label().equals("positive") || l.label().equals("negative")) // uncertain never trains
                    .toList();
            DatasetSnapshot snapshot = snapshots.freeze(labels);
            runs.attachSnapshot(id, snapshot.id());
            progress.accept("dataset snapshot " + snapshot.id() + ": " + snapshot.studyCount() + " studies (" + snapshot.newStudies()
                    + " new since the previous snapshot), " + snapshot.entries().size() + " series");
            if (snapshot.studyCount() < policy.minStudies()) {
                return refuse(id, null, "dataset snapshot " + snapshot.id() + " has " + snapshot.studyCount()
                        + " labelled studies with a processed series; retrain.gate.minStudies is " + policy.minStudies());
            }
            Optional<ModelVersion> same = registry.trainedOn(snapshot.contentHash());
            if (same.isPresent()) {
                return refuse(id, null, "dataset unchanged: model version " + same.get().version()
                        + " was trained on the same data (content hash " + snapshot.contentHash().substring(0, 12) + ")");
            }

            String version = "m" + id + "-" + VERSION_TIME.format(run.startedAt());
            runs.attachCandidate(id, version);
            partial = modelsDir.resolve(version + ".partial");
            Files.createDirectories(partial);
            TrainingBudget budget = new TrainingBudget(policy.threads(), Instant.now().plus(policy.maxTime()));
            progress.accept("training candidate " + version + " (" + policy.threads() + " thread(s), until " + budget.deadline() + ")");
            CandidateTrainer.Candidate candidate = trainWithinBudget(snapshot, partial, budget, progress);
            if (!candidate.artifactDir().toAbsolutePath().normalize().equals(partial.normalize())) {
                return fail(id, "the trainer returned artifact folder " + candidate.artifactDir() + ", not the one it was given (" + partial + ")");
            }
            Double dice = candidate.metrics().get(DICE);
            if (dice == null || dice.isNaN()) return fail(id, "the trainer reported no dice for candidate " + version);

            Path artifact = modelsDir.resolve(version);
            Files.move(partial, artifact, StandardCopyOption.ATOMIC_MOVE);
            partial = null;
            syncDirectory(modelsDir);
            registry.registerCandidate(version, artifact, candidate.metrics(), snapshot.id(), id);

            Optional<ModelVersion> active = registry.active();
            // what the candidate must not fall below: the active model, else the artifact that serves meanwhile,
            // else the HU baseline (when the trainer can evaluate it)
            String against;
            java.util.Map<String, Double> other;
            if (active.isPresent()) {
                progress.accept("evaluating active model " + active.get().version() + " on the validation set");
                against = "active " + active.get().version();
                other = trainer.evaluate(active.get().artifactPath(), snapshot);
            } else if (servingFallback != null) {
                progress.accept("evaluating the serving model " + servingFallback + " on the validation set");
                against = "serving model " + servingFallback.getFileName();
                other = trainer.evaluate(servingFallback, snapshot);
            } else {
                against = "HU baseline";
                other = trainer.evaluateBaseline(snapshot);
                Double d = other.get(DICE);
                if (d == null || d.isNaN()) against = null; // a trainer that cannot say: nothing to compare with
            }
            String reason;
            boolean promote;
            if (against == null) {
                promote = true;
                reason = String.format(Locale.ROOT, "first model: no active model to compare with (dice %.4f)", dice);
            } else {
                Double otherDice = other.get(DICE);
                if (otherDice == null || otherDice.isNaN()) return fail(id, "the trainer reported no dice for " + against);
                Gate g = gate(candidate.metrics(), other, against, policy);
                promote = g.promote();
                reason = g.reason();
            }
            if (promote && policy.autoPromote()) {
                registry.promote(id, version, "promoted: " + reason);
                if (activeModel != null) activeModel.refresh();
                log.info("training run {} promoted {}: {}", id, version, reason);
            } else if (promote) {
                registry.approve(id, version, "approved by the gate, waiting for a person: " + reason);
            } else {
                registry.refuse(id, version, "refused: " + reason);
            }
            return runs.find(id).orElseThrow();
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            log.error("training run {} failed", id, e);
            return fail(id, e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            if (partial != null) deleteTree(partial);
        }
    }

    /** A gate decision and its reason in words. */
    record Gate(boolean promote, String reason) {}

    /**
     * The gate. Where both models were scored on held-out site studies of both labels, the site decides: study AUC gain
     * at least {@code minSiteAucGain}, with the phantom Dice as a sanity check (at most {@code maxPhantomDiceDrop}
     * lower). Otherwise the phantom validation Dice gain must be at least {@code minDiceGain}.
     */
    static Gate gate(java.util.Map<String, Double> candidate, java.util.Map<String, Double> other, String against, RetrainPolicy policy) {
        double dice = candidate.get(DICE), otherDice = other.get(DICE);
        Double auc = candidate.get(SITE_AUC), otherAuc = other.get(SITE_AUC);
        if (auc != null && otherAuc != null && Double.isFinite(auc) && Double.isFinite(otherAuc)) {
            double gain = auc - otherAuc, drop = otherDice - dice;
            boolean aucOk = gain >= policy.minSiteAucGain(), diceOk = !(drop > policy.maxPhantomDiceDrop());
            String site = String.format(Locale.ROOT, "%.0f held-out site studies: study AUC %.4f vs %s %.4f: gain %+.4f %s "
                            + "retrain.gate.minSiteAucGain %.4f; specificity %s vs %s, normals median %s vs %s mL",
                    candidate.getOrDefault(SITE_STUDIES, Double.NaN), auc, against, otherAuc, gain, aucOk ? ">=" : "<",
                    policy.minSiteAucGain(), fmt(candidate.get("site.specificity"), 3), fmt(other.get("site.specificity"), 3),
                    fmt(candidate.get("site.normalMedianMl"), 1), fmt(other.get("site.normalMedianMl"), 1));
            String sanity = String.format(Locale.ROOT, "phantom dice %.4f vs %.4f (sanity: %s retrain.gate.maxPhantomDiceDrop %.4f)",
                    dice, otherDice, diceOk ? "drop within" : "drop beyond", policy.maxPhantomDiceDrop());
            return new Gate(aucOk && diceOk, site + "; " + sanity);
        }
        double gain = dice - otherDice;
        boolean promote = gain >= policy.minDiceGain();
        return new Gate(promote, String.format(Locale.ROOT, "dice %.4f vs %s %.4f: gain %+.4f %s retrain.gate.minDiceGain %.4f"
                        + " (no held-out site studies of both labels: judged on the phantom validation set)",
                dice, against, otherDice, gain, promote ? ">=" : "<", policy.minDiceGain()));
    }

    private static String fmt(Double d, int decimals) {
        return d == null || d.isNaN() ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", d);
    }

    /** The trainer runs on its own thread, so the run can end at the deadline even if the trainer does not. */
    private CandidateTrainer.Candidate trainWithinBudget(DatasetSnapshot snapshot, Path dir, TrainingBudget budget,
                                                         Consumer<String> progress) throws Exception {
        ExecutorService exec = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "retrain-trainer");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        try {
            Future<CandidateTrainer.Candidate> f = exec.submit(() -> trainer.train(snapshot, dir, budget, progress));
            Duration grace = policy.maxTime().dividedBy(10);
            long waitMs = Math.max(0, Duration.between(Instant.now(), budget.deadline().plus(grace)).toMillis());
            try {
                return f.get(waitMs, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new TimeoutException("training did not end within " + policy.maxTime().toSeconds()
                        + " s (retrain.maxMinutes) plus " + grace.toSeconds() + " s grace; stopped");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception cause) throw cause;
                throw e;
            }
        } finally {
            exec.shutdownNow();
        }
    }

    private TrainingRun refuse(long id, String version, String reason) {
        registry.refuse(id, version, reason);
        return runs.find(id).orElseThrow();
    }

    private TrainingRun fail(long id, String reason) {
        try {
            if (!runs.fail(id, reason)) log.warn("training run {} had ended already; not marked failed ({})", id, reason);
            else log.warn("training run {} failed: {}", id, reason);
        } catch (RuntimeException e) {
            log.error("training run {}: cannot record the failure ({}): {}", id, reason, e.toString());
        }
        return runs.find(id).orElseThrow();
    }

    /** Folders of runs that never finished training: nothing refers to them. */
    private void deletePartialArtifacts() {
        if (!Files.isDirectory(modelsDir)) return;
        try (Stream<Path> l = Files.list(modelsDir)) {
            l.filter(p -> p.getFileName().toString().endsWith(".partial")).forEach(p -> {
                log.info("deleting {} left by an unfinished run", p.getFileName());
                deleteTree(p);
            });
        } catch (IOException e) {
            log.warn("cannot list {}: {}", modelsDir, e.toString());
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", dir, e.toString());
        }
    }

    /** The rename into place is durable before the registry names the folder. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
