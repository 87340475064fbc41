package dev.keel.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The catalog of Pagila, the sample DVD-rental database (../shared/workloads/pagila next to the repository):
 * counts against pg_catalog, every kind of object it has, and stable JSON.
 */
@KeelPostgres
class CatalogPagilaIT {

    private static Catalog catalog;

    @BeforeAll
    static void loadPagila(TestDatabase db) throws Exception {
        Path pagila = repositoryRoot().resolveSibling("shared").resolve("workloads").resolve("pagila");
        boolean present = Files.isRegularFile(pagila.resolve("pagila-schema.sql"));
        if (!present && "1".equals(System.getenv("KEEL_REQUIRE_SHARED"))) {
            throw new AssertionError("Pagila is not at " + pagila + " and KEEL_REQUIRE_SHARED=1 (CI) forbids skipping");
        }
        Assumptions.assumeTrue(present,
                "Pagila is not at " + pagila + " (expected ../shared/workloads/pagila next to the repository): "
                        + "skipping the Pagila catalog tests");
        db.psql(pagila.resolve("pagila-schema.sql"));
        db.psql(pagila.resolve("pagila-data.sql"));
        db.execute("analyze");
        try (Connection c = db.connect()) {
            CatalogReader.read(c, CatalogOptions.defaults()); // warm up the JIT before timing
            long start = System.nanoTime();
            catalog = CatalogReader.read(c, CatalogOptions.defaults());
            System.out.printf("read Pagila's catalog in %d ms%n", (System.nanoTime() - start) / 1_000_000);
        }
    }

    /** The directory holding keel-core, found by walking up from the working directory. */
    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("keel-core"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory containing keel-core above " + Path.of("").toAbsolutePath());
    }

    @Test
    void read_pagila_countsMatchPgCatalog(TestDatabase db) throws Exception {
        Map<String, Integer> expected;
        try (Connection c = db.connect()) {
            expected = PgCatalogCounts.count(c);
        }
        JsonNode counts = new ObjectMapper().readTree(CatalogJson.toJson(catalog)).get("counts");

        for (var e : expected.entrySet()) {
            assertThat(counts.has(e.getKey())).as("counts has %s", e.getKey()).isTrue();
            assertThat(counts.get(e.getKey()).asInt()).as(e.getKey()).isEqualTo(e.getValue());
        }
        // Pagila's well-known shape, as a sanity check of the independent queries themselves.
        assertThat(expected).containsEntry("tables", 15).containsEntry("partitions", 7)
                .containsEntry("materializedViews", 1).containsEntry("domains", 2).containsEntry("enums", 1);
    }

    @Test
    void read_pagila_partitionsHaveTheirParentAndBound() {
        Table payment = catalog.table("public", "payment").orElseThrow();
        assertThat(payment.partitioned()).isTrue();
        assertThat(payment.partitionKey()).isEqualTo("RANGE (payment_date)");

        List<String> expected = IntStream.rangeClosed(1, 7).mapToObj(m -> "payment_p2022_0" + m).toList();
        assertThat(catalog.partitionsOf(payment.qualifiedName())).extracting(Table::name)
                .containsExactlyElementsOf(expected);
        Table january = catalog.table("public", "payment_p2022_01").orElseThrow();
        assertThat(january.partition()).isTrue();
        // Read in UTC whatever the client's time zone.
        assertThat(january.partitionBound())
                .isEqualTo("FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00')");
        assertThat(january.constraints()).extracting(Constraint::type).contains(Constraint.Type.FOREIGN_KEY);
    }

