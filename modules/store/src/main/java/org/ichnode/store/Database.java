package org.ichnode.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Set;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.Transaction;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.cfg.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's database: a HikariCP pool, Flyway migrations (run at open) and a Hibernate SessionFactory.
 * Works on PostgreSQL (production) and on an embedded H2 file database in PostgreSQL mode, e.g.
 * {@code jdbc:h2:file:/var/lib/ichnode/db;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH}
 * (those three options, and for a file database DB_CLOSE_ON_EXIT=FALSE, are added to an H2 URL that does not set them).
 * Thread-safe; open one per process and share it.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);
    /** Enough for the receiver threads plus a few workers; PostgreSQL connections are not free. */
    public static final int DEFAULT_POOL_SIZE = 10;

    private final HikariDataSource dataSource;
    private final SessionFactory sessionFactory;
    private final boolean postgres;
    /** An embedded file database: it writes commits up to its WRITE_DELAY (500 ms) after they return. */
    private final boolean delayedCommits;

    private Database(HikariDataSource dataSource, SessionFactory sessionFactory, boolean postgres, boolean delayedCommits) {
        this.dataSource = dataSource;
        this.sessionFactory = sessionFactory;
        this.postgres = postgres;
        this.delayedCommits = delayedCommits;
    }

    /** The embedded database must speak the same SQL as PostgreSQL: add the options unless the URL sets them. */
    static String withH2CompatibilityOptions(String url) {
        String upper = url.toUpperCase(java.util.Locale.ROOT);
        StringBuilder b = new StringBuilder(url);
        if (!upper.contains(";MODE=")) b.append(";MODE=PostgreSQL");
        if (!upper.contains(";DATABASE_TO_LOWER=")) b.append(";DATABASE_TO_LOWER=TRUE");
        if (!upper.contains(";DEFAULT_NULL_ORDERING=")) b.append(";DEFAULT_NULL_ORDERING=HIGH");
        if (!upper.startsWith("JDBC:H2:MEM:")) {
            // the node closes the database itself, after its threads; H2's own shutdown hook closed it under them
            if (!upper.contains(";DB_CLOSE_ON_EXIT=")) b.append(";DB_CLOSE_ON_EXIT=FALSE");
        }
        return b.toString();
    }

    public static Database open(String jdbcUrl) {
        return open(jdbcUrl, null, null, DEFAULT_POOL_SIZE);
    }

    public static Database open(String jdbcUrl, String user, String password) {
        return open(jdbcUrl, user, password, DEFAULT_POOL_SIZE);
    }

    public static Database open(String jdbcUrl, String user, String password, int maxPoolSize) {
        boolean postgres = jdbcUrl.startsWith("jdbc:postgresql:");
        if (!postgres && !jdbcUrl.startsWith("jdbc:h2:")) {
            throw new IllegalArgumentException("only jdbc:postgresql: and jdbc:h2: URLs are supported, got " + redact(jdbcUrl));
        }
        if (!postgres) jdbcUrl = withH2CompatibilityOptions(jdbcUrl);
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("ichnode-store");
        hc.setJdbcUrl(jdbcUrl);
        if (user != null) {
            hc.setUsername(user);
        }
        if (password != null) {
            hc.setPassword(password);
        }
        hc.setMaximumPoolSize(maxPoolSize);
        hc.setMinimumIdle(Math.min(2, maxPoolSize));
        HikariDataSource ds = new HikariDataSource(hc);
        try {
            var result = Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
            log.info("database {} at schema version {} ({} migrations applied now)",
                    redact(jdbcUrl), result.targetSchemaVersion, result.migrationsExecuted);
            boolean delayedCommits = !postgres && !jdbcUrl.toUpperCase(java.util.Locale.ROOT).startsWith("JDBC:H2:MEM:");
            return new Database(ds, buildSessionFactory(ds), postgres, delayedCommits);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    private static SessionFactory buildSessionFactory(DataSource ds) {
        Configuration cfg = new Configuration();
        cfg.getProperties().put(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, ds);
        // No explicit dialect: Hibernate 6 picks PostgreSQLDialect or H2Dialect (with the server version)
        // from the connection, and warns (HHH90000025) when one is set.
        // Flyway owns the schema.
        cfg.setProperty(AvailableSettings.HBM2DDL_AUTO, "none");
        cfg.setProperty(AvailableSettings.SHOW_SQL, "false");
        for (Class<?> c : new Class<?>[] {Study.class, Series.class, Instance.class, Job.class}) {
            cfg.addAnnotatedClass(c);
        }
        return cfg.buildSessionFactory();
    }

    /** Runs work in one transaction: commit on return, rollback on any exception. */
    public <T> T inTransaction(Function<Session, T> work) {
        try (Session session = sessionFactory.openSession()) {
            Transaction tx = session.beginTransaction();
            try {
                T result = work.apply(session);
                tx.commit();
                return result;
            } catch (RuntimeException | Error e) {
                if (tx.isActive()) {
                    try {
                        tx.rollback();
                    } catch (RuntimeException re) {
                        e.addSuppressed(re);
                    }
                }
                throw e;
            }
        }
    }

    /**
     * Like {@link #inTransaction}, and the commit is in the database's file when this returns. PostgreSQL commits so
     * anyway; embedded H2 writes commits up to 500 ms late, and a kill -9 in that window lost "delivered" marks (the
     * objects were sent again after the restart, bench faults), so it is asked for a CHECKPOINT after the commit. For
     * the commits whose loss costs something: results, deliveries and their claims, jobs, alerts. Instance rows do without (start-up
     * records instances whose rows were lost from their files), which keeps the receiving path fast.
     */
    public <T> T inDurableTransaction(Function<Session, T> work) {
        T result = inTransaction(work);
        flushDelayedCommits();
        return result;
    }

    /** {@link #inTransactionRetrying} whose commit is in the file when it returns (see {@link #inDurableTransaction}). */
    <T> T inDurableTransactionRetrying(int attempts, Function<Session, T> work) {
        T result = inTransactionRetrying(attempts, work);
        flushDelayedCommits();
        return result;
    }

    /** Writes the commits made so far into the file (embedded H2; nothing to do on PostgreSQL). */
    void flushDelayedCommits() {
        if (!delayedCommits) return;
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        } catch (SQLException e) {
            // the transaction has committed: a failed flush only widens the window a kill could lose it in
            log.warn("could not flush the embedded database's commits: {}", e.getMessage());
        }
    }

    /**
     * Like {@link #inTransaction} but runs the whole transaction again when it lost a race that a retry
     * resolves: a unique key inserted concurrently, a deadlock, a serialization or lock-timeout failure.
     */
    <T> T inTransactionRetrying(int attempts, Function<Session, T> work) {
        for (int i = 1; ; i++) {
            try {
                return inTransaction(work);
            } catch (RuntimeException e) {
                if (i >= attempts || !isTransient(e)) {
                    throw e;
                }
                log.debug("transaction lost a race (attempt {}), retrying: {}", i, e.toString());
            }
        }
    }

    // 23505 unique, 40001 serialization, 40P01 deadlock (PostgreSQL); HYT00 lock timeout, 90131 concurrent update (H2).
    private static final Set<String> TRANSIENT_STATES = Set.of("23505", "40001", "40P01", "HYT00", "90131");

    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && TRANSIENT_STATES.contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The database's clock. All lease and quiet-time decisions use it, so nodes with skewed clocks agree.
     * On PostgreSQL this is the transaction's start time.
     */
    public static Instant now(Session session) {
        return session.doReturningWork(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT CURRENT_TIMESTAMP"); ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getObject(1, OffsetDateTime.class).toInstant();
            }
        });
    }

    /** The database's clock, read in a transaction of its own. */
    public Instant now() {
        return inTransaction(Database::now);
    }

    public boolean isPostgres() {
        return postgres;
    }

    /** For tools and tests that need plain JDBC; the schema belongs to this module. */
    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        try {
            sessionFactory.close();
        } finally {
            dataSource.close();
        }
    }

    /** The URL without its options: those may hold a password. */
    static String redact(String jdbcUrl) {
        int cut = jdbcUrl.length();
        for (char c : new char[] {'?', ';'}) {
            int i = jdbcUrl.indexOf(c);
            if (i >= 0) {
                cut = Math.min(cut, i);
            }
        }
        return jdbcUrl.substring(0, cut);
    }
}
