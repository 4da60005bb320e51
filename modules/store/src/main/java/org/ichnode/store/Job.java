package org.ichnode.store;

import jakarta.persistence.*;
import java.time.Instant;

/** A processing job for one series, claimed by workers under a lease (see JobQueue). */
@Entity
@Table(name = "job")
public class Job {
    @Id @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;
    @Column(name = "series_id", nullable = false)
    private Long seriesId;
    @Column(nullable = false)
    private String kind;
    @Convert(converter = JobState.DbConverter.class)
    @Column(nullable = false)
    private JobState state;
    @Column(nullable = false)
    private int attempts;
    @Column(name = "max_attempts", nullable = false)
    private int maxAttempts;
    @Column(name = "lease_owner")
    private String leaseOwner;
    @Column(name = "lease_until")
    private Instant leaseUntil;
    @Column(name = "not_before", nullable = false)
    private Instant notBefore;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "started_at")
    private Instant startedAt;
    @Column(name = "finished_at")
    private Instant finishedAt;
    @Column(name = "last_error")
    private String lastError;
    @Column(name = "result_json")
    private String resultJson;
    @Column(nullable = false)
    private int priority;

    protected Job() {
    }

    Job(long seriesId, String kind, int maxAttempts, Instant now, int priority) {
        this.priority = priority;
        this.seriesId = seriesId;
        this.kind = kind;
        this.state = JobState.QUEUED;
        this.maxAttempts = maxAttempts;
        this.notBefore = now;
        this.createdAt = now;
    }

    public Long getId() { return id; }
    public Long getSeriesId() { return seriesId; }
    public String getKind() { return kind; }
    public JobState getState() { return state; }
    public int getAttempts() { return attempts; }
    public int getMaxAttempts() { return maxAttempts; }
    public String getLeaseOwner() { return leaseOwner; }
    public Instant getLeaseUntil() { return leaseUntil; }
    public Instant getNotBefore() { return notBefore; }
    public Instant getCreatedAt() { return createdAt; }
    public Instant getStartedAt() { return startedAt; }
    public Instant getFinishedAt() { return finishedAt; }
    public String getLastError() { return lastError; }
    public String getResultJson() { return resultJson; }
    /** Higher is claimed first. */
    public int getPriority() { return priority; }

    void start(String owner, Instant now, Instant leaseUntil) {
        this.state = JobState.RUNNING;
        this.attempts++;
        this.leaseOwner = owner;
        this.leaseUntil = leaseUntil;
        this.startedAt = now;
    }

    void requeue(Instant notBefore, String error) {
        this.state = JobState.QUEUED;
        this.notBefore = notBefore;
        this.lastError = error;
        this.leaseOwner = null;
        this.leaseUntil = null;
    }

    void finish(JobState end, Instant now, String error, String resultJson) {
        this.state = end;
        this.finishedAt = now;
        if (error != null) {
            this.lastError = error;
        }
        this.resultJson = resultJson;
        this.leaseUntil = null;
    }
}
