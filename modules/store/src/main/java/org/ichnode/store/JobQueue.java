package org.ichnode.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.hibernate.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processing queue, shared by workers in any number of processes. A worker claims a job under a lease
 * and must renew it while working; a job whose lease ran out (dead worker) is claimed again by the next
 * worker that asks. Every time decision uses the database's clock.
 *
 * <p>Locks are always taken series row first, then job row, as InstanceRecorder does, except in claim,
 * which takes both with SKIP LOCKED and so never waits (no deadlock either way).
 */
public final class JobQueue {
    private static final Logger log = LoggerFactory.getLogger(JobQueue.class);

    private static final String CLAIMABLE = """
            SELECT * FROM job
            WHERE (state = 'queued' AND not_before <= :now) OR (state = 'running' AND lease_until < :now)
            ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED""";

    private final Database db;

    public JobQueue(Database db) {
        this.db = db;
    }

    /** Takes the oldest claimable job, or empty if there is none (or it is momentarily locked). */
    public Optional<ClaimedJob> claim(String workerId, Duration lease) {
        return db.inTransaction(s -> {
            Instant now = Database.now(s);
            while (true) {
                Job job = s.createNativeQuery(CLAIMABLE, Job.class).setParameter("now", now).uniqueResult();
                if (job == null) {
                    return Optional.<ClaimedJob>empty();
                }
                // SKIP LOCKED: the series is briefly locked by a late instance that is about to end this job.
                Series series = s.createNativeQuery("SELECT * FROM series WHERE id = :id FOR UPDATE SKIP LOCKED", Series.class)
                        .setParameter("id", job.getSeriesId()).uniqueResult();
                if (series == null) {
                    return Optional.<ClaimedJob>empty();
                }
                if (job.getState() == JobState.RUNNING && job.getAttempts() >= job.getMaxAttempts()) {
                    String error = "lease expired after " + job.getAttempts() + " attempts (last owner " + job.getLeaseOwner() + ")";
                    job.finish(JobState.FAILED, now, error, null);
                    series.setState(SeriesState.FAILED, error);
                    log.warn("job {} of series {} failed: {}", job.getId(), series.getSeriesInstanceUid(), error);
                    s.flush(); // so the next candidate query no longer sees it
                    continue;
                }
                if (job.getState() == JobState.RUNNING) {
                    log.warn("job {} taken over by {}: lease of {} expired", job.getId(), workerId, job.getLeaseOwner());
                }
                job.start(workerId, now, now.plus(lease));
                series.setState(SeriesState.RUNNING, null);
                var files = s.createQuery("SELECT filePath FROM Instance WHERE seriesId = :sid ORDER BY id", String.class)
                        .setParameter("sid", series.getId()).getResultList();
                return Optional.of(new ClaimedJob(job.getId(), series.getId(), series.getSeriesInstanceUid(),
                        job.getKind(), job.getAttempts(), files));
            }
        });
    }

    /** Extends the lease to now + lease. False if the worker no longer owns the job: it must stop working on it. */
    public boolean renewLease(long jobId, String workerId, Duration lease) {
        return db.inTransaction(s -> {
            Instant now = Database.now(s);
            return s.createNativeMutationQuery("""
                    UPDATE job SET lease_until = :until
                    WHERE id = :id AND state = 'running' AND lease_owner = :owner""")
                    .setParameter("until", now.plus(lease)).setParameter("id", jobId).setParameter("owner", workerId)
                    .executeUpdate() == 1;
        });
    }

    /**
     * Expires the leases of running jobs whose owner starts with {@code ownerPrefix} (a restarted node's own
     * workers), so they are claimed again at once instead of after their lease runs out. Returns how many.
     */
    public int releaseLeasesOf(String ownerPrefix) {
        return db.inTransaction(s -> s.createNativeMutationQuery("""
                UPDATE job SET lease_until = :now
                WHERE state = 'running' AND LEFT(lease_owner, :n) = :prefix""")
                .setParameter("now", Database.now(s)).setParameter("n", ownerPrefix.length())
                .setParameter("prefix", ownerPrefix).executeUpdate());
    }

    /**
     * Marks the job and its series done and stores the result. False (and nothing changed) if the worker
     * no longer owns the job. A lease that ran out but that nobody took over still counts as owned.
     */
    public boolean complete(long jobId, String workerId, String resultJson) {
        return db.inDurableTransaction(s -> {
            Owned o = lockOwned(s, jobId, workerId);
            if (o == null) {
                return false;
            }
            Instant now = Database.now(s);
            o.job.finish(JobState.DONE, now, null, resultJson);
            o.series.setState(SeriesState.DONE, null);
            return true;
        });
    }

    /**
     * Records a failed attempt. Retryable and attempts left: queued again, claimable from now + backoff.
     * Otherwise the job and its series are failed. False (and nothing changed) if the worker no longer owns it.
     */
    public boolean fail(long jobId, String workerId, String error, boolean retryable, Duration backoff) {
        return db.inDurableTransaction(s -> {
            Owned o = lockOwned(s, jobId, workerId);
            if (o == null) {
                return false;
            }
            Instant now = Database.now(s);
            if (retryable && o.job.getAttempts() < o.job.getMaxAttempts()) {
                o.job.requeue(now.plus(backoff), error);
                o.series.setState(SeriesState.QUEUED, null);
                log.info("job {} attempt {} failed, retry after {}: {}", jobId, o.job.getAttempts(), backoff, error);
            } else {
                o.job.finish(JobState.FAILED, now, error, null);
                o.series.setState(SeriesState.FAILED, error);
                log.warn("job {} failed after {} attempts: {}", jobId, o.job.getAttempts(), error);
            }
            return true;
        });
    }

    private record Owned(Job job, Series series) {
    }

    /** Locks series then job (the order InstanceRecorder uses) and checks the worker still owns the job. */
    private static Owned lockOwned(Session s, long jobId, String workerId) {
        Long seriesId = s.createNativeQuery("SELECT series_id FROM job WHERE id = :id", Long.class)
                .setParameter("id", jobId).uniqueResult();
        if (seriesId == null) {
            return null;
        }
        Series series = s.createNativeQuery("SELECT * FROM series WHERE id = :id FOR UPDATE", Series.class)
                .setParameter("id", seriesId).getSingleResult();
        Job job = s.createNativeQuery("SELECT * FROM job WHERE id = :id FOR UPDATE", Job.class)
                .setParameter("id", jobId).getSingleResult();
        if (job.getState() != JobState.RUNNING || !workerId.equals(job.getLeaseOwner())) {
            return null;
        }
        return new Owned(job, series);
    }
}
