package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** keel insight snapshot and keel insight history through a target URL, with a real workload in between. */
@KeelPostgres
class InsightHistoryCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    private static String url(TestDatabase db) {
        return "postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:" + db.port() + "/" + db.name();
    }

    private static void lookups(TestDatabase db, int times) throws Exception {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("select v from hist_items where id = ?")) {
            for (int i = 1; i <= times; i++) {
                ps.setInt(1, i);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                }
            }
        }
    }

    @Test
    void snapshotThenHistory_json_showsTheIntervalsCallsAndGrowth(TestDatabase db) throws Exception {
        db.execute("""
                drop schema if exists keel_history cascade;
                create extension if not exists pg_stat_statements;
                create table hist_items (id int primary key, v text);
                insert into hist_items select g, 'x' from generate_series(1, 100) g;
                """);
        Run first = Run.keel("insight", "snapshot", "--json", "--url", url(db));
        assertThat(first.exitCode()).as(first.all()).isZero();
        JsonNode s1 = JSON.readTree(first.out());
        assertThat(s1.get("statementsAvailable").asBoolean()).isTrue();
        assertThat(s1.get("tables").asInt()).isEqualTo(1);
        assertThat(s1.get("keep").asText()).isEqualTo("30d");
        assertThat(s1.get("notes")).isEmpty();

        lookups(db, 40);
        db.execute("insert into hist_items select g, repeat('y', 100) from generate_series(101, 20000) g");
        Run second = Run.keel("insight", "snapshot", "--json", "--keep", "10", "--url", url(db));
        assertThat(second.exitCode()).as(second.all()).isZero();
        assertThat(JSON.readTree(second.out()).get("pruned").asInt()).isZero();

        Run history = Run.keel("insight", "history", "--json", "--url", url(db));
        assertThat(history.exitCode()).as(history.all()).isZero();
        JsonNode doc = JSON.readTree(history.out());
        assertThat(doc.get("snapshots").asInt()).isEqualTo(2);
        assertThat(doc.get("intervals")).hasSize(1);
        JsonNode interval = doc.get("intervals").get(0);
        assertThat(interval.get("reset").asBoolean()).isFalse();
        List<JsonNode> lookup = new ArrayList<>();
        interval.get("statements").forEach(st -> {
            if (st.get("query").asText().equals("select v from hist_items where id = $1")) {
                lookup.add(st);
            }
        });
        assertThat(lookup).singleElement().satisfies(st -> {
            assertThat(st.get("calls").asLong()).isEqualTo(40);
            assertThat(st.get("rows").asLong()).isEqualTo(40);
            assertThat(st.get("meanMillis").isNumber()).isTrue();
        });
        JsonNode growth = doc.get("growth");
        assertThat(growth.get("database").get("bytes").asLong())
                .isGreaterThan(growth.get("database").get("firstBytes").asLong());
        assertThat(growth.get("tables").get(0).get("name").asText()).isEqualTo("public.hist_items");
        assertThat(growth.get("tables").get(0).get("bytesPerDay").asLong()).isPositive();

        long queryid = lookup.get(0).get("queryid").asLong();
        Run one = Run.keel("insight", "history", "--statement", Long.toString(queryid), "--url", url(db));
        assertThat(one.exitCode()).as(one.all()).isZero();
        assertThat(one.out()).contains(Long.toString(queryid)).contains("select v from hist_items where id = $1")
                .contains("Size growth").contains("public.hist_items");
        assertThat(one.all()).doesNotContain(db.password());

        Run keepTwo = Run.keel("insight", "snapshot", "--keep", "1", "--url", url(db));
        assertThat(keepTwo.exitCode()).as(keepTwo.all()).isZero();
        assertThat(keepTwo.out()).contains("Removed 2 snapshots");
    }

    @Test
    void snapshot_withABadKeepExits2() {
        Run run = Run.keel("insight", "snapshot", "--keep", "soon", "--url", "postgresql://x:secret@127.0.0.1:1/x");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip().lines()).singleElement().asString().contains("--keep").contains("'soon'");
        assertThat(run.out()).isEmpty();
    }
}
