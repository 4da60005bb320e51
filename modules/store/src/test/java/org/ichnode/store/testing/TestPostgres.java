package org.ichnode.store.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fresh database on the real PostgreSQL for one test class. The server comes from system property
 * ichnode.test.pg (a URL of a database on a server where the user may CREATE DATABASE). Fails, not skips,
 * when the server is not there: the suite promises real PostgreSQL.
 */
public final class TestPostgres implements AutoCloseable {
    public static final String ADMIN_URL = System.getProperty("ichnode.test.pg", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private static final Pattern URL = Pattern.compile("^(jdbc:postgresql://[^/]+/)([^?]*)(.*)$");

    private final String name = "ichnode_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final String url;

    public TestPostgres() {
        Matcher m = URL.matcher(ADMIN_URL);
        if (!m.matches()) throw new IllegalStateException("ichnode.test.pg is not a jdbc:postgresql://host/db URL: " + ADMIN_URL);
        url = m.group(1) + name + m.group(3);
        try (Connection c = DriverManager.getConnection(ADMIN_URL); Statement st = c.createStatement()) {
            st.executeUpdate("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("These tests need a PostgreSQL server where they may create databases, at "
                    + ADMIN_URL.replaceAll("password=[^&]*", "password=****") + " (system property ichnode.test.pg): "
                    + e.getMessage(), e);
        }
    }

    /** JDBC URL of the fresh database. */
    public String url() { return url; }

    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(ADMIN_URL); Statement st = c.createStatement()) {
            st.executeUpdate("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
