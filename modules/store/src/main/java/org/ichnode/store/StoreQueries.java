package org.ichnode.store;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Read-only queries for the app: status page, reconciliation at start-up. Results are detached copies. */
public final class StoreQueries {
    private final Database db;

    public StoreQueries(Database db) {
        this.db = db;
    }

    /** Number of series per state; states with none are present with 0. */
    public Map<SeriesState, Long> seriesCountsByState() {
        Map<SeriesState, Long> counts = zeroes(SeriesState.class);
        db.inTransaction(s -> s.createQuery("SELECT state, count(*) FROM Series GROUP BY state", Object[].class).getResultList())
                .forEach(row -> counts.put((SeriesState) row[0], (Long) row[1]));
        return counts;
    }

    /** Number of jobs per state; states with none are present with 0. */
    public Map<JobState, Long> jobCountsByState() {
        Map<JobState, Long> counts = zeroes(JobState.class);
        db.inTransaction(s -> s.createQuery("SELECT state, count(*) FROM Job GROUP BY state", Object[].class).getResultList())
                .forEach(row -> counts.put((JobState) row[0], (Long) row[1]));
        return counts;
    }

    /** Spool files of a series in the order its instances were first recorded; empty if unknown. */
    public List<String> instanceFilesOfSeries(String seriesUid) {
        return db.inTransaction(s -> s.createQuery("""
                SELECT i.filePath FROM Instance i, Series se
                WHERE i.seriesId = se.id AND se.seriesInstanceUid = :uid ORDER BY i.id""", String.class)
                .setParameter("uid", seriesUid).getResultList());
    }

    public Optional<Series> findSeries(String seriesUid) {
        return db.inTransaction(s -> s.createQuery("FROM Series WHERE seriesInstanceUid = :uid", Series.class)
                .setParameter("uid", seriesUid).uniqueResultOptional());
    }

    public Optional<Job> findJob(long jobId) {
        return db.inTransaction(s -> Optional.ofNullable(s.get(Job.class, jobId)));
    }

    /** Jobs of a series, oldest first. */
    public List<Job> jobsOfSeries(long seriesId) {
        return db.inTransaction(s -> s.createQuery("FROM Job WHERE seriesId = :sid ORDER BY id", Job.class)
                .setParameter("sid", seriesId).getResultList());
    }

    /** Every spool file the database knows, for reconciling the spool folder at start-up. */
    public List<String> allInstanceFiles() {
        return db.inTransaction(s -> s.createQuery("SELECT filePath FROM Instance ORDER BY id", String.class).getResultList());
    }

    /** An instance row's SOP Instance UID, file and size. */
    public record InstanceFile(String sopInstanceUid, String filePath, long sizeBytes) {}

    /** The instances whose file path starts with {@code prefix} (those in the spool's preallocated files, at start-up). */
    public List<InstanceFile> instancesWithFilesUnder(String prefix) {
        // LIKE narrows it down ('_' and '%' in a path match too much, never too little); startsWith decides
        return db.inTransaction(s -> s.createQuery(
                "SELECT i.sopInstanceUid, i.filePath, i.sizeBytes FROM Instance i WHERE i.filePath LIKE :p ORDER BY i.id",
                Object[].class).setParameter("p", prefix + "%").getResultList())
                .stream().map(r -> new InstanceFile((String) r[0], (String) r[1], ((Number) r[2]).longValue()))
                .filter(f -> f.filePath().startsWith(prefix)).toList();
    }

    private static <E extends Enum<E>> Map<E, Long> zeroes(Class<E> type) {
        Map<E, Long> m = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            m.put(e, 0L);
        }
        return m;
    }

    /** The identifiers of a series and its study (for alerts; never for logs). */
    public record SeriesIdentity(String seriesInstanceUid, String studyInstanceUid, String accessionNumber, String patientId) {}

    public Optional<SeriesIdentity> identityOfSeries(long seriesId) {
        return db.inTransaction(s -> s.createQuery("""
                SELECT se.seriesInstanceUid, st.studyInstanceUid, st.accessionNumber, st.patientId FROM Series se, Study st
                WHERE se.studyId = st.id AND se.id = :sid""", Object[].class).setParameter("sid", seriesId).uniqueResultOptional()
                .map(r -> new SeriesIdentity((String) r[0], (String) r[1], (String) r[2], (String) r[3])));
    }

    /** The calling AE title that sent the series (its first instance that has one), for "back to the caller". */
    public Optional<String> callingAeOfSeries(long seriesId) {
        return db.inTransaction(s -> s.createQuery(
                        "SELECT callingAe FROM Instance WHERE seriesId = :sid AND callingAe IS NOT NULL ORDER BY id", String.class)
                .setParameter("sid", seriesId).setMaxResults(1).uniqueResultOptional());
    }
}
