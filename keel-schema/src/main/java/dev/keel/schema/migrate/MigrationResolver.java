package dev.keel.schema.migrate;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the migration files of a project's locations, in Flyway's naming: {@code V<version>__<description>.sql},
 * {@code U<version>__<description>.sql} and {@code R__<description>.sql}. Every {@code .sql} file in a location
 * must be one of those; a name that is not (one underscore, no version, another extension case) is an error
 * naming the file, as are two files with the same version.
 */
public final class MigrationResolver {

    private static final Pattern NAME = Pattern.compile("([VU])([^_]+(?:_[^_]+)*?)__(.+)\\.sql|R__(.+)\\.sql");

    private MigrationResolver() {
    }

    /** Every migration file of the locations: versioned and undo files in version order, then repeatables by description. */
    public static List<ResolvedMigration> resolve(List<Path> locations) {
        List<ResolvedMigration> all = new ArrayList<>();
        for (Path location : locations) {
            if (!Files.isDirectory(location)) {
                throw MigrationException.badFile("migrations folder not found: " + location,
                        "create it, or set schema.locations in keel.yaml");
            }
            try (Stream<Path> files = Files.walk(location)) {
                for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                    String name = file.getFileName().toString();
                    if (name.toLowerCase(java.util.Locale.ROOT).endsWith(".sql")) {
                        all.add(parse(file));
                    }
                }
            } catch (IOException e) {
                throw new MigrationException("cannot read " + location + ": " + e.getMessage(), null,
                        MigrationException.RUNTIME, e);
            }
        }
        checkDuplicates(all);
        all.sort(ORDER);
        return List.copyOf(all);
    }

    static final Comparator<ResolvedMigration> ORDER = Comparator
            .comparing((ResolvedMigration m) -> m.kind() == ResolvedMigration.Kind.REPEATABLE)
            .thenComparing(m -> m.version(), Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(ResolvedMigration::kind)
            .thenComparing(ResolvedMigration::description);

    static ResolvedMigration parse(Path file) {
        String name = file.getFileName().toString();
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw MigrationException.badFile(file + ": not a migration file name",
                    "name it V<version>__<description>.sql, U<version>__<description>.sql or R__<description>.sql "
                            + "(two underscores), or move it out of the migrations folder");
        }
        String content = read(file);
        int checksum = Checksums.of(content);
        if (m.group(4) != null) {
            return new ResolvedMigration(ResolvedMigration.Kind.REPEATABLE, null, description(m.group(4)), name, file,
                    checksum);
        }
        MigrationVersion version;
        try {
            version = MigrationVersion.parse(m.group(2));
        } catch (IllegalArgumentException e) {
            throw MigrationException.badFile(file + ": '" + m.group(2) + "' is not a version",
                    "use numbers separated by dots or single underscores, e.g. V1__, V1.2__, V20261125_1__");
        }
        ResolvedMigration.Kind kind = m.group(1).equals("V") ? ResolvedMigration.Kind.VERSIONED : ResolvedMigration.Kind.UNDO;
        return new ResolvedMigration(kind, version, description(m.group(3)), name, file, checksum);
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw MigrationException.badFile(file + ": not valid UTF-8", "save the file as UTF-8");
        } catch (IOException e) {
            throw new MigrationException("cannot read " + file + ": " + e.getMessage(), null, MigrationException.RUNTIME, e);
        }
    }

    private static String description(String raw) {
        return raw.replace('_', ' ');
    }

    private static void checkDuplicates(List<ResolvedMigration> all) {
        Map<String, ResolvedMigration> seen = new HashMap<>();
        for (ResolvedMigration m : all) {
            String key = m.kind() == ResolvedMigration.Kind.REPEATABLE ? "R:" + m.description()
                    : m.kind().name() + ":" + m.version();
            ResolvedMigration other = seen.putIfAbsent(key, m);
            if (other != null) {
                throw MigrationException.badFile("two migrations with " + (m.version() == null
                        ? "the description '" + m.description() + "'" : "version " + m.version()) + ": "
                        + other.path() + " and " + m.path(), "rename one of them");
            }
        }
        for (ResolvedMigration m : all) {
            if (m.kind() == ResolvedMigration.Kind.UNDO && !seen.containsKey("VERSIONED:" + m.version())) {
                throw MigrationException.badFile(m.path() + ": undo file without a V" + m.version() + "__ migration",
                        "rename it to match its V file's version, or delete it");
            }
        }
    }
}
