package dev.keel.test;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Applies a folder of Flyway-named migrations to a test database: {@code V<version>__*.sql} in version
 * order, then {@code R__*.sql} by name. It records no history; Keel's migration runner does that for real
 * projects. Each file runs as one JDBC statement batch in its own transaction.
 */
final class MigrationFolder {

    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__.+\\.sql");
    private static final Pattern REPEATABLE = Pattern.compile("R__.+\\.sql");

    private MigrationFolder() {
    }

    static Path resolve(String location, Class<?> testClass) {
        if (location.startsWith("classpath:")) {
            String resource = location.substring("classpath:".length()).replaceAll("^/+", "");
            URL url = testClass.getClassLoader().getResource(resource);
            if (url == null || !"file".equals(url.getProtocol())) {
                throw new IllegalArgumentException("migrations folder not found on the class path: " + location);
            }
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("bad migrations location " + location, e);
            }
        }
        Path given = Path.of(location);
        if (given.isAbsolute()) {
            if (!Files.isDirectory(given)) {
                throw new IllegalArgumentException("migrations folder not found: " + location);
            }
            return given;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve(location))) {
                return dir.resolve(location);
            }
        }
        throw new IllegalArgumentException("migrations folder not found: " + location
                + " (looked in " + Path.of("").toAbsolutePath() + " and its parents)");
    }

    static List<Path> ordered(Path folder) throws IOException {
        List<Path> versioned = new ArrayList<>();
        List<Path> repeatable = new ArrayList<>();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                String n = p.getFileName().toString();
                if (VERSIONED.matcher(n).matches()) {
                    versioned.add(p);
                } else if (REPEATABLE.matcher(n).matches()) {
                    repeatable.add(p);
                }
            }
        }
        versioned.sort(Comparator.comparing(MigrationFolder::version, MigrationFolder::compareVersions));
        repeatable.sort(Comparator.comparing(p -> p.getFileName().toString()));
        List<Path> all = new ArrayList<>(versioned);
        all.addAll(repeatable);
        return all;
    }

    static void apply(Connection c, Path folder) throws IOException, SQLException {
        for (Path file : ordered(folder)) {
            String sql = Files.readString(file, StandardCharsets.UTF_8);
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute(sql);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw new SQLException("migration " + file.getFileName() + " failed: " + e.getMessage(),
                        e.getSQLState(), e);
            } finally {
                c.setAutoCommit(auto);
            }
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

    static int compareVersions(List<BigInteger> a, List<BigInteger> b) {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            BigInteger x = i < a.size() ? a.get(i) : BigInteger.ZERO;
            BigInteger y = i < b.size() ? b.get(i) : BigInteger.ZERO;
            int c = x.compareTo(y);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
