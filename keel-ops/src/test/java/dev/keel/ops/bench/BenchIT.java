package dev.keel.ops.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.embedded.BinaryLocator;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real pgbench runs against the test database. */
@KeelPostgres
class BenchIT {

    @TempDir
    Path dir;

    private static final LoadTest.Options TWO_CLIENTS = new LoadTest.Options(2, 2, Duration.ofSeconds(2));

    private static ConnectionSpec spec(TestDatabase db) {
        return new ConnectionSpec(db.host(), db.port(), db.name(), db.user(), db.password(), Map.of());
    }

    private static Path pgbench() {
        return BinaryLocator.clientProgram("pgbench", null).orElseThrow();
    }

    private Path file(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void standardWorkload_atScale1_measuresTransactionsAndOrderedPercentiles_andKeepsExistingTables(TestDatabase db)
            throws Exception {
        List<String> status = new ArrayList<>();
        int scale = LoadTest.prepareStandard(spec(db), OptionalInt.of(1), false, pgbench(), status::add);
        assertThat(scale).isEqualTo(1);
        assertThat(status).singleElement().asString().contains("creating pgbench's tables at scale 1");
        db.execute("update pgbench_accounts set filler = 'keel-marker' where aid = 1");

        List<String> progress = new ArrayList<>();
        BenchResult r = LoadTest.run(spec(db), Workload.standard(), TWO_CLIENTS, OptionalInt.of(scale), pgbench(),
                progress::add);

        assertThat(r.transactions()).isPositive();
        assertThat(r.failed()).isZero();
        assertThat(r.tps()).isPositive();
        assertThat(r.latency().p50()).isPositive().isLessThanOrEqualTo(r.latency().p95());
        assertThat(r.latency().p95()).isLessThanOrEqualTo(r.latency().p99());
        assertThat(r.latency().p99()).isLessThanOrEqualTo(r.latency().max());
        assertThat(r.scripts()).singleElement().satisfies(s -> assertThat(s.transactions()).isEqualTo(r.transactions()));
        assertThat(progress).isNotEmpty().allSatisfy(p -> assertThat(p).startsWith("progress: "));

        // existing tables are used as they are, never silently re-created
        assertThat(LoadTest.prepareStandard(spec(db), OptionalInt.empty(), false, pgbench(), status::add)).isEqualTo(1);
        assertThatThrownBy(() -> LoadTest.prepareStandard(spec(db), OptionalInt.of(2), false, pgbench(), status::add))
                .isInstanceOf(BenchException.class).hasMessageContaining("at scale 1, not 2")
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(2));
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select filler from pgbench_accounts where aid = 1")) {
            rs.next();
            assertThat(rs.getString(1)).startsWith("keel-marker");
        }
    }

    @Test
    void workloadFile_runsBothScriptsInRoughlyTheirWeights(TestDatabase db) throws Exception {
        db.execute("create table bench_items (id int primary key); insert into bench_items select generate_series(1, 1000)");
        Path f = file("items.sql", """
                \\set id random(1, 1000)

                -- script: lookup
                -- weight: 9
                select id from bench_items where id = :id;

                -- script: count
                -- weight: 1
                select count(*) from bench_items where id < :id;
                """);
        Workload w = Workload.parse(f);
        assertThat(w.name()).isEqualTo("items");

        BenchResult r = LoadTest.run(spec(db), w, TWO_CLIENTS, OptionalInt.empty(), pgbench(), line -> { });

        assertThat(r.scripts()).extracting(BenchResult.ScriptResult::name).containsExactly("lookup", "count");
        BenchResult.ScriptResult lookup = r.scripts().get(0);
        BenchResult.ScriptResult count = r.scripts().get(1);
        assertThat(count.transactions()).isPositive();
        assertThat(lookup.transactions()).isGreaterThan(2 * count.transactions());
        assertThat(lookup.transactions() + count.transactions()).isEqualTo(r.transactions());
        assertThat(count.latency().p50()).isLessThanOrEqualTo(count.latency().p95());
    }

    @Test
    void workloadFile_thatPgbenchRejects_namesTheWorkloadFileAndLine(TestDatabase db) throws Exception {
        Path f = file("typo.sql", """
                -- script: one
                -- a comment pgbench never sees
                select 1;

                \\set id rando(1, 10)
                select :id;
                """);
        assertThatThrownBy(() -> LoadTest.run(spec(db), Workload.parse(f), TWO_CLIENTS, OptionalInt.empty(), pgbench(),
                line -> { }))
                .isInstanceOf(BenchException.class)
                .hasMessageStartingWith(f + ":5: pgbench: unexpected function name (rando)")
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(2));
    }

    @Test
    void workloadFile_withAFailingStatementStopsWithTheScriptName(TestDatabase db) throws Exception {
        Path f = file("broken.sql", "-- script: missing\nselect * from no_such_table;\n");
        assertThatThrownBy(() -> LoadTest.run(spec(db), Workload.parse(f), TWO_CLIENTS, OptionalInt.empty(), pgbench(),
                line -> { }))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("script missing").hasMessageContaining("no_such_table")
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(3));
    }

    @Test
    void workloadParse_refusesBadHeadersWithFileAndLine() throws Exception {
        Path weight = file("w.sql", "-- script: a\n-- weight: lots\nselect 1;\n");
        assertThatThrownBy(() -> Workload.parse(weight)).hasMessage(weight + ":2: weight 'lots' is not a whole number from 1 to 999999");
        Path before = file("b.sql", "select 0;\n-- script: a\nselect 1;\n");
        assertThatThrownBy(() -> Workload.parse(before)).hasMessageStartingWith(before + ":1: statement before the first");
        Path empty = file("e.sql", "-- script: a\n\\set x 1\n-- script: b\nselect 1;\n");
        assertThatThrownBy(() -> Workload.parse(empty)).hasMessage(empty + ":1: script 'a' has no SQL statement");
        Path twice = file("t.sql", "-- script: a\nselect 1;\n-- script: a\nselect 2;\n");
        assertThatThrownBy(() -> Workload.parse(twice)).hasMessage(twice + ":3: script 'a' is defined twice");
        Path plain = file("plain.sql", "\\set id random(1, 5)\nselect :id;\n");
        assertThat(Workload.parse(plain).scripts()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("plain");
            assertThat(s.weight()).isEqualTo(1);
        });
    }

    @Test
    void latency_percentilesAreNearestRank() {
        long[] micros = new long[100];
        for (int i = 0; i < 100; i++) {
            micros[i] = (100 - i) * 1000L; // 1..100 ms, reversed
        }
        BenchResult.Latency l = BenchResult.Latency.of(micros, 100);
        assertThat(l.p50()).isEqualTo(50.0);
        assertThat(l.p95()).isEqualTo(95.0);
        assertThat(l.p99()).isEqualTo(99.0);
        assertThat(l.max()).isEqualTo(100.0);
        assertThat(l.mean()).isEqualTo(50.5);
    }
}
