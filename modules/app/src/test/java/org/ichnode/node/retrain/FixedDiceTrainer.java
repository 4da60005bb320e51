package org.ichnode.node.retrain;

import org.ichnode.store.DatasetSnapshot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A real, deterministic trainer for tests: "trains" for a set time in steps (honouring interrupts, not the deadline, so
 * the run's own limit is what stops it), writes an artifact folder whose metrics file holds the Dice it was told to
 * reach, and evaluates an artifact by reading that file back.
 */
final class FixedDiceTrainer implements CandidateTrainer {
    volatile double nextDice;
    volatile Duration trainTime;
    volatile Exception failWith;
    /** The HU baseline's Dice on the validation set; null: this trainer cannot say. */
    volatile Double baselineDice;
    final List<DatasetSnapshot> trainedOn = new CopyOnWriteArrayList<>();

    FixedDiceTrainer(double dice, Duration trainTime) {
        this.nextDice = dice;
        this.trainTime = trainTime;
    }

    @Override
    public Candidate train(DatasetSnapshot snapshot, Path artifactDir, TrainingBudget budget, Consumer<String> progress) throws Exception {
        trainedOn.add(snapshot);
        if (failWith != null) throw failWith;
        for (DatasetSnapshot.Entry e : snapshot.entries()) {
            for (Path f : e.files()) if (!Files.isRegularFile(f)) throw new IllegalStateException("dataset file missing: " + f);
        }
        int steps = 4;
        for (int i = 1; i <= steps; i++) {
            Thread.sleep(trainTime.toMillis() / steps);
            progress.accept("step " + i + "/" + steps);
        }
        double dice = nextDice;
        Files.writeString(artifactDir.resolve("metrics.properties"),
                String.format(Locale.ROOT, "dice=%s%nseries=%d%n", dice, snapshot.entries().size()), StandardCharsets.UTF_8);
        return new Candidate(artifactDir, Map.of("dice", dice, "series", (double) snapshot.entries().size()));
    }

    @Override
    public Map<String, Double> evaluateBaseline(DatasetSnapshot snapshot) {
        return baselineDice == null ? Map.of() : Map.of("dice", baselineDice);
    }

    @Override
    public Map<String, Double> evaluate(Path artifactDir, DatasetSnapshot snapshot) throws Exception {
        for (String line : Files.readAllLines(artifactDir.resolve("metrics.properties"))) {
            if (line.startsWith("dice=")) return Map.of("dice", Double.parseDouble(line.substring(5)));
        }
        throw new IllegalStateException("no dice in " + artifactDir);
    }
}
