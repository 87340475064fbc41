package dev.keel.schema.lint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// a parser loop that never ends must fail the build, not hang it
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PgTypeTest {

    private static PgType.Change change(String from, String to, int major) {
        return PgType.change(from == null ? null : PgType.parse(from), PgType.parse(to), major);
    }

    @Test
    void parse_canonicalizesSpellings() {
        assertThat(PgType.parse("character varying(40)").sql()).isEqualTo("varchar(40)");
        assertThat(PgType.parse("int4").sql()).isEqualTo("integer");
        assertThat(PgType.parse("pg_catalog.int8").sql()).isEqualTo("bigint");
        assertThat(PgType.parse("timestamp(3) with time zone").sql()).isEqualTo("timestamptz(3)");
        assertThat(PgType.parse("TIMESTAMP WITHOUT TIME ZONE").sql()).isEqualTo("timestamp");
        assertThat(PgType.parse("double precision[]").sql()).isEqualTo("double precision[]");
        assertThat(PgType.parse("decimal(10, 2)").sql()).isEqualTo("numeric(10,2)");
        assertThat(PgType.parse("bit varying(8)").sql()).isEqualTo("varbit(8)");
        assertThat(PgType.parse("float(10)").sql()).isEqualTo("real");
        assertThat(PgType.parse("\"char\"").sql()).isEqualTo("\"char\"");
        assertThat(PgType.parse("shop.money_amount").sql()).isEqualTo("shop.money_amount");
        assertThat(PgType.parse("interval day to second(3)").sql()).isEqualTo("interval(3)");
    }

    @Test
    void change_binaryCoercibleWideningsNeedNoRewrite() {
        assertThat(change("varchar(10)", "varchar(20)", 15)).isEqualTo(PgType.Change.NONE);
        assertThat(change("varchar(10)", "varchar", 15)).isEqualTo(PgType.Change.NONE);
        assertThat(change("varchar(10)", "text", 15)).isEqualTo(PgType.Change.NONE);
        assertThat(change("text", "varchar", 15)).isEqualTo(PgType.Change.NONE);
        assertThat(change("numeric(10,2)", "numeric(12,2)", 15)).isEqualTo(PgType.Change.NONE);
        assertThat(change("numeric(10,2)", "numeric", 15)).isEqualTo(PgType.Change.NONE);
        assertThat(change("varbit(4)", "varbit(8)", 15)).isEqualTo(PgType.Change.NONE);
        assertThat(change("cidr", "inet", 15)).isEqualTo(PgType.Change.NONE);
        assertThat(change("text", "citext", 15)).isEqualTo(PgType.Change.NONE);
        assertThat(change("timestamp(0)", "timestamp(6)", 15)).isEqualTo(PgType.Change.NONE);
    }

    @Test
    void change_everythingElseRewrites() {
        assertThat(change("integer", "bigint", 15)).isEqualTo(PgType.Change.REWRITE);
        assertThat(change("varchar(20)", "varchar(10)", 15)).isEqualTo(PgType.Change.REWRITE);
        assertThat(change("text", "varchar(10)", 15)).isEqualTo(PgType.Change.REWRITE);
        assertThat(change("numeric(10,2)", "numeric(12,3)", 15)).isEqualTo(PgType.Change.REWRITE);
        assertThat(change("numeric", "numeric(12,2)", 15)).isEqualTo(PgType.Change.REWRITE);
        assertThat(change("char(10)", "text", 15)).isEqualTo(PgType.Change.REWRITE);
        assertThat(change("json", "jsonb", 15)).isEqualTo(PgType.Change.REWRITE);
        assertThat(change("inet", "cidr", 15)).isEqualTo(PgType.Change.REWRITE);
        assertThat(change("integer", "integer[]", 15)).isEqualTo(PgType.Change.REWRITE);
    }

    @Test
    void change_timestampToTimestamptzDependsOnVersionAndZone() {
        assertThat(change("timestamp", "timestamptz", 12)).isEqualTo(PgType.Change.NONE_IF_UTC);
        assertThat(change("timestamptz", "timestamp", 16)).isEqualTo(PgType.Change.NONE_IF_UTC);
        assertThat(change("timestamp", "timestamptz", 11)).isEqualTo(PgType.Change.REWRITE);
    }

    @Test
    void change_unknownCurrentType() {
        assertThat(change(null, "bigint", 15)).isEqualTo(PgType.Change.REWRITE);
        assertThat(change(null, "uuid", 15)).isEqualTo(PgType.Change.REWRITE);
        assertThat(change(null, "text", 15)).isEqualTo(PgType.Change.UNKNOWN);
        assertThat(change(null, "varchar(100)", 15)).isEqualTo(PgType.Change.UNKNOWN);
        assertThat(change("shop.email", "text", 15)).isEqualTo(PgType.Change.UNKNOWN);
    }
}
