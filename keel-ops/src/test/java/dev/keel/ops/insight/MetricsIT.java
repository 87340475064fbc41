package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The collectors against the real test server. */
@KeelPostgres
class MetricsIT {

    private static ExpositionParser scrape(TestDatabase db, List<String> problems) throws SQLException {
        try (Connection c = db.connect()) {
            return ExpositionParser.parse(MetricsExposition.text(MetricsCollectors.collect(c, problems::add)));
        }
    }

    private static double xactCommit(ExpositionParser p, TestDatabase db) {
        return p.samples("pg_stat_database_xact_commit").stream()
                .filter(s -> db.name().equals(s.labels().get("datname")))
                .findFirst().orElseThrow().value();
    }

    @Test
    void collect_givesPostgresExporterFamiliesThatParse(TestDatabase db) throws SQLException {
        List<String> problems = new ArrayList<>();
        ExpositionParser p;
        try (Connection other = db.connect(); Statement st = other.createStatement()) {
            st.execute("set application_name = 'keel \"test\" \\ app'");
            p = scrape(db, problems);
        }

        assertThat(problems).isEmpty();
        assertThat(p.samples("pg_up")).singleElement().satisfies(s -> assertThat(s.value()).isEqualTo(1));
        assertThat(p.types).containsEntry("pg_stat_database_xact_commit", "counter")
                .containsEntry("pg_stat_database_numbackends", "gauge")
                .containsKeys("pg_postmaster_start_time_seconds", "pg_database_size_bytes", "pg_stat_activity_count",
                        "pg_stat_activity_max_tx_duration", "pg_locks_count", "pg_replication_lag_seconds",
                        "pg_stat_archiver_archived_count", "pg_stat_archiver_failed_count",
                        "pg_stat_bgwriter_buffers_alloc_total", "pg_settings_max_connections");
        assertThat(p.samples("pg_stat_database_xact_commit")).anySatisfy(s -> {
            assertThat(s.labels()).containsEntry("datname", db.name()).containsKey("datid");
        });
        assertThat(p.samples("pg_database_size_bytes"))
                .anySatisfy(s -> assertThat(s.labels()).containsEntry("datname", db.name()));
        assertThat(p.samples("pg_stat_activity_count"))
                .anySatisfy(s -> assertThat(s.labels()).containsEntry("application_name", "keel \"test\" \\ app")
                        .containsKeys("datname", "state", "usename"));
        assertThat(p.samples("pg_locks_count"))
                .anySatisfy(s -> assertThat(s.labels()).containsEntry("datname", db.name())
                        .containsEntry("mode", "accesssharelock"));
        assertThat(p.samples("pg_settings_max_connections").get(0).value()).isPositive();
    }

    @Test
    void dashboardAndAlerts_useOnlyMetricsKeelEmits(TestDatabase db) throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("dashboards"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("dashboards/ in the working directory or a parent").isNotNull();
        Set<String> emitted = scrape(db, new ArrayList<>()).types.keySet();
        for (String file : List.of("keel-postgres.json", "keel-alerts.yml")) {
            Matcher m = Pattern.compile("\\bpg_[a-z_]+").matcher(Files.readString(dir.resolve("dashboards").resolve(file)));
            Set<String> used = new TreeSet<>();
            while (m.find()) {
                used.add(m.group());
            }
            assertThat(used).as(file).isNotEmpty();
            assertThat(emitted).as(file).containsAll(used);
        }
    }

    @Test
    void xactCommit_increasesAfterTransactions(TestDatabase db) throws Exception {
        double before = xactCommit(scrape(db, new ArrayList<>()), db);
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            for (int i = 0; i < 5; i++) {
                try (Statement st = c.createStatement()) {
                    st.execute("select 1");
                }
                c.commit();
            }
        }
        // statistics reach pg_stat_database when a backend flushes them (at the latest when it exits): wait for that
        double after = before;
        for (int i = 0; i < 100 && after <= before; i++) {
            Thread.sleep(200);
            after = xactCommit(scrape(db, new ArrayList<>()), db);
        }
        assertThat(after).isGreaterThan(before);
    }
}
