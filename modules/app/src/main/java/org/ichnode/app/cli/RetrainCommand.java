package org.ichnode.app.cli;

import org.ichnode.node.config.Settings;
import org.ichnode.node.retrain.RetrainScheduler;
import org.ichnode.store.Database;
import org.ichnode.store.RunState;
import org.ichnode.store.TrainingRun;
import org.ichnode.store.TrainingRuns;

import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code ./ichnode retrain [--wait] [--config FILE] [--set k=v]}: stores a trigger for the retrain job in the database's
 * Quartz job store, so a running node with retrain.enabled runs it (exactly one node of the cluster). With
 * {@code --wait}, waits until that run has ended and prints how.
 */
public final class RetrainCommand {
    private final PrintStream out;
    private final PrintStream err;

    public RetrainCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public int run(Args args) throws Exception {
        boolean wait = args.flag("--wait");
        Settings settings = NodeDatabase.settings(args);
        args.requireNoneLeft();
        try (Database db = NodeDatabase.open(settings)) {
            TrainingRuns runs = new TrainingRuns(db);
            long lastRunBefore = runs.latest(1).stream().mapToLong(TrainingRun::id).findFirst().orElse(0);
            String trigger = RetrainScheduler.requestRunFromOutside(db, "cli");
            int live = RetrainScheduler.liveSchedulers(db);
            out.println("retraining requested: trigger " + trigger + " stored in the database");
            if (live == 0) {
                out.println("no node is running the retrain scheduler now: the run starts when a node with retrain.enabled=true starts");
            } else {
                out.println(live + " node(s) run the retrain scheduler; one of them starts the run within "
                        + RetrainScheduler.IDLE_WAIT_SECONDS + " s (after a run in progress, if any). Follow it with ./ichnode models or GET /status");
            }
            if (!wait) return 0;
            return awaitRun(runs, lastRunBefore);
        }
    }

    private int awaitRun(TrainingRuns runs, long after) throws InterruptedException {
        Instant notice = Instant.now().plusSeconds(60);
        while (true) {
            List<TrainingRun> latest = runs.latest(5);
            Optional<TrainingRun> ours = latest.stream().filter(r -> r.id() > after).reduce((a, b) -> b); // the oldest new run
            if (ours.isPresent() && ours.get().state() != RunState.RUNNING) {
                TrainingRun r = ours.get();
                out.println("run " + r.id() + " on " + r.nodeId() + " ended " + r.state().dbValue() + (r.reason() == null ? "" : ": " + r.reason()));
                return r.state() == RunState.PROMOTED || r.state() == RunState.REFUSED ? 0 : 1;
            }
            if (ours.isEmpty() && Instant.now().isAfter(notice)) {
                err.println("ichnode: no run has started for a minute; still waiting (Ctrl-C stops waiting, not the run)");
                notice = Instant.now().plusSeconds(600);
            }
            Thread.sleep(1000);
        }
    }
}
