package org.ichnode.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The store on a real PostgreSQL. The server comes from system property ichnode.test.pg (a URL of a
 * database on a server where the user may CREATE DATABASE); each run creates and drops its own database.
 * Fails, not skips, when the server is not there.
 */
class PostgresStoreTest extends StoreContractTest {
    static final String ADMIN_URL = System.getProperty("ichnode.test.pg", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private static final Pattern URL = Pattern.compile("^(jdbc:postgresql://[^/]+/)([^?]*)(.*)$");

    private final String name = "ichnode_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private String url;

    @Override
    protected Database openFreshDatabase() throws SQLException {
        Matcher m = URL.matcher(ADMIN_URL);
        if (!m.matches()) {
            throw new IllegalStateException("ichnode.test.pg is not a jdbc:postgresql://host/db URL: " + ADMIN_URL);
        }
        url = m.group(1) + name + m.group(3);
        try (Connection c = DriverManager.getConnection(ADMIN_URL); Statement st = c.createStatement()) {
            st.executeUpdate("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("These tests need a PostgreSQL server where they may create databases, at "
                    + Database.redact(ADMIN_URL) + " (system property ichnode.test.pg): " + e.getMessage(), e);
        }
        return Database.open(url);
    }

    /** Another pool on the same database: the same as a second node process for the database. */
    @Override
    protected Database openSecond() {
        return Database.open(url);
    }

    @Override
    protected void dropDatabase() throws SQLException {
        if (url == null) {
            return;
        }
        try (Connection c = DriverManager.getConnection(ADMIN_URL); Statement st = c.createStatement()) {
            st.executeUpdate("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
