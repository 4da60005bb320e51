package org.ichnode.app.retrain;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ichnode.training.data.*;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.ichnode.node.config.Keys;
import org.ichnode.node.config.Settings;
import org.ichnode.node.retrain.CandidateTrainer;
import org.ichnode.node.retrain.TrainingBudget;
import org.ichnode.core.segmentation.HuThresholdSegmenter;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.core.volume.AssemblyResult;
import org.ichnode.dicom.read.SeriesVolumeLoader;
import org.ichnode.training.Evaluation;
import org.ichnode.training.LabelledStudy;
import org.ichnode.model.ModelSegmenter;
import org.ichnode.training.PatientSplit;
import org.ichnode.training.RealEvaluation;
import org.ichnode.model.TorchThreads;
import org.ichnode.training.OperatingPoint;
import org.ichnode.training.WeakSupervision;
import org.ichnode.store.DatasetSnapshot;

/**
 * The retraining's trainer: the weak learning loop ({@link WeakSupervision}) on the frozen snapshot with study labels
 * only (what reports give), then evaluation on the fixed validation set ({@code retrain.validationData}: studies with
 * true masks, by default generated phantom studies of a fixed seed, the same for every run and every model so the
 * gate compares like with like: a sanity check) and, once the snapshot has {@code retrain.gate.minSiteStudies} of each
 * label, on the site's own report-labelled studies held out of training ({@code retrain.gate.siteFraction} of each
 * label): study AUC, sensitivity and specificity at the model's operating point, volume found on report-negative
 * studies. No masks are needed for those; they are what the gate judges on.
 *
 * <p>Limits: the training runs on one Java thread, with PyTorch limited to {@code retrain.threads} for its duration
 * ({@link TorchThreads}: the setting is process-wide, so inference on this node runs with the same limit meanwhile);
 * it checks its deadline at every step boundary it reports.
 */
public final class WeakCandidateTrainer implements CandidateTrainer {
    /** Seed of the site hold-out: fixed, so that the held-out studies depend on the snapshot only. */
    static final long SITE_SEED = 20261206L;
    private final int inputSize;
    private final int classifierSteps;
    private final int unetSteps;
    private final DatasetOption validation;
    private final double siteFraction;
    private final int minSiteStudies;

    public WeakCandidateTrainer(Settings settings) {
        this(settings.getInt(Keys.RETRAIN_INPUT_SIZE), settings.getInt(Keys.RETRAIN_CLASSIFIER_STEPS), settings.getInt(Keys.RETRAIN_UNET_STEPS),
                new DatasetOption(settings.get(Keys.RETRAIN_VALIDATION_DATA), 9001, 0, settings.getInt(Keys.RETRAIN_VALIDATION_STUDIES), null),
                settings.getDouble(Keys.RETRAIN_GATE_SITE_FRACTION), settings.getInt(Keys.RETRAIN_GATE_MIN_SITE_STUDIES));
    }

    public WeakCandidateTrainer(int inputSize, int classifierSteps, int unetSteps, DatasetOption validation) {
        this(inputSize, classifierSteps, unetSteps, validation, 0.2, 10);
    }

    /**
     * @param siteFraction   share of the snapshot's studies of each label held out of training, to judge models on
     * @param minSiteStudies fewest studies of each label in a snapshot before any are held out
     */
    public WeakCandidateTrainer(int inputSize, int classifierSteps, int unetSteps, DatasetOption validation, double siteFraction,
                                int minSiteStudies) {
        if (!(siteFraction >= 0 && siteFraction < 1)) throw new IllegalArgumentException("site fraction must be in [0, 1)");
        this.inputSize = inputSize;
        this.classifierSteps = classifierSteps;
        this.unetSteps = unetSteps;
        this.validation = validation;
        this.siteFraction = siteFraction;
        this.minSiteStudies = minSiteStudies;
    }

