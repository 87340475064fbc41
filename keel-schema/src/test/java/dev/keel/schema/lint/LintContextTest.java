package dev.keel.schema.lint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.Column;
import dev.keel.core.catalog.Table;
import dev.keel.core.catalog.TableStatistics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LintContextTest {

    @Test
    void defaults_arePg15WithNothingKnown() {
        LintContext context = LintContext.defaults();

        assertThat(context.pgMajor()).isEqualTo(15);
        assertThat(context.tableRows()).isEmpty();
        assertThat(context.columnTypes()).isEmpty();
        assertThat(context.disabledRules()).isEmpty();
    }

    @Test
    void constructor_rejectsBadValuesNamingThem() {
        assertThatThrownBy(() -> new LintContext(8, Map.of()))
                .hasMessage("pgMajor must be a PostgreSQL major from 9 to 99, was 8");
        assertThatThrownBy(() -> new LintContext(15, Map.of("public.t", -1L)))
                .hasMessage("tableRows: rows of public.t must be 0 or more, was -1");
        assertThatThrownBy(() -> LintContext.defaults().withDisabledRules(Set.of("lint.no-such-rule")))
                .hasMessageStartingWith("disabledRules: unknown rule 'lint.no-such-rule'; valid rules: lint.");
    }

    @Test
    void of_readsMajorRowsAndTypesFromACatalog() {
        Table orders = table("shop", "orders", new TableStatistics(1200L, 0, 0, 0),
                List.of(Column.of(1, "total", "numeric(12,2)")));
        Table fresh = table("shop", "fresh", new TableStatistics(null, 0, 0, 0), List.of());
        Table empty = table("shop", "empty", new TableStatistics(0L, 0, 0, 0), List.of());

        LintContext pg15 = LintContext.of(catalog(150010, orders, fresh, empty));
        LintContext pg13 = LintContext.of(catalog(130002, orders, fresh, empty));

        assertThat(pg15.pgMajor()).isEqualTo(15);
        assertThat(pg15.tableRows()).containsOnly(Map.entry("shop.orders", 1200L), Map.entry("shop.empty", 0L));
        assertThat(pg15.columnTypes()).containsEntry("shop.orders.total", "numeric(12,2)");
        // before 14 a 0 estimate also means "never analyzed": unknown
        assertThat(pg13.tableRows()).containsOnly(Map.entry("shop.orders", 1200L));
    }

    private static Table table(String schema, String name, TableStatistics statistics, List<Column> columns) {
        return new Table(schema, name, "keel", false, null, null, null, List.of(), false, List.of(), null, false,
                false, null, columns, List.of(), List.of(), List.of(), List.of(), statistics);
    }

    private static Catalog catalog(int versionNumber, Table... tables) {
        return new Catalog("shop", "x", versionNumber, List.of(), List.of(tables), List.of(), List.of(), List.of(),
                List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }
}
