package dev.keel.core.sample;

import dev.keel.core.KeelException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds a sample database from a project's migration folders and a data script, for the demo. It runs
 * V files in version order and then R files, each in one transaction, and records no history: until the
 * migration runner exists (keel-schema), this is a loader for throw-away databases only.
 */
public final class SampleLoader {

    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__(.+)\\.sql");
    private static final Pattern REPEATABLE = Pattern.compile("R__(.+)\\.sql");

    private SampleLoader() {
    }

    /** The V files of the folders in version order, then the R files by name. */
    public static List<Path> migrationFiles(List<Path> folders) {
        List<Path> versioned = new ArrayList<>();
        List<Path> repeatable = new ArrayList<>();
        for (Path folder : folders) {
            if (!Files.isDirectory(folder)) {
                throw new KeelException("migrations folder not found: " + folder,
                        "create it, or set schema.locations in keel.yaml", KeelException.USAGE, null);
            }
            try (Stream<Path> files = Files.walk(folder)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    String n = p.getFileName().toString();
                    if (VERSIONED.matcher(n).matches()) {
                        versioned.add(p);
                    } else if (REPEATABLE.matcher(n).matches()) {
                        repeatable.add(p);
                    }
                }
            } catch (IOException e) {
                throw new KeelException("cannot read " + folder + ": " + e.getMessage(), e);
            }
        }
        versioned.sort(Comparator.comparing(SampleLoader::version, SampleLoader::compare));
        repeatable.sort(Comparator.comparing(p -> p.getFileName().toString()));
        List<Path> all = new ArrayList<>(versioned);
        all.addAll(repeatable);
        return all;
    }

    /** Runs each file in its own transaction; {@code onFile} hears of each before it runs. */
    public static void apply(Connection c, List<Path> files, Consumer<Path> onFile) {
        for (Path file : files) {
            onFile.accept(file);
            runScript(c, file, null);
        }
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

    private static List<BigInteger> version(Path p) {
        Matcher m = VERSIONED.matcher(p.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalStateException(p.toString());
        }
        List<BigInteger> parts = new ArrayList<>();
        for (String part : m.group(1).split("[._]")) {
            if (!part.isEmpty()) {
                parts.add(new BigInteger(part));
            }
        }
        return parts;
    }

    private static int compare(List<BigInteger> a, List<BigInteger> b) {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            int c = (i < a.size() ? a.get(i) : BigInteger.ZERO).compareTo(i < b.size() ? b.get(i) : BigInteger.ZERO);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
