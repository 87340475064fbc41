package dev.keel.schema.measure;

import dev.keel.core.sql.SqlSplitter;
import dev.keel.core.sql.SqlStatement;
import dev.keel.schema.migrate.ResolvedMigration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Measures migration files statement by statement on a scratch database that holds the schema the earlier
 * migrations build. One measurer keeps one session for all the files it measures, as {@code keel migrate}
 * does, so a {@code SET} in one file still holds in the next.
 *
 * <p>A statement that fails on the scratch copy ends the file: its measurement carries the error and the
 * statements after it are not run (they would run against a schema the real migration never leaves behind).
 */
public final class MigrationMeasurer implements AutoCloseable {

    private final Connection connection;
    private final StatementProbe probe;

    private MigrationMeasurer(Connection connection, StatementProbe probe) {
        this.connection = connection;
        this.probe = probe;
    }

    /** A measurer with a session of its own on {@code scratch}; close it when done. */
    public static MigrationMeasurer open(ScratchDatabase scratch) {
        Objects.requireNonNull(scratch, "null scratch");
        Connection c;
        try {
            c = scratch.connect();
            c.setAutoCommit(true);
        } catch (SQLException e) {
            throw new MeasureException("cannot connect to the scratch database " + scratch.name() + ": "
                    + StatementProbe.firstLine(e), null, e);
        }
        try {
            return new MigrationMeasurer(c, StatementProbe.of(c, scratch::connect));
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** Measures one migration file in a session of its own on {@code scratch}; see {@link #measure(Path)}. */
    public static List<Measurement> measure(ScratchDatabase scratch, Path file) {
        try (MigrationMeasurer measurer = open(scratch)) {
            return measurer.measure(file);
        }
    }

    public List<Measurement> measure(ResolvedMigration migration) {
        Objects.requireNonNull(migration, "null migration");
        return measure(migration.path());
    }

    /**
     * Splits the file and measures its statements in order, up to and including the first that fails.
     *
     * @throws dev.keel.core.sql.SqlSyntaxException when the file cannot be split into statements
     */
    public List<Measurement> measure(Path file) {
        Objects.requireNonNull(file, "null file");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MeasureException("cannot read " + file + ": " + e.getMessage(), null, e);
        }
        return measure(SqlSplitter.split(text, file.toString()));
    }

    /** Measures statements in order, up to and including the first that fails. */
    public List<Measurement> measure(List<SqlStatement> statements) {
        Objects.requireNonNull(statements, "null statements");
        List<Measurement> out = new ArrayList<>();
        for (SqlStatement s : statements) {
            Measurement m = probe.probe(s);
            out.add(m);
            if (m.outcome() == Measurement.Outcome.FAILED) {
                break;
            }
        }
        return out;
    }

    @Override
    public void close() {
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // nothing more to release
        }
    }
}
