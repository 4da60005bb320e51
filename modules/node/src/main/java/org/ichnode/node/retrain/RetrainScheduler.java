package org.ichnode.node.retrain;

import org.ichnode.store.Database;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.ObjectAlreadyExistsException;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Quartz with the clustered JDBC job store (JobStoreTX) in the node's own database, so the retrain job and its
 * triggers live there and a fired trigger runs on exactly one node. Every node with retrain.enabled runs a started
 * scheduler (one worker thread); the command line uses an unstarted one only to store a trigger.
 *
 * <p>Quartz instance id = node id: a node that restarts recovers the job it was running when it died at once
 * (the job requests recovery) instead of waiting for another node to notice.
 */
public final class RetrainScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetrainScheduler.class);
    /** SCHED_NAME in the QRTZ_ tables; V6__quartz.sql seeds its lock rows. */
    public static final String SCHEDULER_NAME = "ichnode";
    static final JobKey JOB = JobKey.jobKey("retrain", "ichnode");
    static final TriggerKey CRON = TriggerKey.triggerKey("nightly", "ichnode");
    static final String CONTEXT_RETRAINING = "retraining";
    static final String CONTEXT_NODE = "node";
    /** How often an idle scheduler looks for triggers stored by another process (./ichnode retrain). */
    public static final int IDLE_WAIT_SECONDS = 5;
    private static final AtomicInteger dataSources = new AtomicInteger();

    private final Scheduler scheduler;
    private final String instanceId;

    private RetrainScheduler(Scheduler scheduler, String instanceId) {
        this.scheduler = scheduler;
        this.instanceId = instanceId;
    }

    /**
     * A started, clustered scheduler on this node that runs {@code retraining} when a trigger fires, with the nightly
     * trigger set to {@code cron} (replacing a different expression stored by an earlier start: the last node started
     * decides the schedule).
     */
    public static RetrainScheduler start(Database db, String nodeId, String cron, Retraining retraining) throws SchedulerException {
        RetrainScheduler s = create(db, nodeId);
        try {
            s.scheduler.getContext().put(CONTEXT_RETRAINING, retraining);
            s.scheduler.getContext().put(CONTEXT_NODE, nodeId);
            s.storeJob();
            s.scheduleCron(cron);
            s.scheduler.start();
            log.info("retrain scheduler started on {} (clustered Quartz in the node database, cron '{}')", nodeId, cron);
            return s;
        } catch (SchedulerException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Stores a one-off trigger for the retrain job now, without starting a scheduler here: a node's scheduler fires it
     * (within {@link #IDLE_WAIT_SECONDS} when idle). Returns the trigger's name.
     */
    public static String requestRunFromOutside(Database db, String source) throws SchedulerException {
        try (RetrainScheduler s = create(db, "ichnode-cli-" + ProcessHandle.current().pid() + "-" + System.nanoTime())) {
            s.storeJob();
            return s.requestRun(source);
        }
    }

    /** Stores a one-off trigger that fires the job now on whichever node's scheduler acquires it first. */
    public String requestRun(String source) throws SchedulerException {
        String name = "manual-" + source + "-" + UUID.randomUUID().toString().substring(0, 8);
        Trigger t = TriggerBuilder.newTrigger().withIdentity(name, "ichnode").forJob(JOB).withDescription("requested by " + source)
                .startNow().withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow()).build();
        scheduler.scheduleJob(t);
        log.info("retraining requested by {}: trigger {} stored", source, name);
        return name;
    }

    /**
     * Scheduler instances of the cluster that checked in recently (running nodes with retrain.enabled), by reading
     * Quartz's own state table.
     */
    public static int liveSchedulers(Database db) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement st = c.prepareStatement(
                "SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = ? AND last_checkin_time > ? - 3 * checkin_interval")) {
            st.setString(1, SCHEDULER_NAME);
            st.setLong(2, System.currentTimeMillis());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** An unstarted scheduler on the database (stores and changes triggers, runs nothing). */
    static RetrainScheduler create(Database db, String instanceId) throws SchedulerException {
        // Quartz looks connection providers up by name, JVM-wide: one name per scheduler.
        String dsName = "ichnode-" + dataSources.incrementAndGet();
        DBConnectionManager.getInstance().addConnectionProvider(dsName, new QuartzConnectionProvider(db.dataSource()));
        Properties p = new Properties();
        p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, SCHEDULER_NAME);
        p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_ID, instanceId);
        p.setProperty("org.quartz.scheduler.idleWaitTime", String.valueOf(IDLE_WAIT_SECONDS * 1000));
        p.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", "1");
        p.setProperty("org.quartz.threadPool.threadPriority", String.valueOf(Thread.MIN_PRIORITY));
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        p.setProperty("org.quartz.threadPool.threadNamePrefix", "retrain");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", db.isPostgres()
                ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate" : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", dsName);
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        StdSchedulerFactory factory = new StdSchedulerFactory(p);
        Scheduler scheduler = factory.getScheduler();
        // Quartz keeps schedulers in a JVM-wide map by name and would hand this one to the next factory of the same
        // name; each node (and test) needs its own, and nothing here looks schedulers up by name.
        SchedulerRepository.getInstance().remove(SCHEDULER_NAME);
        return new RetrainScheduler(scheduler, instanceId);
    }

    private void storeJob() throws SchedulerException {
        JobDetail job = JobBuilder.newJob(RetrainJob.class).withIdentity(JOB).withDescription("retrain the hemorrhage model")
                .storeDurably().requestRecovery().build();
        scheduler.addJob(job, true);
    }

    private void scheduleCron(String cron) throws SchedulerException {
        CronTrigger wanted = TriggerBuilder.newTrigger().withIdentity(CRON).forJob(JOB).withDescription("retrain.cron")
                .withSchedule(CronScheduleBuilder.cronSchedule(cron).withMisfireHandlingInstructionFireAndProceed()).build();
        Trigger existing = scheduler.getTrigger(CRON);
        if (existing == null) {
            try {
                scheduler.scheduleJob(wanted);
                return;
            } catch (ObjectAlreadyExistsException e) {
                existing = scheduler.getTrigger(CRON); // another node stored it at the same moment
            }
        }
        if (existing instanceof CronTrigger ct && ct.getCronExpression().equals(cron)) return;
        log.info("retrain.cron changed from '{}' to '{}'", existing instanceof CronTrigger ct ? ct.getCronExpression() : existing, cron);
        scheduler.rescheduleJob(CRON, wanted);
    }

    public String instanceId() {
        return instanceId;
    }

    Scheduler quartz() {
        return scheduler;
    }

    @Override
    public void close() {
        try {
            // do not wait for a running training: the run is marked interrupted and restarted (the job requests recovery)
            scheduler.shutdown(false);
        } catch (SchedulerException e) {
            log.warn("retrain scheduler did not shut down cleanly: {}", e.toString());
        }
    }
}
