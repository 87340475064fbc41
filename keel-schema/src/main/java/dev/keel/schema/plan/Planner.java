package dev.keel.schema.plan;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.Table;
import dev.keel.core.catalog.TableStatistics;
import dev.keel.core.catalog.View;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.schema.measure.Measurement;
import dev.keel.schema.measure.MigrationMeasurer;
import dev.keel.schema.measure.ScratchDatabase;
import dev.keel.schema.migrate.MigrationVersion;
import dev.keel.schema.migrate.ResolvedMigration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Plans pending migrations against a live target without touching it: the migrations already applied are
 * replayed into a throw-away database in the embedded server, the pending ones are run there statement by
 * statement and measured ({@link MigrationMeasurer}), and what was measured is combined with the target's
 * table sizes from its {@link Catalog}. The target is read only through that catalog.
 *
 * <p>Duration estimate. On the scratch copy the tables are (nearly) empty, so its times say nothing about
 * the target's. A statement that rewrites a table is estimated at the table's size, indexes included, over
 * {@link #REWRITE_BYTES_PER_SECOND}; one that only reads tables in full at their size over
 * {@link #SCAN_BYTES_PER_SECOND}; anything else at the time measured on the scratch copy, which is added to
 * the others too. These throughputs are assumptions, not measurements of the target: they suit a server with
 * SSD storage and an idle disk, and are a lower bound on a busy one. Work that is not a scan or a rewrite
 * (sorting for an index build, updating every row) is not in the estimate.
 */
public final class Planner {

    /**
     * Assumed speed of a table rewrite (ALTER TABLE ... TYPE, a volatile default, VACUUM FULL): it reads the
     * old file, writes the new one and its WAL, then rebuilds each index: about 100 MB/s on SSD storage.
     */
    static final long REWRITE_BYTES_PER_SECOND = 100L * 1024 * 1024;

    /**
     * Assumed speed of a sequential scan that validates a constraint or feeds an index build: reading only,
     * mostly from the OS cache or SSD: about 400 MB/s.
     */
    static final long SCAN_BYTES_PER_SECOND = 400L * 1024 * 1024;

    private static final int PREVIEW = 200;

    private Planner() {
    }

    /**
     * Plans {@code pending} in the order given.
     *
     * @param scratchServer  a running embedded server; a scratch database is created in it and dropped after
     * @param locations      the project's migration folders, to replay the applied migrations from
     * @param appliedVersion the target's current version; null when nothing is applied yet
     * @param pending        the migrations {@code keel migrate} would apply, in its order
     * @param targetCatalog  the target's catalog, read with statistics, for row counts and sizes
     * @throws dev.keel.schema.migrate.MigrationException when the applied migrations fail on the scratch copy
     */
    public static Plan plan(EmbeddedPostgres scratchServer, List<Path> locations, MigrationVersion appliedVersion,
                            List<ResolvedMigration> pending, Catalog targetCatalog) {
        Objects.requireNonNull(scratchServer, "null scratchServer");
        Objects.requireNonNull(locations, "null locations");
        Objects.requireNonNull(pending, "null pending");
        Objects.requireNonNull(targetCatalog, "null targetCatalog");
        Sizes sizes = Sizes.of(targetCatalog);
        List<PlannedStatement> out = new ArrayList<>();
        try (ScratchDatabase scratch = ScratchDatabase.create(scratchServer)) {
            if (appliedVersion != null) {
                scratch.applyMigrations(locations, appliedVersion);
            }
            try (MigrationMeasurer measurer = MigrationMeasurer.open(scratch)) {
                for (ResolvedMigration migration : pending) {
                    boolean failed = false;
                    for (Measurement m : measurer.measure(migration)) {
                        out.add(planned(migration.path().toString(), m, sizes));
                        failed |= m.outcome() == Measurement.Outcome.FAILED;
                    }
                    if (failed) {
                        break; // later migrations would run on a schema the target never gets
                    }
                }
            }
        }
        return new Plan(out);
    }

    static PlannedStatement planned(String file, Measurement m, Sizes sizes) {
        Set<String> rewritten = new LinkedHashSet<>();
        m.rewritten().stream().filter(r -> !r.kind().contains("index")).forEach(r -> rewritten.add(r.relation()));
        Set<String> scanned = new LinkedHashSet<>();
        m.scanned().forEach(s -> scanned.add(s.relation()));
        Set<String> affected = new LinkedHashSet<>(rewritten);
        affected.addAll(scanned);
        m.locks().stream()
                .filter(l -> l.kind().equals("table") || l.kind().equals("partitioned table")
                        || l.kind().equals("materialized view"))
                .filter(l -> !l.mode().equals("AccessShareLock") && !l.mode().equals("RowShareLock")
                        && !l.mode().equals("RowExclusiveLock"))
                .forEach(l -> affected.add(l.relation()));

        double millis = m.millis();
        for (String table : rewritten) {
            TableStatistics s = sizes.statistics(table);
            if (s != null) {
                millis += (s.tableBytes() + s.indexBytes()) * 1000.0 / REWRITE_BYTES_PER_SECOND;
            }
        }
        for (String table : scanned) {
            TableStatistics s = sizes.statistics(table);
            if (s != null && !rewritten.contains(table)) {
                millis += s.tableBytes() * 1000.0 / SCAN_BYTES_PER_SECOND;
            }
        }
        return new PlannedStatement(file, m.line(), preview(m.statement()), m.outcome(), m.message(), m.transactional(),
                m.locks(), !m.rewritten().isEmpty(), !m.scanned().isEmpty(), sizes.rows(affected), sizes.bytes(affected),
                Math.round(Math.ceil(millis)));
    }

    private static String preview(String sql) {
        if (sql.length() <= PREVIEW) {
            return sql;
        }
        int end = Character.isHighSurrogate(sql.charAt(PREVIEW - 1)) ? PREVIEW - 1 : PREVIEW;
        return sql.substring(0, end);
    }

    /**
     * The target's statistics by qualified name. A partitioned table's rows are those of its partitions, so
     * when partitions are among the affected tables their parent is not counted again.
     */
    record Sizes(Map<String, TableStatistics> byName, Map<String, String> parentOf, Set<String> partitioned) {

        static Sizes of(Catalog catalog) {
            Map<String, TableStatistics> stats = new HashMap<>();
            Map<String, String> parents = new HashMap<>();
            Set<String> partitioned = new LinkedHashSet<>();
            for (Table t : catalog.tables()) {
                String name = t.schema() + "." + t.name();
                if (t.statistics() != null) {
                    stats.put(name, t.statistics());
                }
                if (t.partitionOf() != null) {
                    parents.put(name, t.partitionOf().schema() + "." + t.partitionOf().name());
                }
                if (t.partitioned()) {
                    partitioned.add(name);
                }
            }
            for (View v : catalog.views()) {
                if (v.statistics() != null) {
                    stats.put(v.schema() + "." + v.name(), v.statistics());
                }
            }
            return new Sizes(stats, parents, partitioned);
        }

        TableStatistics statistics(String table) {
            return byName.get(table);
        }

        Long rows(Set<String> tables) {
            Long total = null;
            for (String t : counted(tables)) {
                TableStatistics s = byName.get(t);
                if (s != null && s.rowEstimate() != null) {
                    total = (total == null ? 0 : total) + s.rowEstimate();
                }
            }
            return total;
        }

        Long bytes(Set<String> tables) {
            Long total = null;
            for (String t : counted(tables)) {
                TableStatistics s = byName.get(t);
                if (s != null) {
                    total = (total == null ? 0 : total) + s.totalBytes();
                }
            }
            return total;
        }

        /** The tables to add up: a partitioned table only when none of its partitions is in the set. */
        private List<String> counted(Set<String> tables) {
            Set<String> parentsCovered = new LinkedHashSet<>();
            for (String t : tables) {
                String parent = parentOf.get(t);
                while (parent != null) {
                    parentsCovered.add(parent);
                    parent = parentOf.get(parent);
                }
            }
            return tables.stream().filter(t -> !(partitioned.contains(t) && parentsCovered.contains(t))).toList();
        }
    }
}
