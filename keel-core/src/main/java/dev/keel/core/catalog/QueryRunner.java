package dev.keel.core.catalog;

import dev.keel.core.progress.Progress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the catalog's queries on one connection: binds the schema filter where a query takes it, reads
 * every row, and says which kind of object was being read when the server fails.
 */
final class QueryRunner {

    /** Reads one result row. */
    interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Thrown out of {@link #list} with the kind of object that was being read. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final String what;

        Failure(String what, SQLException cause) {
            super(cause);
            this.what = what;
        }

        SQLException sqlException() {
            return (SQLException) getCause();
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(QueryRunner.class);

    private final Connection connection;
    private final String[] schemas;
    private final Progress progress;

    QueryRunner(Connection connection, List<String> schemas, Progress progress) {
        this.connection = connection;
        this.schemas = schemas.toArray(String[]::new);
        this.progress = progress;
    }

    /** Runs {@code sql}; a query that starts with {@link Sql#USER_SCHEMAS} gets the schema filter bound. */
    <T> List<T> list(String what, String sql, Row<T> row) throws Failure {
        progress.message("reading " + what);
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            if (sql.startsWith(Sql.USER_SCHEMAS)) {
                ps.setArray(1, connection.createArrayOf("text", schemas));
            }
            List<T> out = new ArrayList<>();
            long start = System.nanoTime();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row.read(rs));
                }
            }
            LOG.debug("read {} {} in {} ms", out.size(), what, (System.nanoTime() - start) / 1_000_000);
            progress.advance(1);
            return out;
        } catch (SQLException e) {
            throw new Failure(what, e);
        }
    }

    void execute(String what, String sql) throws Failure {
        try (var st = connection.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new Failure(what, e);
        }
    }
}