    @Override
    public Candidate train(DatasetSnapshot snapshot, Path artifactDir, TrainingBudget budget, Consumer<String> progress) throws Exception {
        Consumer<String> report = m -> {
            if (Instant.now().isAfter(budget.deadline())) throw new IllegalStateException("training time limit reached during: " + m);
            if (Thread.currentThread().isInterrupted()) throw new IllegalStateException("training interrupted during: " + m);
            progress.accept(m);
        };
        try (TorchThreads limit = TorchThreads.limit(budget.threads())) {
            return trainWithin(snapshot, artifactDir, report);
        }
    }

    private Candidate trainWithin(DatasetSnapshot snapshot, Path artifactDir, Consumer<String> report) throws Exception {
        PatientSplit site = split(load(snapshot, e -> true, report), siteStudies(snapshot));
        List<LabelledStudy> studies = site.train();
        if (!site.held().isEmpty()) {
            report.accept("holding out " + site.held().size() + " site studies (" + site.held().stream().filter(LabelledStudy::positive).count()
                    + " report-positive) to judge the candidate on; training on " + studies.size());
        }
        WeakSupervision.Plan plan = WeakSupervision.Plan.recipe(inputSize).withSteps(classifierSteps, unetSteps).withStudyLabelsOnly(true);
        String version = artifactDir.getFileName().toString().replaceFirst("\\.partial$", "");
        WeakSupervision.Result r = new WeakSupervision(plan, report).train(studies, "ich-node weak U-Net", version,
                OperatingPoint.DEFAULT_TARGET_SENSITIVITY, WeakSupervision.Plan.RECIPE_MEMBER_SEEDS);
        try (ModelSegmenter seg = new ModelSegmenter(r.model(), ModelSegmenter.DEFAULT_CHUNK)) {
            report.accept("evaluating on the validation set");
            Evaluation.Report e = evaluate(seg);
            RealEvaluation.Report siteReport = site.held().isEmpty() ? null : evaluateSite(seg, site.held());
            ObjectNode metrics = JsonNodeFactory.instance.objectNode();
            metrics.set("validation", e.toJsonNode());
            metrics.put("validationData", validation.describe()).put("snapshot", snapshot.id());
            if (siteReport != null) metrics.set("site", siteReport.toJsonNode());
            r.model().save(artifactDir, r.trainingDataJson(), metrics + "\n");
            org.ichnode.training.TrainingCurves.write(artifactDir, r);
            return new Candidate(artifactDir, metrics(e, siteReport));
        }
    }

    @Override
    public Map<String, Double> evaluate(Path artifactDir, DatasetSnapshot snapshot) throws Exception {
        try (ModelSegmenter seg = ModelSegmenter.load(artifactDir)) {
            return metricsOn(seg, snapshot);
        }
    }

    @Override
    public Map<String, Double> evaluateBaseline(DatasetSnapshot snapshot) throws Exception {
        return metricsOn(new HuThresholdSegmenter(), snapshot);
    }

    /** Only the held-out site studies' series are read: the rest of the snapshot plays no part in judging a model. */
    private Map<String, Double> metricsOn(Segmenter seg, DatasetSnapshot snapshot) throws java.io.IOException {
        Set<String> site = siteStudies(snapshot);
        List<LabelledStudy> held = site.isEmpty() ? List.of() : load(snapshot, e -> site.contains(e.studyInstanceUid()), m -> {});
        return metrics(evaluate(seg), held.isEmpty() ? null : evaluateSite(seg, held));
    }

    /** The snapshot's site studies held out of training (Study Instance UIDs), from its labels alone. */
    private Set<String> siteStudies(DatasetSnapshot snapshot) {
        Map<String, Boolean> positive = new LinkedHashMap<>();
        for (DatasetSnapshot.Entry e : snapshot.entries()) positive.merge(e.studyInstanceUid(), "positive".equals(e.label()), Boolean::logicalOr);
        return heldStudies(positive);
    }

