package dev.keel.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.core.KeelException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CatalogJsonTest {

    private final Catalog sample = SampleCatalog.build();

    @Test
    void write_thenRead_givesEqualCatalog() {
        String json = CatalogJson.toJson(sample);

        Catalog back = CatalogJson.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));

        assertThat(back).isEqualTo(sample);
    }

    @Test
    void write_readThenWriteAgain_givesIdenticalText() {
        String first = CatalogJson.toJson(sample);

        String second = CatalogJson.toJson(CatalogJson.fromJson(first));

        assertThat(second).isEqualTo(first);
    }

    @Test
    void write_toStreamAndToWriter_giveTheSameUtf8Text() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        CatalogJson.write(sample, bytes);

        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(CatalogJson.toJson(sample));
    }

    @Test
    void write_matchesTheCommittedSnapshotFormat() throws IOException {
        String expected;
        try (InputStream in = getClass().getResourceAsStream("/catalog/sample-catalog.json")) {
            assertThat(in).as("test resource catalog/sample-catalog.json").isNotNull();
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        // A change here changes every stored snapshot: update the resource only on purpose.
        assertThat(CatalogJson.toJson(sample)).isEqualTo(expected);
    }

    @Test
    void write_sortsEveryObjectsKeysAlphabetically() throws IOException {
        JsonNode root = new ObjectMapper().readTree(CatalogJson.toJson(sample));

        assertKeysSorted(root, "$");
    }

    @Test
    void write_putsCountsAtTheTopLevel() throws IOException {
        JsonNode counts = new ObjectMapper().readTree(CatalogJson.toJson(sample)).get("counts");

        assertThat(counts).isNotNull();
        assertThat(counts.get("tables").asInt()).isEqualTo(2);
        assertThat(counts.get("partitions").asInt()).isEqualTo(1);
        assertThat(counts.get("views").asInt()).isEqualTo(1);
        assertThat(counts.get("materializedViews").asInt()).isEqualTo(1);
        assertThat(counts.get("indexes").asInt()).isEqualTo(3);
        assertThat(counts.get("constraints").asInt()).isEqualTo(3);
        assertThat(counts.get("foreignKeys").asInt()).isEqualTo(1);
        assertThat(counts.get("functions").asInt()).isEqualTo(1);
        assertThat(counts.get("procedures").asInt()).isEqualTo(1);
        assertThat(counts.get("aggregates").asInt()).isEqualTo(1);
        assertThat(counts.get("policies").asInt()).isEqualTo(1);
        for (String key : List.of("schemas", "tables", "partitions", "views", "materializedViews", "sequences",
                "indexes", "constraints", "foreignKeys", "functions", "procedures", "triggers", "domains", "enums",
                "compositeTypes", "extensions", "roles", "policies")) {
            assertThat(counts.has(key)).as("counts has %s", key).isTrue();
        }
    }

    @Test
    void write_putsOneValuePerLine() {
        String json = CatalogJson.toJson(sample);

        assertThat(json).contains("""
                      "labels": [
                        "G",
                        "PG",
                        "R",
                        "NC-17"
                      ],
                """);
        assertThat(json).doesNotContain("\r").endsWith("}\n");
    }

    @Test
    void write_leavesOutNullsAndEmptyLists() {
        String json = CatalogJson.toJson(sample);

        assertThat(json).doesNotContain("null").doesNotContain("[]").doesNotContain("[ ]");
    }

    @Test
    void write_keepsMeaningfulOrderAndSortsTheRest() throws IOException {
        JsonNode root = new ObjectMapper().readTree(CatalogJson.toJson(sample));

        assertThat(names(root.get("tables"))).containsExactly("customer", "orders", "orders_2024");
        assertThat(names(root.get("routines"))).containsExactly("archive", "concat_all", "touch");
        JsonNode customer = root.get("tables").get(0);
        assertThat(names(customer.get("columns"))).containsExactly("id", "email", "email_lower", "created_at");
        assertThat(customer.get("indexes").get(0).get("keys").toString()).isEqualTo("[\"lower(email)\",\"id\"]");
        assertThat(customer.get("options").toString()).isEqualTo("[\"autovacuum_enabled=false\",\"fillfactor=70\"]");
        assertThat(customer.get("policies").get(0).get("roles").toString()).isEqualTo("[\"PUBLIC\",\"reader\"]");
        JsonNode trigger = root.get("triggers").get(0);
        assertThat(trigger.get("events").toString()).isEqualTo("[\"INSERT\",\"UPDATE\"]");
    }

    @Test
    void write_sameObjectsInAnyOrder_giveIdenticalText() {
        List<Table> tables = new ArrayList<>(sample.tables());
        Collections.reverse(tables);
        List<Routine> routines = new ArrayList<>(sample.routines());
        Collections.shuffle(routines, new Random(7));
        Catalog shuffled = new Catalog(sample.database(), sample.serverVersion(), sample.serverVersionNumber(),
                sample.schemas(), tables, sample.views(), sample.sequences(), routines, sample.triggers(),
                sample.domains(), sample.enums(), sample.compositeTypes(), sample.extensions(), sample.roles(),
                sample.memberships(), sample.defaultPrivileges());

        assertThat(CatalogJson.toJson(shuffled)).isEqualTo(CatalogJson.toJson(sample));
        assertThat(shuffled).isEqualTo(sample);
    }

    @Test
    void read_ignoresCountsAndKeysItDoesNotKnow() {
        String json = """
                {"counts": {"tables": 99}, "database": "d", "serverVersion": "15.1", "serverVersionNumber": 150001,
                 "futureKey": {"x": 1},
                 "tables": [{"schema": "s", "name": "t", "owner": "o", "newField": true}]}
                """;

        Catalog catalog = CatalogJson.fromJson(json);

        assertThat(catalog.counts().tables()).isEqualTo(1);
        assertThat(catalog.tables().get(0).columns()).isEmpty();
        assertThat(catalog.views()).isEmpty();
    }

    @Test
    void read_notACatalog_failsWithLineAndUsageExitCode() {
        String json = "{\n  \"database\": \"d\",\n  \"tables\": [ {\"schema\": \n";

        assertThatThrownBy(() -> CatalogJson.fromJson(json))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("not a catalog JSON document at line")
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(KeelException.USAGE));
    }

    @Test
    void counts_withoutStatistics_areStillComplete() {
        CatalogCounts counts = sample.counts();

        assertThat(counts.columns()).isEqualTo(8);
        assertThat(counts.schemas()).isEqualTo(1);
        assertThat(counts.sequences()).isEqualTo(1);
        assertThat(counts.triggers()).isEqualTo(1);
        assertThat(counts.domains()).isEqualTo(1);
        assertThat(counts.enums()).isEqualTo(1);
        assertThat(counts.compositeTypes()).isEqualTo(1);
        assertThat(counts.extensions()).isEqualTo(1);
        assertThat(counts.roles()).isEqualTo(2);
    }

    @Test
    void catalogLookups_findObjectsByName() {
        assertThat(sample.table("app", "customer")).isPresent();
        assertThat(sample.table("app", "nope")).isEmpty();
        assertThat(sample.partitionsOf(QualifiedName.of("app", "orders"))).extracting(Table::name)
                .containsExactly("orders_2024");
        assertThat(sample.table("app", "orders_2024").orElseThrow().partition()).isTrue();
        assertThat(sample.routines("app", "touch")).hasSize(1);
        assertThat(sample.routines("app", "touch").get(0).signature()).isEqualTo("app.touch()");
    }

    private static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.get("name").asText()));
        return out;
    }

    private static void assertKeysSorted(JsonNode node, String path) {
        if (node.isObject()) {
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).as("keys of %s", path).isSorted();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                assertKeysSorted(node.get(key), path + "." + key);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                assertKeysSorted(node.get(i), path + "[" + i + "]");
            }
        }
    }
}
