package org.ichnode.node.retrain;

import org.ichnode.store.TrainingRun;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Quartz job: one retraining run. {@code @DisallowConcurrentExecution} holds across the cluster with the JDBC job
 * store (a trigger that fires while a run executes waits for it to end), which is what lets a new run treat any run
 * still marked running as interrupted.
 */
@DisallowConcurrentExecution
public final class RetrainJob implements Job {
    private static final Logger log = LoggerFactory.getLogger(RetrainJob.class);

    @Override
    public void execute(JobExecutionContext ctx) throws JobExecutionException {
        Retraining retraining;
        String node;
        try {
            retraining = (Retraining) ctx.getScheduler().getContext().get(RetrainScheduler.CONTEXT_RETRAINING);
            node = (String) ctx.getScheduler().getContext().get(RetrainScheduler.CONTEXT_NODE);
        } catch (SchedulerException e) {
            throw new JobExecutionException(e);
        }
        String trigger = ctx.getTrigger().getKey().getName();
        // the two-node test reads this line: one per execution, with the trigger's scheduled fire time
        log.info("retrain job fired: trigger {} scheduled {} fire-instance {} on node {}{}", trigger,
                ctx.getScheduledFireTime() == null ? "-" : ctx.getScheduledFireTime().getTime(), ctx.getFireInstanceId(), node,
                ctx.isRecovering() ? " (recovering a run whose node died)" : "");
        if (retraining == null) throw new JobExecutionException("no retraining wired into this scheduler");
        TrainingRun run = retraining.run(ctx.isRecovering() ? trigger + " (recovery)" : trigger);
        log.info("retrain job done: run {} {}{}", run.id(), run.state().dbValue(), run.reason() == null ? "" : ": " + run.reason());
    }
}
