package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel drift and keel diff against a real target, with the project's embedded server as scratch space. */
@KeelPostgres
class DriftCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void destroy() {
        Run.keel("db", "destroy", "--yes", "--project", dir.resolve("keel.yaml").toString());
    }

    private String project(TestDatabase db) throws Exception {
        DemoCommandIT.copy(DemoCommandIT.repositoryRoot().resolve("examples/commerce/db"), dir.resolve("db"));
        Files.writeString(dir.resolve("keel.yaml"), """
                targets:
                  live:
                    url: postgresql://%s:%s@127.0.0.1:%d/%s
                """.formatted(db.user(), db.password(), db.port(), db.name()));
        return dir.resolve("keel.yaml").toString();
    }

    @Test
    void drift_isCleanAfterMigrate_reportsHandEdits_andItsDdlReconciles(TestDatabase db) throws Exception {
        String p = project(db);
        assertThat(Run.keel("migrate", "--project", p).exitCode()).isZero();

        Run clean = Run.keel("drift", "--project", p);
        assertThat(clean.exitCode()).as(clean.all()).isZero();
        assertThat(clean.out()).contains("No drift").contains("version 6");

        db.execute("alter table shop.products add column color text; drop index shop.orders_customer_id_idx;"
                + " alter table shop.customers alter column phone type varchar(40)");
        Run drift = Run.keel("drift", "--json", "--project", p);
        assertThat(drift.exitCode()).isEqualTo(1);
        JsonNode differences = JSON.readTree(drift.out()).get("differences");
        assertThat(differences).extracting(d -> d.get("change").asText() + " " + d.get("kind").asText() + " " + d.get("object").asText())
                .contains("extra column shop.products.color", "missing index shop.orders.orders_customer_id_idx",
                        "changed column shop.customers.phone");
        assertThat(drift.all()).doesNotContain(db.password());

        String ddl = Run.keel("drift", "--ddl", "--project", p).out();
        db.execute(ddl);
        assertThat(Run.keel("drift", "--project", p).exitCode()).isZero();
    }

    @Test
    void diff_betweenTwoDatabases_givesDdlFromOneToTheOther(TestDatabase db) throws Exception {
        String p = project(db);
        Run.keel("migrate", "--project", p);
        String other = "postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:" + db.port() + "/postgres";

        Run same = Run.keel("diff", "--from", "live", "--to", "live", "--project", p);
        assertThat(same.exitCode()).isZero();
        assertThat(same.out()).contains("No differences");

        Run run = Run.keel("diff", "--from", other, "--to", "live", "--json", "--project", p);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(JSON.readTree(run.out()).get("differences")).anySatisfy(d -> {
            assertThat(d.get("change").asText()).isEqualTo("missing");
            assertThat(d.get("object").asText()).isEqualTo("shop.orders");
            assertThat(d.get("ddl").asText()).startsWith("CREATE TABLE shop.orders");
        });
    }
}
