package dev.keel.schema.drift;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.CatalogOptions;
import dev.keel.core.catalog.CatalogReader;
import dev.keel.core.KeelException;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.schema.diff.CatalogDiff;
import dev.keel.schema.diff.Difference;
import dev.keel.schema.measure.ScratchDatabase;
import dev.keel.schema.migrate.MigrationVersion;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Schema drift: what a live database has that its migrations do not say, and the other way round. The
 * expected schema comes from replaying the project's migrations, up to the version the target is at, into
 * a scratch database of the embedded server; both are read into the catalog and compared object by object.
 */
public final class DriftCheck {

    private DriftCheck() {
    }

    /**
     * The differences between what the migrations build (up to {@code upTo}; null: all) and the target,
     * each with the DDL that would make the target match. Tables in {@code ignoredTables} (the migrator's
     * own history tables) are left out.
     */
    public static List<Difference> drift(EmbeddedPostgres scratchServer, List<Path> locations, MigrationVersion upTo,
                                         Connection target, Set<String> ignoredTables) {
        Objects.requireNonNull(target, "null target");
        Catalog expected;
        try (ScratchDatabase scratch = ScratchDatabase.create(scratchServer)) {
            scratch.applyMigrations(locations, upTo);
            try (Connection c = scratch.connect()) {
                expected = CatalogReader.read(c, CatalogOptions.defaults().withStatistics(false));
            }
        } catch (SQLException e) {
            throw new KeelException("cannot read the scratch database: " + e.getMessage(), e);
        }
        Catalog actual = CatalogReader.read(target, CatalogOptions.defaults().withStatistics(false));
        return withoutTables(CatalogDiff.compare(expected, actual), ignoredTables);
    }

    /** The differences that turn {@code from} into {@code to}: the DDL runs on {@code from}. */
    public static List<Difference> diff(Connection from, Connection to, Set<String> ignoredTables) {
        Catalog actual = CatalogReader.read(from, CatalogOptions.defaults().withStatistics(false));
        Catalog expected = CatalogReader.read(to, CatalogOptions.defaults().withStatistics(false));
        return withoutTables(CatalogDiff.compare(expected, actual), ignoredTables);
    }

    static List<Difference> withoutTables(List<Difference> differences, Set<String> tables) {
        return differences.stream().filter(d -> tables.stream().noneMatch(t -> mentions(d.object(), t))).toList();
    }

    private static boolean mentions(String object, String table) {
        String[] parts = object.split("\\.");
        return parts.length >= 2 && (parts[1].equals(table) || parts[1].startsWith(table + "("));
    }
}
