package dev.keel.core.sample;

import dev.keel.core.KeelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Fills a sample database with generated data, for the demo: runs a data script at a given scale. */
public final class SampleLoader {

    private SampleLoader() {
    }

    /**
     * Runs a data script in one transaction with {@code keel.scale} set for it (scripts read it with
     * {@code current_setting('keel.scale', true)}).
     */
    public static void generate(Connection c, Path script, int scale) {
        if (scale < 1) {
            throw new KeelException("scale must be 1 or more, was " + scale, null, KeelException.USAGE, null);
        }
        runScript(c, script, "SET keel.scale = " + scale);
    }

    private static void runScript(Connection c, Path file, String setup) {
        String sql;
        try {
            sql = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KeelException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            boolean auto = c.getAutoCommit();
            try (Statement st = c.createStatement()) {
                if (setup != null) {
                    st.execute(setup);
                }
                c.setAutoCommit(false);
                st.execute(sql);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw new KeelException(file.getFileName() + " failed: " + e.getMessage(), null,
                        KeelException.RUNTIME, e);
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new KeelException("cannot run " + file.getFileName() + ": " + e.getMessage(), e);
        }
    }

}
