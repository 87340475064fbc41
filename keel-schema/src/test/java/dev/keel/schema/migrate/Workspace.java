package dev.keel.schema.migrate;

import dev.keel.test.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** A migrations folder and a schema of its own in the class's test database, so tests do not meet. */
final class Workspace {

    final TestDatabase db;
    final Path dir;
    final String schema;

    Workspace(TestDatabase db, Path dir, String schema) throws SQLException {
        this.db = db;
        this.dir = dir;
        this.schema = schema;
        db.execute("drop schema if exists " + schema + " cascade; create schema " + schema);
    }

    Workspace file(String name, String sql) {
        try {
            Files.writeString(dir.resolve(name), sql);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Supplier<Connection> connections() {
        return () -> {
            try {
                Connection c = db.connect();
                try (Statement st = c.createStatement()) {
                    st.execute("set search_path = " + schema);
                }
                return c;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    MigrationSettings settings() {
        return MigrationSettings.of(List.of(dir));
    }

    Migrator migrator() {
        return Migrator.of(connections(), settings());
    }

    List<List<String>> query(String sql) throws SQLException {
        try (Connection c = connections().get(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<List<String>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    long count(String sql) throws SQLException {
        return Long.parseLong(query(sql).get(0).get(0));
    }
}