    @Test
    void read_pagila_hasEveryKindOfObjectItDefines() {
        Domain year = catalog.domains().stream().filter(d -> d.name().equals("year")).findFirst().orElseThrow();
        assertThat(year.baseType()).isEqualTo("integer");
        assertThat(year.checks()).extracting(Domain.Check::definition)
                .containsExactly("CHECK (((VALUE >= 1901) AND (VALUE <= 2155)))");

        EnumType rating = catalog.enums().stream().filter(e -> e.name().equals("mpaa_rating")).findFirst()
                .orElseThrow();
        assertThat(rating.labels()).containsExactly("G", "PG", "PG-13", "R", "NC-17");

        assertThat(catalog.views()).filteredOn(v -> !v.materialized()).extracting(View::name)
                .contains("actor_info", "customer_list", "film_list", "nicer_but_slower_film_list",
                        "sales_by_film_category", "sales_by_store", "staff_list");
        View rentals = catalog.view("public", "rental_by_category").orElseThrow();
        assertThat(rentals.materialized()).isTrue();
        assertThat(rentals.definition()).contains("sum(p.amount) AS total_sales");
        assertThat(rentals.indexes()).extracting(Index::name).containsExactly("rental_category");

        Trigger fulltext = catalog.trigger("public", "film", "film_fulltext_trigger").orElseThrow();
        assertThat(fulltext.function()).isEqualTo(QualifiedName.of("pg_catalog", "tsvector_update_trigger"));
        assertThat(fulltext.events()).containsExactly(Trigger.Event.INSERT, Trigger.Event.UPDATE);
        assertThat(catalog.triggers()).filteredOn(t -> t.name().equals("last_updated")).hasSize(14);

        assertThat(catalog.routines("public", "film_in_stock")).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(Routine.Kind.FUNCTION);
            assertThat(r.arguments()).isEqualTo("p_film_id integer, p_store_id integer, OUT p_film_count integer");
            assertThat(r.result()).isEqualTo("SETOF integer");
            assertThat(r.definition()).startsWith("CREATE OR REPLACE FUNCTION public.film_in_stock(");
        });
        assertThat(catalog.routines("public", "group_concat")).singleElement()
                .extracting(Routine::kind).isEqualTo(Routine.Kind.AGGREGATE);

        Sequence actorIds = catalog.sequence("public", "actor_actor_id_seq").orElseThrow();
        assertThat(actorIds.dataType()).isEqualTo("bigint");
        assertThat(catalog.table("public", "actor").orElseThrow().column("actor_id").orElseThrow()
                .defaultExpression()).isEqualTo("nextval('public.actor_actor_id_seq'::regclass)");

        Constraint filmActor = catalog.table("public", "film_actor").orElseThrow()
                .constraint("film_actor_actor_id_fkey").orElseThrow();
        assertThat(filmActor.referencedTable()).isEqualTo(QualifiedName.of("public", "actor"));
        assertThat(filmActor.onUpdate()).isEqualTo(Constraint.Action.CASCADE);
        assertThat(filmActor.onDelete()).isEqualTo(Constraint.Action.RESTRICT);

        // The dump grants everything on schema public to PUBLIC.
        assertThat(catalog.schema("public").orElseThrow().privileges()).anySatisfy(g -> {
            assertThat(g.grantee()).isEqualTo(Grant.PUBLIC);
            assertThat(g.privileges()).containsExactly("CREATE", "USAGE");
        });
        // Pagila has no COMMENT ON statements; schema public keeps the comment PostgreSQL gives it.
        assertThat(catalog.extensions()).extracting(Extension::name).contains("plpgsql");
    }

    @Test
    void read_pagila_statisticsGiveRowsAndSizes() {
        TableStatistics rental = catalog.table("public", "rental").orElseThrow().statistics();
        assertThat(rental.rowEstimate()).isEqualTo(16044L);
        assertThat(rental.totalBytes()).isGreaterThan(rental.tableBytes());

        String summary = CatalogSummary.render(catalog);
        assertThat(summary).contains("Database " + catalog.database()).containsPattern("rental +16,044 rows");
        assertThat(summary).containsPattern("payment +16,049 rows .*\\(7 partitions\\)");
        assertThat(summary.lines().count()).isLessThanOrEqualTo(40);
    }

    @Test
    void read_pagila_jsonRoundTripGivesEqualCatalog() {
        String json = CatalogJson.toJson(catalog);

        Catalog back = CatalogJson.fromJson(json);

        assertThat(back).isEqualTo(catalog);
        assertThat(CatalogJson.toJson(back)).isEqualTo(json);
    }

    @Test
    void read_pagila_twiceWithoutStatistics_givesIdenticalJson(TestDatabase db) throws Exception {
        String first;
        String second;
        try (Connection c = db.connect()) {
            first = CatalogJson.toJson(CatalogReader.read(c, CatalogOptions.defaults().withStatistics(false)));
        }
        try (Connection c = db.connect()) {
            // A client in another time zone and search_path reads the same text.
            try (var st = c.createStatement()) {
                st.execute("set timezone = 'Asia/Kathmandu'; set search_path = public; set datestyle = 'ISO, DMY'; set intervalstyle = 'sql_standard'");
            }
            second = CatalogJson.toJson(CatalogReader.read(c, CatalogOptions.defaults().withStatistics(false)));
        }

        assertThat(second).isEqualTo(first);
        assertThat(first).doesNotContain("\"statistics\"");
    }
}
