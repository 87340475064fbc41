package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** keel advise indexes against a database with a real workload that misses one index. */
@KeelPostgres
class AdviseCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void setUp(TestDatabase db) throws Exception {
        db.execute("""
                create extension if not exists pg_stat_statements;
                create table orders (id bigint primary key, customer_id int not null, amount numeric, note text);
                insert into orders select g, (g::bigint * 7919) % 2000 + 1, g % 1000, md5(g::text) from generate_series(1, 200000) g;
                analyze orders;
                """);
        try (Connection c = db.connect()) {
            try (Statement st = c.createStatement()) {
                st.execute("select pg_stat_statements_reset(0, (select oid from pg_database where datname = current_database()), 0)");
            }
            try (PreparedStatement ps = c.prepareStatement("select id, amount from orders where customer_id = ?")) {
                for (int i = 1; i <= 25; i++) {
                    ps.setInt(1, i * 13);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            // read the rows
                        }
                    }
                }
            }
        }
    }

    private static String url(TestDatabase db) {
        return "postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:" + db.port() + "/" + db.name();
    }

    @Test
    void indexes_printsTheDdlWithCostSavedAndTheStatementItServes(TestDatabase db) {
        Run run = Run.keel("advise", "indexes", "--url", url(db));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("1 index recommended, most time saved first:")
                .contains("1. CREATE INDEX CONCURRENTLY ON public.orders (customer_id);")
                .containsPattern("cost [\\d,]+ → [\\d,]+ \\(\\d+% less, weighted by calls\\)")
                .containsPattern("25 calls [\\d,]+ → [\\d,]+  select id, amount from orders where customer_id = \\$1")
                .contains("Examined 1 statement;");
        assertThat(run.err()).contains("hypothetical indexes");
        assertThat(run.all()).doesNotContain(db.password());
    }

    @Test
    void indexesJson_hasTheDocumentedShape(TestDatabase db) throws Exception {
        Run run = Run.keel("advise", "indexes", "--json", "--url", url(db));

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode doc = JSON.readTree(run.out());
        assertThat(doc.get("validated").asBoolean()).isTrue();
        JsonNode r = doc.at("/recommendations/0");
        assertThat(r.get("table").asText()).isEqualTo("public.orders");
        assertThat(r.get("columns").toString()).isEqualTo("[\"customer_id\"]");
        assertThat(r.get("method").asText()).isEqualTo("btree");
        assertThat(r.get("ddl").asText()).isEqualTo("CREATE INDEX CONCURRENTLY ON public.orders (customer_id);");
        assertThat(r.get("costAfter").asDouble()).isPositive().isLessThan(r.get("costBefore").asDouble() / 2);
        assertThat(r.at("/statements/0/sql").asText()).isEqualTo("select id, amount from orders where customer_id = $1");
        assertThat(r.at("/statements/0/calls").asLong()).isEqualTo(25);
        assertThat(doc.get("recommendations")).hasSize(1);
        assertThat(doc.get("explains").asInt()).isPositive();
    }

    @Test
    void indexesQuery_advisesForTheGivenStatements(TestDatabase db) throws Exception {
        Run run = Run.keel("advise", "indexes", "--query", "select * from orders where customer_id = 5 order by id",
                "--query", "select count(*) from orders where id = 3", "--json", "--url", url(db));

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode doc = JSON.readTree(run.out());
        assertThat(doc.get("recommendations")).hasSize(1);
        assertThat(doc.at("/recommendations/0/columns/0").asText()).isEqualTo("customer_id");
        assertThat(doc.at("/recommendations/0/statements/0/calls").asLong()).isEqualTo(1);
        assertThat(doc.get("skipped").toString()).contains("low cost");
    }

    @Test
    void indexesQuery_syntaxError_isOneLineAndExit2(TestDatabase db) {
        Run run = Run.keel("advise", "indexes", "--query", "select * form orders", "--url", url(db));

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip().lines().reduce((a, b) -> b).orElse("")).contains("syntax error");
        assertThat(run.err()).doesNotContain("\tat ");
    }

    @Test
    void indexesNoHypopg_isMarkedNotValidated(TestDatabase db) {
        Run run = Run.keel("advise", "indexes", "--no-hypopg", "--url", url(db));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("NOT VALIDATED: --no-hypopg")
                .contains("CREATE INDEX CONCURRENTLY ON public.orders (customer_id);   (not validated)");
    }

    @Test
    void indexesFailOnWarning_exits1WhenAnIndexIsRecommended(TestDatabase db) {
        assertThat(Run.keel("advise", "indexes", "--fail-on", "warning", "--url", url(db)).exitCode()).isEqualTo(1);
    }

    @Test
    void indexesWithBothSources_isUsageError(TestDatabase db) {
        Run run = Run.keel("advise", "indexes", "--from-workload", "--query", "select 1", "--url", url(db));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--from-workload and --query exclude each other");
    }
}
