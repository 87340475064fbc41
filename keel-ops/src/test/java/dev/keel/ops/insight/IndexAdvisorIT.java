package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.KeelException;
import dev.keel.core.findings.Finding;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The index advisor on a generated workload whose missing indexes are known (see {@link AdvisorWorkload}). */
@KeelPostgres
class IndexAdvisorIT {

    static IndexAdvice advice;

    @BeforeAll
    static void setUp(TestDatabase db) throws Exception {
        AdvisorWorkload.create(db);
        AdvisorWorkload.run(db);
        try (Connection c = db.connect()) {
            advice = IndexAdvisor.advise(c, Workload.fromStatStatements(c, 1, 100), IndexAdvisor.Options.defaults());
        }
    }

    private static String key(String table, List<String> columns) {
        return table + " (" + String.join(", ", columns) + ")";
    }

    private static List<String> keys(IndexAdvice a) {
        return a.recommendations().stream().map(r -> key(r.table(), r.columns())).toList();
    }

    private static String normalized(String jdbcSql) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (char ch : jdbcSql.toCharArray()) {
            out.append(ch == '?' ? "$" + (++n) : String.valueOf(ch));
        }
        return out.toString();
    }

    @Test
    void workload_everyKnownMissingIndexIsFoundAndNothingElse() {
        assertThat(advice.validated()).isTrue();
        assertThat(keys(advice)).as(describe(advice)).containsExactlyInAnyOrder(
                "public.orders (customer_id)",
                "public.orders (created_at)",
                "public.payments (customer_id)",
                "public.payments (paid_at)",
                "public.products (price)",
                "public.events (account_id, occurred_at)",
                "public.audit_cold (ref_id)");
    }

    @Test
    void workload_eachRecommendationServesItsStatementAndSavesCost() {
        Map<String, IndexAdvice.Recommendation> byKey = advice.recommendations().stream()
                .collect(Collectors.toMap(r -> key(r.table(), r.columns()), r -> r));
        assertServes(byKey.get("public.orders (customer_id)"), AdvisorWorkload.EQUALITY, 30);
        assertServes(byKey.get("public.orders (created_at)"), AdvisorWorkload.RANGE, 20);
        assertServes(byKey.get("public.payments (customer_id)"), AdvisorWorkload.JOIN, 20);
        assertServes(byKey.get("public.events (account_id, occurred_at)"), AdvisorWorkload.EQUALITY_RANGE, 20);
        IndexAdvice.Recommendation sort = byKey.get("public.products (price)");
        assertThat(sort.statements()).singleElement().satisfies(s -> assertThat(s.sql()).startsWith("select id, name, price from products order by price desc limit $1"));
        for (IndexAdvice.Recommendation r : advice.recommendations()) {
            assertThat(r.method()).isEqualTo("btree");
            assertThat(r.ddl()).isEqualTo("CREATE INDEX CONCURRENTLY ON " + r.table() + " (" + String.join(", ", r.columns()) + ");");
            assertThat(r.costAfter()).isLessThan(r.costBefore() / 2);
            assertThat(r.saving()).isPositive();
            assertThat(r.timeSavedMillis()).isPositive();
        }
    }

    @Test
    void oneSidedRangeOnAParameter_recentRows_isFoundByPlanningWithTheObservedSelectivity() {
        Map<String, IndexAdvice.Recommendation> byKey = advice.recommendations().stream()
                .collect(Collectors.toMap(r -> key(r.table(), r.columns()), r -> r));
        assertServes(byKey.get("public.payments (paid_at)"), AdvisorWorkload.RECENT, 20);
        assertThat(advice.examined()).as(describe(advice)).anySatisfy(e -> {
            assertThat(e.sql()).isEqualTo(normalized(AdvisorWorkload.RECENT));
            assertThat(e.values()).startsWith("paid_at > '2024-01-03 07:3");
        });
    }

    @Test
    void oneSidedRangeOnAParameter_halfTheTable_getsNoIndex() {
        assertThat(keys(advice)).as(describe(advice)).doesNotContain("public.events (occurred_at)");
        assertThat(advice.recommendations()).flatExtracting(IndexAdvice.Recommendation::statements)
                .extracting(IndexAdvice.Served::sql).doesNotContain(normalized(AdvisorWorkload.HALF));
        assertThat(advice.examined()).anySatisfy(e -> {
            assertThat(e.sql()).isEqualTo(normalized(AdvisorWorkload.HALF));
            assertThat(e.values()).startsWith("occurred_at > '2024-01-02 ");
        });
    }

    private static void assertServes(IndexAdvice.Recommendation r, String jdbcSql, long calls) {
        assertThat(r).isNotNull();
        assertThat(r.statements()).anySatisfy(s -> {
            assertThat(s.sql()).isEqualTo(normalized(jdbcSql));
            assertThat(s.calls()).isEqualTo(calls);
            assertThat(s.costAfter()).isLessThan(s.costBefore());
        });
    }

    @Test
    void writeHeavyTable_indexIsRejectedForItsWriteOverhead() {
        assertThat(keys(advice)).contains("public.audit_cold (ref_id)").doesNotContain("public.audit_hot (ref_id)");
        assertThat(advice.rejected()).anySatisfy(r -> {
            assertThat(key(r.table(), r.columns())).isEqualTo("public.audit_hot (ref_id)");
            assertThat(r.writePenalty()).isGreaterThan(r.saving());
            assertThat(r.reason()).contains("10,000 written rows");
        });
    }

    @Test
    void workload_skipsUtilityAndLowCostStatementsWithTheReason() {
        assertThat(advice.skipped()).anySatisfy(s -> {
            assertThat(s.sql()).isEqualTo(normalized(AdvisorWorkload.TINY));
            assertThat(s.reason()).startsWith("low cost");
        });
        assertThat(advice.skipped()).anySatisfy(s -> assertThat(s.reason()).isEqualTo("utility statement"));
        assertThat(advice.examined()).extracting(IndexAdvice.Examined::sql).contains(normalized(AdvisorWorkload.SERVED_PK));
    }

    @Test
    void findings_oneWarningPerRecommendationWithTheDdlAsRemedy() {
        List<Finding> findings = advice.findings().list();
        assertThat(findings).hasSize(advice.recommendations().size());
        assertThat(findings).allSatisfy(f -> {
            assertThat(f.rule()).isEqualTo("advise.missing-index");
            assertThat(f.remedy()).startsWith("CREATE INDEX CONCURRENTLY ON public.");
            assertThat(f.evidence()).containsKeys("columns", "costBefore", "costAfter", "statements");
        });
    }

    @Test
    void advice_leavesNothingBehind(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            IndexAdvisor.advise(c, Workload.of(List.of("select * from orders where customer_id = 42")), IndexAdvisor.Options.defaults());
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("""
                         select (select count(*) from pg_extension where extname = 'hypopg'),
                                (select count(*) from pg_prepared_statements where name like 'keel%'),
                                (select count(*) from pg_indexes where tablename = 'orders')
                         """)) {
                rs.next();
                assertThat(rs.getInt(1)).as("hypopg extension").isZero();
                assertThat(rs.getInt(2)).as("prepared statements").isZero();
                assertThat(rs.getInt(3)).as("indexes on orders").isEqualTo(1);
            }
            assertThat(c.getAutoCommit()).isTrue();
        }
    }

    @Test
    void queryMode_recommendsForOneStatementAndNeverRunsIt(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            IndexAdvice a = IndexAdvisor.advise(c, Workload.of(List.of("delete from orders where customer_id = 7;")),
                    IndexAdvisor.Options.defaults());

            assertThat(keys(a)).containsExactly("public.orders (customer_id)");
            assertThat(a.recommendations().get(0).statements()).singleElement()
                    .satisfies(s -> assertThat(s.sql()).isEqualTo("delete from orders where customer_id = 7"));
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from orders")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(200_000);
            }
        }
    }

    @Test
    void queryMode_mixedCaseTableAndReservedColumn_giveDdlThatRunsAndThenCoversTheStatement(TestDatabase db) throws Exception {
        db.execute("""
                create table "Tickets" (id int primary key, "order" int not null, note text);
                insert into "Tickets" select g, g % 5000, 'n' || g from generate_series(1, 50000) g;
                analyze "Tickets";
                """);
        List<String> query = List.of("select * from \"Tickets\" where \"order\" = 42");
        try (Connection c = db.connect()) {
            IndexAdvice a = IndexAdvisor.advise(c, Workload.of(query), IndexAdvisor.Options.defaults());

            assertThat(a.recommendations()).as(describe(a)).singleElement().satisfies(r ->
                    assertThat(r.ddl()).isEqualTo("CREATE INDEX CONCURRENTLY ON public.\"Tickets\" (\"order\");"));
            try (Statement st = c.createStatement()) {
                st.execute(a.recommendations().get(0).ddl());
            }
            IndexAdvice again = IndexAdvisor.advise(c, Workload.of(query), IndexAdvisor.Options.defaults());
            assertThat(again.recommendations()).as("the index now exists: " + describe(again)).isEmpty();
        } finally {
            db.execute("drop table \"Tickets\"");
        }
    }

    @Test
    void queryMode_oneSidedRangeWithALiteral_isFound(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            IndexAdvice a = IndexAdvisor.advise(c, Workload.of(List.of(
                    "select id, amount from orders where created_at > timestamptz '2024-05-18 18:00' order by created_at")),
                    IndexAdvisor.Options.defaults());

            assertThat(keys(a)).as(describe(a)).containsExactly("public.orders (created_at)");
        }
    }

    @Test
    void callersTransaction_keepsItsWorkAndStaysOpen(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("create temporary table mine (x int); insert into mine values (1)");
            }
            IndexAdvice a = IndexAdvisor.advise(c, Workload.of(List.of("select * from orders where customer_id = 42")),
                    IndexAdvisor.Options.defaults());

            assertThat(keys(a)).containsExactly("public.orders (customer_id)");
            assertThat(c.getAutoCommit()).isFalse();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from mine")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
            c.rollback();
        }
    }

    @Test
    void queryMode_statementThatCannotBePlanned_isUsageError(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            assertThatThrownBy(() -> IndexAdvisor.advise(c, Workload.of(List.of("select * from nope where x = 1")),
                    IndexAdvisor.Options.defaults()))
                    .isInstanceOf(KeelException.class)
                    .hasMessageContaining("relation \"nope\" does not exist")
                    .extracting(e -> ((KeelException) e).exitCode()).isEqualTo(KeelException.USAGE);
        }
    }

    @Test
    void withoutHypopg_roleThatCannotCreateIt_getsRuleOfThumbAdviceMarkedNotValidated(TestDatabase db) throws Exception {
        String role = "adv_" + db.name().toLowerCase().replaceAll("[^a-z0-9_]", "_");
        db.execute("create role " + role + " login password 'pw'; grant select on all tables in schema public to " + role
                + "; grant pg_read_all_stats to " + role);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), role, "pw")) {
            Workload w = Workload.fromStatStatements(c, 1, 100);
            IndexAdvice a = IndexAdvisor.advise(c, w, IndexAdvisor.Options.defaults());

            assertThat(a.validated()).isFalse();
            assertThat(a.note()).contains("cannot create it").contains("CREATE EXTENSION hypopg");
            assertThat(a.recommendations()).isNotEmpty().allSatisfy(r -> {
                assertThat(r.validated()).isFalse();
                assertThat(r.costAfter()).isNull();
            });
            assertThat(keys(a)).contains("public.orders (customer_id)", "public.events (account_id, occurred_at)",
                    "public.products (price)", "public.payments (customer_id)")
                    .doesNotContain("public.settings (key)", "public.audit_hot (ref_id)");
            assertThat(a.findings().list()).allSatisfy(f -> assertThat(f.message()).contains("not validated"));
        } finally {
            db.execute("drop owned by " + role + "; drop role " + role);
        }
    }

    @Test
    void noHypopgOption_givesTheSameRuleOfThumbAdvice(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            IndexAdvice a = IndexAdvisor.advise(c, Workload.fromStatStatements(c, 1, 100),
                    IndexAdvisor.Options.defaults().withHypothetical(false));
            assertThat(a.validated()).isFalse();
            assertThat(a.note()).contains("--no-hypopg");
            assertThat(keys(a)).contains("public.orders (customer_id)");
        }
    }

    @Test
    void minCalls_leavesOutRareStatements(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Workload w = Workload.fromStatStatements(c, 10, 100);
            assertThat(w.statements()).extracting(Workload.Statement::sql).doesNotContain(normalized(AdvisorWorkload.COLD));
            assertThat(w.skipped()).anySatisfy(s -> assertThat(s.reason()).contains("fewer than --min-calls 10"));
        }
    }

    private static String describe(IndexAdvice a) {
        List<String> lines = new ArrayList<>();
        lines.add("note: " + a.note() + ", explains: " + a.explains());
        a.recommendations().forEach(r -> lines.add("rec " + key(r.table(), r.columns()) + " before " + r.costBefore() + " after "
                + r.costAfter() + " penalty " + r.writePenalty() + " served " + r.statements()));
        a.rejected().forEach(r -> lines.add("rejected " + r));
        a.examined().forEach(e -> lines.add("examined " + e));
        a.skipped().forEach(s -> lines.add("skipped " + s));
        return String.join("\n", lines);
    }
}