    /**
     * The site studies held out of training: none unless there are {@code minSiteStudies} of each label, else
     * {@code siteFraction} of each label. Depends only on the studies and their labels, so every model judged on one
     * snapshot meets the same ones.
     */
    private Set<String> heldStudies(Map<String, Boolean> positiveByStudy) {
        long positives = positiveByStudy.values().stream().filter(b -> b).count();
        if (siteFraction == 0 || positives < minSiteStudies || positiveByStudy.size() - positives < minSiteStudies) return Set.of();
        return PatientSplit.heldPatients(positiveByStudy, siteFraction, SITE_SEED);
    }

    /** {@link #heldStudies} applied to loaded studies (each study its own split unit). */
    PatientSplit siteSplit(List<LabelledStudy> studies) {
        Map<String, Boolean> positive = new LinkedHashMap<>();
        for (LabelledStudy s : studies) positive.merge(s.id(), s.positive(), Boolean::logicalOr);
        return split(studies, heldStudies(positive));
    }

    private static PatientSplit split(List<LabelledStudy> studies, Set<String> held) {
        List<LabelledStudy> train = new ArrayList<>(), out = new ArrayList<>();
        for (LabelledStudy s : studies) (held.contains(s.id()) ? out : train).add(s);
        return new PatientSplit(train, out);
    }

    private static RealEvaluation.Report evaluateSite(Segmenter seg, List<LabelledStudy> held) {
        List<RealEvaluation.StudyOutcome> out = new ArrayList<>();
        long t0 = System.nanoTime();
        for (LabelledStudy s : held) out.add(RealEvaluation.evaluate(s, seg.segment(s.volume())));
        return RealEvaluation.summarize(out, (System.nanoTime() - t0) / 1e9);
    }

    private Evaluation.Report evaluate(Segmenter seg) throws java.io.IOException {
        List<Evaluation.StudyResult> out = new ArrayList<>();
        long t0 = System.nanoTime();
        for (LabelledStudy s : validation.load(false)) {
            Segmentation x = seg.segment(s.volume());
            out.add(Evaluation.evaluate(s.id(), s.volume(), s.trueMask(), x.mask(), s.positive(), x.studyProbability()));
        }
        return Evaluation.summarize(out, (System.nanoTime() - t0) / 1e9);
    }

    private static Map<String, Double> metrics(Evaluation.Report e, RealEvaluation.Report site) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("dice", e.pooledDice());
        m.put("mIoU", e.pooledMIou());
        if (Double.isFinite(e.studyAuc())) m.put("studyAuc", e.studyAuc());
        m.put("lesionDetection", e.lesions().detectionRate());
        if (site != null && Double.isFinite(site.studyAuc())) {
            m.put("site.studyAuc", site.studyAuc());
            m.put("site.sensitivity", site.sensitivity());
            m.put("site.specificity", site.specificity());
            m.put("site.normalMedianMl", site.normalMedianMl());
            m.put("site.studies", (double) site.studies());
        }
        return m;
    }

    /** Each snapshot entry's series as a volume with its study label; a series that no longer assembles is skipped. */
    private static List<LabelledStudy> load(DatasetSnapshot snapshot, java.util.function.Predicate<DatasetSnapshot.Entry> which,
                                            Consumer<String> progress) {
        SeriesVolumeLoader loader = new SeriesVolumeLoader();
        List<LabelledStudy> out = new ArrayList<>();
        int skipped = 0;
        for (DatasetSnapshot.Entry e : snapshot.entries()) {
            if (!which.test(e)) continue;
            AssemblyResult r = loader.load(e.files());
            if (!r.isAccepted()) { skipped++; continue; }
            // the snapshot carries no patient id: each study is its own split unit (no study in two splits)
            out.add(new LabelledStudy(e.studyInstanceUid(), e.studyInstanceUid(), r.volume().orElseThrow(),
                    "positive".equals(e.label()), null, null));
        }
        progress.accept("loaded " + out.size() + " series of snapshot " + snapshot.id() + (skipped > 0 ? " (" + skipped + " did not assemble)" : ""));
        return out;
    }

    /** The trainer a node started by this launcher retrains with (META-INF/services). */
    public static final class Provider implements CandidateTrainer.Provider {
        @Override
        public CandidateTrainer create(Settings settings) { return new WeakCandidateTrainer(settings); }
    }
}
