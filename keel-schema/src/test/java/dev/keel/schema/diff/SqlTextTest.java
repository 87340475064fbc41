package dev.keel.schema.diff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Quoting of identifiers, roles, literals and collations. */
class SqlTextTest {

    @Test
    void ident_leavesPlainLowerCaseBare_andQuotesTheRest() {
        assertThat(SqlText.ident("orders")).isEqualTo("orders");
        assertThat(SqlText.ident("_x1")).isEqualTo("_x1");
        assertThat(SqlText.ident("Orders")).isEqualTo("\"Orders\"");
        assertThat(SqlText.ident("order lines")).isEqualTo("\"order lines\"");
        assertThat(SqlText.ident("1st")).isEqualTo("\"1st\"");
        assertThat(SqlText.ident("price$")).isEqualTo("\"price$\"");
        assertThat(SqlText.ident("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    }

    @Test
    void ident_quotesReservedWordsButNotUnreservedOnes() {
        assertThat(SqlText.ident("user")).isEqualTo("\"user\"");
        assertThat(SqlText.ident("order")).isEqualTo("\"order\"");
        assertThat(SqlText.ident("timestamp")).isEqualTo("\"timestamp\"");
        assertThat(SqlText.ident("name")).isEqualTo("name");
        assertThat(SqlText.ident("data")).isEqualTo("data");
    }

    @Test
    void literal_doublesQuotes_andNullIsNull() {
        assertThat(SqlText.literal("Keel's")).isEqualTo("'Keel''s'");
        assertThat(SqlText.literal(null)).isEqualTo("NULL");
    }

    @Test
    void collation_isQualifiedOnlyWhenItsPrefixIsAKnownSchema() {
        assertThat(SqlText.collation("C", Set.of("shop"))).isEqualTo("\"C\"");
        assertThat(SqlText.collation("en_US.utf8", Set.of("shop"))).isEqualTo("\"en_US.utf8\"");
        assertThat(SqlText.collation("shop.nocase", Set.of("shop"))).isEqualTo("shop.nocase");
    }

    @Test
    void role_keepsPublicAKeyword() {
        assertThat(SqlText.role("PUBLIC")).isEqualTo("PUBLIC");
        assertThat(SqlText.role("Reporting")).isEqualTo("\"Reporting\"");
    }
}
