package dev.keel.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CatalogSummaryTest {

    @Test
    void render_showsDatabaseVersionAndCounts() {
        String text = CatalogSummary.render(SampleCatalog.build());

        assertThat(text).startsWith("Database shop on PostgreSQL 15.10 (Debian 15.10-1)\n");
        assertThat(text).containsPattern("tables +2 ").containsPattern("partitions +1 ")
                .containsPattern("materialized views +1 ").containsPattern("roles +2\n");
    }

    @Test
    void render_partitionedTable_showsItsPartitionsRowsAndBytes() {
        String text = CatalogSummary.render(SampleCatalog.build());

        // orders holds nothing itself; its one partition has 500 rows in 40 kB.
        assertThat(text).containsPattern("orders +500 rows +40 kB +\\(1 partition\\)");
        assertThat(text).containsPattern("customer +1,200 rows +80 kB");
        assertThat(text).doesNotContain("orders_2024");
    }

    @Test
    void render_bigDatabase_staysUnderFortyLines() {
        List<Schema> schemas = new ArrayList<>();
        List<Table> tables = new ArrayList<>();
        for (int s = 0; s < 30; s++) {
            schemas.add(new Schema("s" + s, "o", null, List.of()));
            for (int t = 0; t < 400; t++) {
                tables.add(SampleCatalog.table("s" + s, "table_with_a_rather_long_name_number_" + t,
                        new TableStatistics((long) t * 1000, (long) (s + 1) * t * 8192, t * 4096L, t * 4096L)));
            }
        }
        Catalog big = new Catalog("big", "16.4", 160004, schemas, tables, List.of(), List.of(), List.of(),
                List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

        String text = CatalogSummary.render(big);

        assertThat(text.lines().count()).isLessThanOrEqualTo(40);
        assertThat(text).contains("tables                  12,000");
        // Largest schema first, its largest table first.
        assertThat(text).containsPattern("\n  s29: 400 tables, [0-9.]+ GB\n    table_with_a_rather_long_name_n… +399,000 rows");
        assertThat(text).contains("… 24 more schemas, 9,600 tables");
    }

    @Test
    void render_withoutStatistics_listsSchemasAndSaysSizesWereNotRead() {
        Catalog catalog = new Catalog("d", "15.1", 150001, List.of(new Schema("app", "o", null, List.of())),
                List.of(SampleCatalog.table("app", "a", null), SampleCatalog.table("app", "b", null)), List.of(),
                List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of());

        String text = CatalogSummary.render(catalog);

        assertThat(text).contains("Tables (sizes not read)\n  app: 2 tables\n");
        assertThat(text).doesNotContain("rows");
    }

    @Test
    void size_usesPgSizePrettyUnits() {
        assertThat(CatalogSummary.size(512)).isEqualTo("512 bytes");
        assertThat(CatalogSummary.size(8192)).isEqualTo("8.0 kB");
        assertThat(CatalogSummary.size(250L * 1024 * 1024)).isEqualTo("250 MB");
        assertThat(CatalogSummary.size(3L * 1024 * 1024 * 1024 * 1024)).isEqualTo("3.0 TB");
    }
}
