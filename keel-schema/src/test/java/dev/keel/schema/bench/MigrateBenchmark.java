package dev.keel.schema.bench;

import dev.keel.schema.migrate.MigrationSettings;
import dev.keel.schema.migrate.Migrator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;

/**
 * Applies N small migrations with Flyway and with Keel, each into a fresh schema of the same database, in
 * alternating rounds, and prints the times and their ratio. Run by bench/migrate-1000.sh; not a test.
 * Arguments: jdbcUrl user password migrations rounds.
 */
public final class MigrateBenchmark {

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String password = args[2];
        int n = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        Path dir = Files.createTempDirectory("keel-bench-migrations");
        for (int i = 1; i <= n; i++) {
            Files.writeString(dir.resolve("V" + i + "__step_" + i + ".sql"), """
                    -- step %1$d
                    create table t%1$d (id bigint generated always as identity primary key, name text not null);
                    insert into t%1$d (name) values ('a'), ('b');
                    """.formatted(i));
        }
        List<Long> keel = new ArrayList<>();
        List<Long> flyway = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            String f = schema("f", r);
            String k = schema("k", r);
            flyway.add(time(() -> runFlyway(url, user, password, dir, f)));
            keel.add(time(() -> runKeel(url, user, password, dir, k)));
        }
        long bestKeel = keel.stream().mapToLong(Long::longValue).min().orElseThrow();
        long bestFlyway = flyway.stream().mapToLong(Long::longValue).min().orElseThrow();
        System.out.printf(Locale.ROOT, "migrations: %d, rounds: %d%n", n, rounds);
        System.out.printf(Locale.ROOT, "flyway migrate: %s ms (best %d ms)%n", flyway, bestFlyway);
        System.out.printf(Locale.ROOT, "keel migrate:   %s ms (best %d ms)%n", keel, bestKeel);
        System.out.printf(Locale.ROOT, "ratio keel/flyway: %.2f (target <= 1.0)%n", bestKeel / (double) bestFlyway);
    }

    private static String schema(String prefix, int round) {
        return "bench_" + prefix + round;
    }

    interface Work {
        void run() throws Exception;
    }

    private static long time(Work w) throws Exception {
        long t0 = System.nanoTime();
        w.run();
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static void fresh(String url, String user, String password, String schema) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement st = c.createStatement()) {
            st.execute("drop schema if exists " + schema + " cascade");
            st.execute("create schema " + schema);
        }
    }

    private static void runFlyway(String url, String user, String password, Path dir, String schema) throws SQLException {
        fresh(url, user, password, schema);
        FluentConfiguration cfg = Flyway.configure().dataSource(url + "?currentSchema=" + schema, user, password)
                .locations("filesystem:" + dir).schemas(schema);
        cfg.getPluginRegister().getPlugin(PostgreSQLConfigurationExtension.class).setTransactionalLock(false);
        int applied = cfg.load().migrate().migrationsExecuted;
        check(applied);
    }

    private static void runKeel(String url, String user, String password, Path dir, String schema) throws SQLException {
        fresh(url, user, password, schema);
        Migrator m = Migrator.of(() -> {
            try {
                Connection c = DriverManager.getConnection(url, user, password);
                try (Statement st = c.createStatement()) {
                    st.execute("set search_path = " + schema);
                }
                return c;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, MigrationSettings.of(List.of(dir)));
        check(m.migrate(null, new Migrator.Listener() { }).applied().size());
    }

    private static void check(int applied) {
        if (applied == 0) {
            throw new IllegalStateException("nothing was applied");
        }
    }
}
