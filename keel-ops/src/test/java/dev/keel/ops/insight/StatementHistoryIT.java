package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.ops.insight.StatementHistory.Interval;
import dev.keel.ops.insight.StatementHistory.Retention;
import dev.keel.ops.insight.StatementHistory.StatementDelta;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Snapshots of a real workload on the shared test server: every query of pg_stat_statements here is limited to
 * this class's database, since other classes run statements on the same server.
 */
@KeelPostgres
class StatementHistoryIT {

    private static final String SLEEP = "select pg_sleep(?)";
    private static final String LOOKUP = "select v from items where id = ?";

    @BeforeEach
    void freshHistory(TestDatabase db) throws SQLException {
        db.execute("""
                drop schema if exists keel_history cascade;
                create extension if not exists pg_stat_statements;
                drop table if exists items, grows;
                create table items (id int primary key, v text);
                insert into items select g, 'item ' || g from generate_series(1, 1000) g;
                select pg_stat_statements_reset(0, (select oid from pg_database where datname = current_database()), 0);
                """);
    }

    private static void run(Connection c, String sql, int times, double arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < times; i++) {
                if (sql.equals(SLEEP)) {
                    ps.setDouble(1, arg);
                } else {
                    ps.setInt(1, 1 + i % 1000);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rs.getString(1);
                    }
                }
            }
        }
    }

    private static long queryid(Connection c, String normalized) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select queryid from pg_stat_statements
                where dbid = (select oid from pg_database where datname = current_database()) and query = ?""")) {
            ps.setString(1, normalized);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("pg_stat_statements has " + normalized).isTrue();
                return rs.getLong(1);
            }
        }
    }

    private static Optional<StatementDelta> delta(Interval i, long queryid) {
        return i.statements().stream().filter(d -> d.queryid() == queryid).findFirst();
    }

    private static List<Interval> all(Connection c) {
        return StatementHistory.intervals(c, Instant.EPOCH, Instant.now().plusSeconds(60));
    }

    @Test
    void intervals_holdWhatRanBetweenSnapshots_andTheSlowedStatementIsARegression(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            StatementHistory.Snapshot first = StatementHistory.snapshot(c);
            run(c, SLEEP, 20, 0.001);
            run(c, LOOKUP, 30, 0);
            StatementHistory.snapshot(c);
            run(c, SLEEP, 20, 0.02); // same normalized statement, now 20x slower for real
            run(c, LOOKUP, 30, 0);
            StatementHistory.Snapshot last = StatementHistory.snapshot(c);
            long sleep = queryid(c, "select pg_sleep($1)");
            long lookup = queryid(c, "select v from items where id = $1");

            assertThat(first.statementsAvailable()).isTrue();
            assertThat(last.statements()).isPositive();
            assertThat(last.notes()).isEmpty();
            List<Interval> intervals = all(c);
            assertThat(intervals).hasSize(2);
            for (Interval i : intervals) {
                assertThat(i.reset()).isFalse();
                assertThat(delta(i, sleep)).get().satisfies(d -> assertThat(d.calls()).isEqualTo(20));
                assertThat(delta(i, lookup)).get().satisfies(d -> {
                    assertThat(d.calls()).isEqualTo(30);
                    assertThat(d.rows()).isEqualTo(30);
                });
                assertThat(i.statements()).noneMatch(d -> d.query().contains("keel_history") || d.query().startsWith("/* keel"));
            }
            // pg_sleep(0.02) sleeps at least 20 ms a call
            assertThat(delta(intervals.get(1), sleep).orElseThrow().totalMillis()).isGreaterThanOrEqualTo(400);
            assertThat(delta(intervals.get(1), sleep).orElseThrow().meanMillis())
                    .isGreaterThan(2 * delta(intervals.get(0), sleep).orElseThrow().meanMillis());

            Findings findings = StatementHistory.trendFindings(c);
            List<Finding> regressions = findings.list().stream()
                    .filter(f -> f.rule().equals("insight.statement-regression")).toList();
            assertThat(regressions).singleElement().satisfies(f -> {
                assertThat(f.object()).isEqualTo("queryid " + sleep);
                assertThat(f.evidence()).containsEntry("queryid", sleep).containsEntry("lastCalls", 20L)
                        .containsEntry("earlierCalls", 20L);
                assertThat(f.remedy()).contains("keel explain");
            });

            List<Interval> one = StatementHistory.intervals(c, Instant.EPOCH, Instant.now().plusSeconds(60),
                    OptionalLong.of(lookup), 5);
            assertThat(one).hasSize(2).allSatisfy(i -> assertThat(i.statements()).singleElement()
                    .satisfies(d -> assertThat(d.queryid()).isEqualTo(lookup)));
        }
    }

    @Test
    void intervals_afterAResetOfThisDatabaseStartFromZero(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            StatementHistory.snapshot(c);
            run(c, LOOKUP, 50, 0);
            StatementHistory.snapshot(c);
            long lookup = queryid(c, "select v from items where id = $1");
            try (Statement st = c.createStatement()) {
                st.execute("select pg_stat_statements_reset(0, (select oid from pg_database where datname = current_database()), 0)");
            }
            run(c, LOOKUP, 5, 0);
            StatementHistory.snapshot(c);

            List<Interval> intervals = all(c);
            assertThat(intervals).hasSize(2);
            assertThat(delta(intervals.get(0), lookup).orElseThrow().calls()).isEqualTo(50);
            Interval afterReset = intervals.get(1);
            assertThat(afterReset.reset()).isTrue();
            assertThat(delta(afterReset, lookup).orElseThrow()).satisfies(d -> {
                assertThat(d.calls()).isEqualTo(5);
                assertThat(d.reset()).isTrue();
            });
            assertThat(afterReset.statements()).allSatisfy(d -> {
                assertThat(d.calls()).isPositive();
                assertThat(d.totalMillis()).isNotNegative();
                assertThat(d.rows()).isNotNegative();
                assertThat(d.blocksRead()).isNotNegative();
            });
        }
    }

    @Test
    void growth_seesATableAndTheDatabaseGrow(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            db.execute("create table grows (id bigint, pad text); insert into grows values (1, 'x')");
            StatementHistory.snapshot(c);
            db.execute("insert into grows select g, repeat('x', 200) from generate_series(1, 20000) g");
            StatementHistory.snapshot(c);

            StatementHistory.Growth g = StatementHistory.growth(c);
            assertThat(g.snapshots()).isEqualTo(2);
            assertThat(g.database()).get().satisfies(d -> {
                assertThat(d.lastBytes()).isGreaterThan(d.firstBytes());
                assertThat(d.bytesPerDay()).isPositive();
            });
            assertThat(g.tables()).first().satisfies(t -> {
                assertThat(t.name()).isEqualTo("public.grows");
                assertThat(t.lastBytes()).isGreaterThan(4_000_000).isGreaterThan(t.firstBytes());
                assertThat(t.projected30Days()).isGreaterThan(t.lastBytes());
            });
            assertThat(g.tables()).noneMatch(t -> t.name().startsWith("keel."));

            // the default rules want a day of history; a zero span lets two snapshots seconds apart count
            var rules = new StatementHistory.TrendRules(Duration.ofDays(7), 2, 10, 1, 5, 100, 10, 1 << 20, Duration.ZERO);
            Findings f = StatementHistory.trendFindings(c, rules);
            assertThat(f.list()).filteredOn(x -> x.rule().equals("insight.fast-growth"))
                    .anySatisfy(x -> {
                        assertThat(x.object()).isEqualTo("public.grows");
                        assertThat(x.evidence()).containsKeys("bytesPerDay", "projected30DaysBytes");
                    })
                    .noneSatisfy(x -> assertThat(x.object()).isEqualTo("public.items"));
            assertThat(StatementHistory.trendFindings(c).list()).noneMatch(x -> x.rule().equals("insight.fast-growth"));
        }
    }

    @Test
    void snapshot_withRetentionPrunesTheOldest(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            for (int i = 0; i < 4; i++) {
                StatementHistory.snapshot(c);
            }
            StatementHistory.Snapshot s = StatementHistory.snapshot(c, Retention.count(2));
            assertThat(s.pruned()).isEqualTo(3);
            assertThat(StatementHistory.snapshots(c)).hasSize(2).last().satisfies(x -> assertThat(x.id()).isEqualTo(s.id()));
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "select count(*) from keel_history.insight_size where snapshot_id < " + s.id() + " - 1")) {
                rs.next();
                assertThat(rs.getLong(1)).as("sizes of pruned snapshots are gone").isZero();
            }

            Thread.sleep(1100);
            assertThat(StatementHistory.prune(c, Retention.age(Duration.ofSeconds(1)))).isEqualTo(1);
            assertThat(StatementHistory.snapshots(c)).singleElement().satisfies(x -> assertThat(x.id()).isEqualTo(s.id()));
        }
    }

    @Test
    void snapshot_withoutPgStatStatementsStoresSizesAndSaysSo(TestDatabase db) throws Exception {
        db.execute("drop extension pg_stat_statements");
        try (Connection c = db.connect()) {
            StatementHistory.Snapshot s = StatementHistory.snapshot(c);
            assertThat(s.statementsAvailable()).isFalse();
            assertThat(s.statements()).isZero();
            assertThat(s.tables()).isEqualTo(1);
            assertThat(s.databaseBytes()).isPositive();
            assertThat(s.notes()).singleElement().asString().contains("CREATE EXTENSION pg_stat_statements");
            assertThat(all(c)).isEmpty();
        } finally {
            db.execute("create extension if not exists pg_stat_statements");
        }
    }

    @Test
    void snapshot_asAnOrdinaryRoleWithCreateOnTheDatabase_storesStatements(TestDatabase db) throws Exception {
        // shared_preload_libraries is superuser-only: reading it with current_setting() failed the whole snapshot
        String role = "keel_owner_" + db.name().replaceAll("[^a-z0-9_]", "");
        db.execute("create role " + role + " login password 'owner'; grant create on database " + db.name() + " to " + role);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), role, "owner")) {
            c.createStatement().execute("select 1");
            StatementHistory.Snapshot s = StatementHistory.snapshot(c);

            assertThat(s.statementsAvailable()).isTrue();
            assertThat(s.notes()).isEmpty();
            assertThat(s.statements()).isPositive();
        } finally {
            db.execute("drop schema if exists keel_history cascade; revoke create on database " + db.name() + " from " + role
                    + "; drop owned by " + role + "; drop role " + role);
        }
    }

    @Test
    void snapshot_withoutTheRightToCreateTheSchemaNamesTheGrant(TestDatabase db) throws Exception {
        String role = "keel_nobody_" + db.name().replaceAll("[^a-z0-9_]", "");
        db.execute("create role " + role + " login password 'nobody'");
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), role, "nobody")) {
            assertThatThrownBy(() -> StatementHistory.snapshot(c))
                    .isInstanceOf(InsightException.class)
                    .hasMessageContaining("cannot create schema keel_history")
                    .satisfies(e -> assertThat(((InsightException) e).remedy()).get().asString()
                            .contains("GRANT CREATE ON DATABASE " + db.name() + " TO " + role + ";"));
        } finally {
            db.execute("drop role " + role);
        }
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "select count(*) from pg_namespace where nspname = 'keel_history'")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
    }

    @Test
    void retentionParse_takesAnAgeOrACount() {
        assertThat(Retention.parse("30d").maxAge()).contains(Duration.ofDays(30));
        assertThat(Retention.parse("100").count()).hasValue(100);
        assertThatThrownBy(() -> Retention.parse("soon")).hasMessageContaining("'soon'");
        assertThatThrownBy(() -> Retention.parse("0")).isInstanceOf(IllegalArgumentException.class);
    }
}
