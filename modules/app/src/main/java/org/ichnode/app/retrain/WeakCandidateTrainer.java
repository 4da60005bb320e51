package org.ichnode.app.retrain;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.ichnode.app.cli.DatasetOption;
import org.ichnode.app.config.Keys;
import org.ichnode.app.config.Settings;
import org.ichnode.core.segmentation.HuThresholdSegmenter;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.core.volume.AssemblyResult;
import org.ichnode.dicom.read.SeriesVolumeLoader;
import org.ichnode.model.Evaluation;
import org.ichnode.model.LabelledStudy;
import org.ichnode.model.ModelSegmenter;
import org.ichnode.model.TorchThreads;
import org.ichnode.model.WeakSupervision;
import org.ichnode.store.DatasetSnapshot;

/**
 * The retraining's trainer: the weak learning loop ({@link WeakSupervision}) on the frozen snapshot with study labels
 * only (what reports give), then evaluation on the fixed validation set ({@code retrain.validationData}: studies with
 * true masks, by default generated phantom studies of a fixed seed, the same for every run and every model so the
 * gate compares like with like).
 *
 * <p>Limits: the training runs on one Java thread, with PyTorch limited to {@code retrain.threads} for its duration
 * ({@link TorchThreads}: the setting is process-wide, so inference on this node runs with the same limit meanwhile);
 * it checks its deadline at every step boundary it reports.
 */
public final class WeakCandidateTrainer implements CandidateTrainer {
    private final int inputSize;
    private final int classifierSteps;
    private final int unetSteps;
    private final DatasetOption validation;

    public WeakCandidateTrainer(Settings settings) {
        this(settings.getInt(Keys.RETRAIN_INPUT_SIZE), settings.getInt(Keys.RETRAIN_CLASSIFIER_STEPS), settings.getInt(Keys.RETRAIN_UNET_STEPS),
                new DatasetOption(settings.get(Keys.RETRAIN_VALIDATION_DATA), 9001, 0, settings.getInt(Keys.RETRAIN_VALIDATION_STUDIES), null));
    }

    public WeakCandidateTrainer(int inputSize, int classifierSteps, int unetSteps, DatasetOption validation) {
        this.inputSize = inputSize;
        this.classifierSteps = classifierSteps;
        this.unetSteps = unetSteps;
        this.validation = validation;
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
        List<LabelledStudy> studies = load(snapshot, report);
        WeakSupervision.Plan plan = (inputSize >= 256 ? WeakSupervision.Plan.standard(inputSize) : WeakSupervision.Plan.quick(inputSize))
                .withSteps(classifierSteps, unetSteps).withStudyLabelsOnly(true);
        String version = artifactDir.getFileName().toString().replaceFirst("\\.partial$", "");
        WeakSupervision.Result r = new WeakSupervision(plan, report).train(studies, "ich-node weak U-Net", version);
        try (ModelSegmenter seg = new ModelSegmenter(r.model(), ModelSegmenter.DEFAULT_CHUNK)) {
            report.accept("evaluating on the validation set");
            Evaluation.Report e = evaluate(seg);
            String metrics = String.format(Locale.ROOT, "{\"validation\":%s,\"validationData\":\"%s\",\"snapshot\":%d}",
                    e.toJson(), validation.describe(), snapshot.id());
            r.model().save(artifactDir, r.trainingDataJson(), metrics + "\n");
            return new Candidate(artifactDir, metrics(e));
        }
    }

    @Override
    public Map<String, Double> evaluate(Path artifactDir) throws Exception {
        try (ModelSegmenter seg = ModelSegmenter.load(artifactDir)) {
            return metrics(evaluate(seg));
        }
    }

    @Override
    public Map<String, Double> evaluateBaseline() throws Exception {
        return metrics(evaluate(new HuThresholdSegmenter()));
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

    private static Map<String, Double> metrics(Evaluation.Report e) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("dice", e.pooledDice());
        m.put("mIoU", e.pooledMIou());
        if (Double.isFinite(e.studyAuc())) m.put("studyAuc", e.studyAuc());
        m.put("lesionDetection", e.lesions().detectionRate());
        return m;
    }

    /** Each snapshot entry's series as a volume with its study label; a series that no longer assembles is skipped. */
    private static List<LabelledStudy> load(DatasetSnapshot snapshot, Consumer<String> progress) {
        SeriesVolumeLoader loader = new SeriesVolumeLoader();
        List<LabelledStudy> out = new ArrayList<>();
        int skipped = 0;
        for (DatasetSnapshot.Entry e : snapshot.entries()) {
            AssemblyResult r = loader.load(e.files());
            if (!r.isAccepted()) { skipped++; continue; }
            // the snapshot carries no patient id: each study is its own split unit (no study in two splits)
            out.add(new LabelledStudy(e.studyInstanceUid(), e.studyInstanceUid(), r.volume().orElseThrow(),
                    "positive".equals(e.label()), null, null));
        }
        progress.accept("loaded " + out.size() + " series of snapshot " + snapshot.id() + (skipped > 0 ? " (" + skipped + " did not assemble)" : ""));
        return out;
    }
}
