package org.ichnode.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes series that are done receiving: quiet for a while, or holding as many instances as expected.
 * Each series is decided in its own transaction with its row locked (SKIP LOCKED), so nodes sweeping
 * at the same time never both complete it, and a series being written to is simply left for the next sweep.
 */
public final class SeriesCompletion {
    private static final Logger log = LoggerFactory.getLogger(SeriesCompletion.class);
    public static final String DEFAULT_JOB_KIND = "segment";
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    private static final String DUE = """
            state = 'receiving' AND instance_count > 0
            AND (last_received_at <= :cutoff OR (expected_count IS NOT NULL AND instance_count >= expected_count))""";

    private final Database db;
    private final String jobKind;
    private final int maxAttempts;

    public SeriesCompletion(Database db) {
        this(db, DEFAULT_JOB_KIND, DEFAULT_MAX_ATTEMPTS);
    }

    public SeriesCompletion(Database db, String jobKind, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1");
        }
        this.db = db;
        this.jobKind = jobKind;
        this.maxAttempts = maxAttempts;
    }

    /** As {@link #completeStableSeries(Duration, Instant, Function)} with the database's clock as now. */
    public List<CompletionResult> completeStableSeries(Duration stableFor,
                                                       Function<SeriesCandidate, Optional<String>> ignoreReason) {
        return completeStableSeries(stableFor, db.now(), ignoreReason);
    }

    /**
     * Completes every receiving series whose last instance arrived at or before {@code now - stableFor},
     * or whose instance count reached its expected count.
     *
     * @param now only used for the quiet-time cutoff; pass {@link Database#now()} in production (jobs'
     *        timestamps always come from the database clock)
     * @param ignoreReason selection rules: a reason to ignore the series, or empty to queue a job. Called
     *        inside the transaction holding the row lock: keep it quick and free of I/O. If it throws, the series
     *        is ignored with the exception's message as the reason and the pass goes on.
     */
    public List<CompletionResult> completeStableSeries(Duration stableFor, Instant now,
                                                       Function<SeriesCandidate, Optional<String>> ignoreReason) {
        return completeStableSeries(stableFor, now, ignoreReason, c -> 0);
    }

    /**
     * As {@link #completeStableSeries(Duration, Instant, Function)}, each queued job with the priority the rule gives
     * its series (higher is claimed first; a rule that throws gives 0).
     */
    public List<CompletionResult> completeStableSeries(Duration stableFor, Instant now,
                                                       Function<SeriesCandidate, Optional<String>> ignoreReason,
                                                       java.util.function.ToIntFunction<SeriesCandidate> priority) {
        Instant cutoff = now.minus(stableFor);
        List<Long> due = db.inTransaction(s -> s.createNativeQuery("SELECT id FROM series WHERE " + DUE + " ORDER BY id", Long.class)
                .setParameter("cutoff", cutoff).getResultList());
        List<CompletionResult> results = new ArrayList<>();
        for (Long id : due) {
            CompletionResult done = db.inTransaction(s -> {
                // Re-check under the lock: another node may have completed it, or an instance arrived since.
                Series series = s.createNativeQuery("SELECT * FROM series WHERE id = :id AND " + DUE + " FOR UPDATE SKIP LOCKED", Series.class)
                        .setParameter("id", id).setParameter("cutoff", cutoff).uniqueResult();
                if (series == null) {
                    return null;
                }
                Instant dbNow = Database.now(s);
                String studyUid = s.get(Study.class, series.getStudyId()).getStudyInstanceUid();
                series.setCompletedAt(dbNow);
                series.setState(SeriesState.COMPLETE, null);
                Optional<String> reason;
                try {
                    reason = ignoreReason.apply(SeriesCandidate.of(series, studyUid));
                } catch (RuntimeException e) {
                    // one unusable header (e.g. an ImageOrientationPatient of 5 values) ignores its own series only;
                    // thrown, it would end the pass and leave every later series receiving, across restarts
                    reason = Optional.of("header not usable for selection: " + e.getMessage());
                }
                CompletionResult r;
                if (reason.isPresent()) {
                    series.setState(SeriesState.IGNORED, reason.get());
                    r = new CompletionResult(id, series.getSeriesInstanceUid(), SeriesState.IGNORED, reason.get(), null);
                } else {
                    int p;
                    try {
                        p = priority.applyAsInt(SeriesCandidate.of(series, studyUid));
                    } catch (RuntimeException e) {
                        p = 0;
                    }
                    Job job = new Job(id, jobKind, maxAttempts, dbNow, p);
                    s.persist(job);
                    series.setState(SeriesState.QUEUED, null);
                    r = new CompletionResult(id, series.getSeriesInstanceUid(), SeriesState.QUEUED, null, job.getId());
                }
                log.info("series {} complete with {} instances: {}{}", series.getSeriesInstanceUid(),
                        series.getInstanceCount(), r.state().dbValue(), r.reason() == null ? "" : " (" + r.reason() + ")");
                return r;
            });
            if (done != null) {
                results.add(done);
            }
        }
        return results;
    }
}
