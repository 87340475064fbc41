package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** keel maintain plan|run through a target URL against the test server. */
@KeelPostgres
class MaintainCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    private static String url(TestDatabase db) {
        return "postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:" + db.port() + "/" + db.name();
    }

    /** Runs statements in one session and makes its statistics visible to other sessions at once. */
    private static void workload(TestDatabase db, String... statements) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
            st.execute("select pg_stat_force_next_flush()");
        }
    }

    private static long scalar(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static JsonNode action(JsonNode doc, String object) {
        for (JsonNode a : doc.get("actions")) {
            if (a.get("object").asText().equals(object)) {
                return a;
            }
        }
        throw new AssertionError("no action on " + object + " in " + doc);
    }

    @Test
    void planThenRun_vacuumsAtOnceAndDropsTheDuplicateOnlyWithApply(TestDatabase db) throws Exception {
        db.execute("""
                create table p_orders (id int primary key, sku text) with (autovacuum_enabled = off);
                create index p_orders_sku on p_orders (sku);
                create index p_orders_sku_copy on p_orders (sku);
                insert into p_orders select g, 's' || g from generate_series(1, 3000) g""");
        workload(db, "delete from p_orders where id <= 2000", "set enable_seqscan = off",
                "select count(*) from p_orders where sku = 's1'");

        Run plan = Run.keel("maintain", "plan", "--json", "--url", url(db));
        Run run = Run.keel("maintain", "run", "--json", "--url", url(db));
        long copiesAfterRun = scalar(db, "select count(*) from pg_class where relname = 'p_orders_sku_copy'");
        Run apply = Run.keel("maintain", "run", "--apply", "--json", "--url", url(db));

        assertThat(plan.exitCode()).as(plan.all()).isZero();
        JsonNode planned = JSON.readTree(plan.out());
        JsonNode vacuum = action(planned, "public.p_orders");
        assertThat(vacuum.get("kind").asText()).isIn("vacuum", "vacuum-analyze");
        assertThat(vacuum.get("sql").asText()).startsWith("VACUUM");
        assertThat(vacuum.get("status").asText()).isEqualTo("planned");
        assertThat(vacuum.get("needsApply").asBoolean()).isFalse();
        assertThat(vacuum.get("reason").asText()).contains("insight.dead-tuples");
        assertThat(vacuum.get("findings").get(0).get("evidence").get("deadTuples").asLong()).isEqualTo(2000);
        JsonNode drop = action(planned, "public.p_orders_sku_copy");
        assertThat(drop.get("kind").asText()).isEqualTo("drop-index");
        assertThat(drop.get("sql").asText()).isEqualTo("DROP INDEX CONCURRENTLY public.p_orders_sku_copy");
        assertThat(drop.get("needsApply").asBoolean()).isTrue();
        assertThat(drop.has("millis")).isTrue();

        assertThat(run.exitCode()).as(run.all()).isZero();
        JsonNode ran = JSON.readTree(run.out());
        assertThat(action(ran, "public.p_orders").get("status").asText()).isEqualTo("done");
        assertThat(action(ran, "public.p_orders").get("millis").isIntegralNumber()).isTrue();
        assertThat(action(ran, "public.p_orders_sku_copy").get("status").asText()).isEqualTo("not-applied");
        assertThat(copiesAfterRun).isEqualTo(1);
        assertThat(run.err()).contains("VACUUM").doesNotContain(db.password());

        assertThat(apply.exitCode()).as(apply.all()).isZero();
        assertThat(action(JSON.readTree(apply.out()), "public.p_orders_sku_copy").get("status").asText()).isEqualTo("done");
        assertThat(scalar(db, "select count(*) from pg_class where relname = 'p_orders_sku_copy'")).isZero();
        assertThat(scalar(db, "select count(*) from pg_class where relname = 'p_orders_sku'")).isEqualTo(1);
        assertThat(scalar(db, "select n_dead_tup from pg_stat_user_tables where relname = 'p_orders'")).isZero();
    }

    @Test
    void run_skipsALockedTableGoesOnAndExits1(TestDatabase db) throws Exception {
        db.execute("""
                create table l_busy (id int) with (autovacuum_enabled = off);
                create table l_idle (id int) with (autovacuum_enabled = off);
                insert into l_busy select generate_series(1, 2000);
                insert into l_idle select generate_series(1, 2000)""");
        workload(db, "delete from l_busy where id <= 1500", "delete from l_idle where id <= 1500");

        Run run;
        try (Connection holder = db.connect(); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.execute("lock table l_busy in access exclusive mode");
            run = Run.keel("maintain", "run", "--lock-timeout", "300ms", "--url", url(db));
            holder.rollback();
        }

        assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
        assertThat(run.out()).containsPattern("skipped +vacuum(-analyze)? +VACUUM.*public\\.l_busy.*lock timeout after 300 ms")
                .containsPattern("done +vacuum(-analyze)? +VACUUM.*public\\.l_idle");
        assertThat(scalar(db, "select n_dead_tup from pg_stat_user_tables where relname = 'l_busy'")).isEqualTo(1500);
        assertThat(scalar(db, "select n_dead_tup from pg_stat_user_tables where relname = 'l_idle'")).isZero();
    }

    @Test
    void run_refusesABadLockTimeoutWithExit2() {
        Run run = Run.keel("maintain", "run", "--lock-timeout", "soon", "--url", "postgresql://nobody@127.0.0.1:1/none");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--lock-timeout").doesNotContain("\tat ");
    }
}
