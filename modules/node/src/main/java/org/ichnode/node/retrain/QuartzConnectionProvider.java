package org.ichnode.node.retrain;

import org.quartz.utils.ConnectionProvider;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Quartz's job store takes its connections from the node's own pool (org.ichnode.store.Database). */
final class QuartzConnectionProvider implements ConnectionProvider {
    private final DataSource dataSource;

    QuartzConnectionProvider(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void shutdown() {
        // the pool belongs to Database, which closes it
    }

    @Override
    public void initialize() {
        // nothing: the pool is open already
    }
}
