package org.ichnode.store.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.ichnode.store.Database;

/** Rows that tests put straight into the node database (studies, series, instances the node would have received). */
public final class TestRows {
    private TestRows() {}

    /** Runs one INSERT with {@code values} bound in order; returns the generated {@code id}. */
    public static long insert(Database db, String sql, Object... values) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement st = c.prepareStatement(sql, new String[] {"id"})) {
            for (int i = 0; i < values.length; i++) st.setObject(i + 1, values[i]);
            st.executeUpdate();
            try (ResultSet rs = st.getGeneratedKeys()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
