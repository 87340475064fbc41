package dev.keel.schema.migrate;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/** Writes the next migration of a project: a V file and the U file that reverses it. */
public final class MigrationScaffold {

    private MigrationScaffold() {
    }

    /**
     * Writes {@code V<next>__<name>.sql} and {@code U<next>__<name>.sql} in the first location, where next is
     * the newest major version plus one; returns both paths.
     */
    public static List<Path> create(List<Path> locations, String name) {
        String slug = name == null ? "" : name.strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_")
                .replaceAll("^_+|_+$", "");
        if (slug.isEmpty()) {
            throw MigrationException.badFile("the migration needs a name of letters or digits, e.g. add_order_notes", null);
        }
        Path folder = locations.get(0);
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new MigrationException("cannot create " + folder + ": " + e.getMessage(), null, MigrationException.RUNTIME, e);
        }
        MigrationVersion next = MigrationResolver.resolve(locations).stream()
                .filter(m -> m.version() != null)
                .map(ResolvedMigration::version)
                .max(MigrationVersion::compareTo)
                .map(MigrationVersion::nextMajor)
                .orElse(new MigrationVersion(List.of(BigInteger.ONE)));
        Path v = folder.resolve("V" + next + "__" + slug + ".sql");
        Path u = folder.resolve("U" + next + "__" + slug + ".sql");
        try {
            Files.writeString(v, "-- " + name.strip() + "\n-- Keel runs this file in one transaction unless it holds statements that cannot run in one.\n\n",
                    StandardOpenOption.CREATE_NEW);
            Files.writeString(u, "-- Reverses V" + next + "__" + slug + ".sql (keel undo runs it).\n\n", StandardOpenOption.CREATE_NEW);
        } catch (IOException e) {
            throw new MigrationException("cannot write " + v + ": " + e.getMessage(), null, MigrationException.RUNTIME, e);
        }
        return List.of(v, u);
    }
}
