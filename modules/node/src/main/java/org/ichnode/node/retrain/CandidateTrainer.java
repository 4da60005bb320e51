package org.ichnode.node.retrain;

import org.ichnode.node.config.Settings;
import org.ichnode.store.DatasetSnapshot;

import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * Trains a candidate model on a frozen dataset and evaluates it and the active model on the fixed validation set and,
 * where the snapshot is large enough, on the site's own studies it held out of training (the same ones for every model
 * judged on one snapshot: the choice depends only on the snapshot). Metric keys: {@code "dice"} on the fixed
 * validation set (required); where site studies were held out {@code "site.studyAuc"}, {@code "site.sensitivity"},
 * {@code "site.specificity"} (at the model's own operating point), {@code "site.normalMedianMl"} (volume found on
 * report-negative studies) and {@code "site.studies"}.
 * Implementations keep to the budget's threads and deadline (the run is failed and the training thread interrupted
 * shortly after the deadline) and report what they do through {@code progress} now and then (each line is logged
 * and stored on the run row; no patient data in it).
 */
public interface CandidateTrainer {
    /**
     * Trains on {@code snapshot} and writes the complete model into {@code artifactDir} (an empty folder that exists).
     * The returned metrics must hold {@code "dice"} on the fixed validation set: the gate compares it.
     */
    Candidate train(DatasetSnapshot snapshot, Path artifactDir, TrainingBudget budget, Consumer<String> progress) throws Exception;

    /** Metrics of an existing model artifact (for the gate), with the same keys as train's on the same snapshot. */
    Map<String, Double> evaluate(Path artifactDir, DatasetSnapshot snapshot) throws Exception;

    /**
     * Metrics of the HU threshold baseline on the fixed validation set: what a first model must not fall below while
     * the baseline serves. Empty when the trainer cannot say; the first candidate is then promoted without comparison.
     */
    default Map<String, Double> evaluateBaseline(DatasetSnapshot snapshot) throws Exception { return Map.of(); }

    record Candidate(Path artifactDir, Map<String, Double> metrics) {}

    /**
     * Makes the trainer of this installation: found with {@link ServiceLoader} (the launcher's class path carries the
     * weakly supervised trainer of modules/training), so that the node itself holds no training code.
     */
    interface Provider {
        CandidateTrainer create(Settings settings);

        /** The first provider's trainer, or null when the class path has none. */
        static CandidateTrainer find(Settings settings) {
            for (Provider p : ServiceLoader.load(Provider.class)) return p.create(settings);
            return null;
        }
    }
}
