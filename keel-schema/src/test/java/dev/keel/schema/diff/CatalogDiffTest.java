package dev.keel.schema.diff;

import static dev.keel.schema.diff.TestCatalog.check;
import static dev.keel.schema.diff.TestCatalog.clonedIndex;
import static dev.keel.schema.diff.TestCatalog.column;
import static dev.keel.schema.diff.TestCatalog.foreignKey;
import static dev.keel.schema.diff.TestCatalog.function;
import static dev.keel.schema.diff.TestCatalog.grant;
import static dev.keel.schema.diff.TestCatalog.index;
import static dev.keel.schema.diff.TestCatalog.notNull;
import static dev.keel.schema.diff.TestCatalog.policy;
import static dev.keel.schema.diff.TestCatalog.primaryKey;
import static dev.keel.schema.diff.TestCatalog.sequence;
import static dev.keel.schema.diff.TestCatalog.shop;
import static dev.keel.schema.diff.TestCatalog.table;
import static dev.keel.schema.diff.TestCatalog.trigger;
import static dev.keel.schema.diff.TestCatalog.view;
import static dev.keel.schema.diff.TestCatalog.withDefault;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.Column;
import dev.keel.core.catalog.ColumnRef;
import dev.keel.core.catalog.Domain;
import dev.keel.core.catalog.Extension;
import dev.keel.core.catalog.Grant;
import dev.keel.core.catalog.Index;
import dev.keel.core.catalog.Routine;
import dev.keel.core.catalog.Schema;
import dev.keel.core.catalog.Sequence;
import dev.keel.core.catalog.TableStatistics;
import dev.keel.core.catalog.View;
import dev.keel.core.catalog.Trigger;
import dev.keel.schema.diff.Difference.Change;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The diff on hand-built catalogs: each kind of difference, its detail and its DDL, and their order. */
class CatalogDiffTest {

    private static final String ORDERS_IDS = "CREATE INDEX orders_customer_idx ON shop.orders USING btree (customer_id)";

    private static TestCatalog.TableBuilder orders() {
        return table("orders")
                .columns(notNull(1, "order_id", "bigint"), notNull(2, "customer_id", "bigint"),
                        withDefault(3, "status", "text", "'new'::text"))
                .constraints(primaryKey("orders_pkey", "order_id"))
                .indexes(index("orders_customer_idx", "orders", "customer_id"));
    }

    private static TestCatalog.TableBuilder customers() {
        return table("customers").columns(notNull(1, "customer_id", "bigint"), column(2, "name", "text"))
                .constraints(primaryKey("customers_pkey", "customer_id"));
    }

    private static Difference only(List<Difference> differences) {
        assertThat(differences).hasSize(1);
        return differences.get(0);
    }

    // ---- the whole --------------------------------------------------------------------------------------

    @Test
    void compare_aCatalogWithItself_findsNothing() {
        Catalog c = shop().table(orders()).table(customers()).enumType("status", "a", "b").build();

        assertThat(CatalogDiff.compare(c, c)).isEmpty();
    }

    @Test
    void compare_nullArguments_areRejectedByName() {
        Catalog c = shop().build();

        assertThatThrownBy(() -> CatalogDiff.compare(null, c)).hasMessage("null expected");
        assertThatThrownBy(() -> CatalogDiff.compare(c, c, null)).hasMessage("null options");
    }

    @Test
    void compare_onlyStatisticsDiffer_findsNothing() {
        Catalog expected = shop().table(orders().statistics(new TableStatistics(10L, 8192, 8192, 0))).build();
        Catalog actual = shop().table(orders().statistics(new TableStatistics(99999L, 81920, 61440, 20480))).build();

        assertThat(CatalogDiff.compare(expected, actual)).isEmpty();
    }

    // ---- tables -----------------------------------------------------------------------------------------

    @Test
    void compare_missingTable_createsItWithColumnsKeysAndComment() {
        Catalog expected = shop().table(orders().comment("What customers buy.")).build();
        Catalog actual = shop().build();

        Difference d = only(CatalogDiff.compare(expected, actual).stream().filter(x -> x.kind().equals("table")).toList());

        assertThat(d).extracting(Difference::object, Difference::change).containsExactly("shop.orders", Change.MISSING);
        assertThat(d.ddl()).isEqualTo("""
                CREATE TABLE shop.orders (
                    order_id bigint NOT NULL,
                    customer_id bigint NOT NULL,
                    status text DEFAULT 'new'::text,
                    CONSTRAINT orders_pkey PRIMARY KEY (order_id)
                );
                COMMENT ON TABLE shop.orders IS 'What customers buy.';""");
    }

    @Test
    void compare_missingTable_itsIndexesAndForeignKeysAreDifferencesOfTheirOwnAfterAllTables() {
        Catalog expected = shop().table(customers())
                .table(orders().constraints(foreignKey("orders_customer_fk", "customer_id", "customers", "customer_id")))
                .build();
        Catalog actual = shop().build();

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).extracting(Difference::kind, Difference::object).containsExactly(
                tuple("table", "shop.customers"),
                tuple("table", "shop.orders"),
                tuple("constraint", "shop.orders.orders_customer_fk"),
                tuple("index", "shop.orders.orders_customer_idx"));
        assertThat(differences.get(2).ddl()).isEqualTo("ALTER TABLE shop.orders ADD CONSTRAINT orders_customer_fk "
                + "FOREIGN KEY (customer_id) REFERENCES shop.customers(customer_id);");
        assertThat(differences.get(3).ddl()).isEqualTo(ORDERS_IDS + ";");
    }

    @Test
    void compare_extraTable_dropsItAloneAfterTheOtherChanges() {
        Catalog expected = shop().table(orders()).build();
        Catalog actual = shop().table(orders().columns(column(4, "note", "text"))).table(customers()).build();

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).extracting(Difference::kind, Difference::object, Difference::change, Difference::ddl)
                .containsExactly(
                        tuple("column", "shop.orders.note", Change.EXTRA,
                                "ALTER TABLE shop.orders DROP COLUMN note;"),
                        tuple("table", "shop.customers", Change.EXTRA,
                                "DROP TABLE shop.customers;"));
    }

    @Test
    void compare_rowLevelSecurityAndComment_alterTheTable() {
        Catalog expected = shop().table(orders().rowSecurity().comment("Orders.")).build();
        Catalog actual = shop().table(orders()).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.detail()).isEqualTo("row level security disabled → enabled; comment differs");
        assertThat(d.ddl()).isEqualTo("""
                ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY;
                COMMENT ON TABLE shop.orders IS 'Orders.';""");
    }

    @Test
    void compare_partitionBoundChanged_detachesAndAttachesAgain() {
        TestCatalog.TableBuilder parent = table("payments").columns(notNull(1, "paid_at", "date"))
                .partitionedBy("RANGE (paid_at)");
        Catalog expected = shop().table(parent).table(table("payments_2024").columns(notNull(1, "paid_at", "date"))
                .partitionOf("payments", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")).build();
        Catalog actual = shop().table(parent).table(table("payments_2024").columns(notNull(1, "paid_at", "date"))
                .partitionOf("payments", "FOR VALUES FROM ('2024-01-01') TO ('2024-07-01')")).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d).extracting(Difference::kind, Difference::object).containsExactly("table", "shop.payments_2024");
        assertThat(d.ddl()).isEqualTo("""
                ALTER TABLE shop.payments DETACH PARTITION shop.payments_2024;
                ALTER TABLE shop.payments ATTACH PARTITION shop.payments_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');""");
    }

    @Test
    void compare_missingPartition_isCreatedAsPartitionOfItsParentWithoutClonedIndexes() {
        TestCatalog.TableBuilder parent = table("payments").columns(notNull(1, "paid_at", "date"))
                .partitionedBy("RANGE (paid_at)")
                .indexes(new Index("payments_paid_at_idx", "btree", List.of("paid_at"), List.of(),
                        null, false, false, true, "CREATE INDEX payments_paid_at_idx ON ONLY shop.payments USING btree (paid_at)",
                        null, null, null, null));
        Catalog expected = shop().table(parent).table(table("payments_2024").columns(notNull(1, "paid_at", "date"))
                .partitionOf("payments", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")
                .indexes(clonedIndex("payments_2024_paid_at_idx", "payments_2024", "paid_at", "payments_paid_at_idx")))
                .build();
        Catalog actual = shop().table(parent).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.detail()).isEqualTo("missing partition of shop.payments");
        assertThat(d.ddl()).isEqualTo("""
                CREATE TABLE shop.payments_2024 PARTITION OF shop.payments
                FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');""");
    }

    @Test
    void compare_indexOfPartitionedTable_isCreatedWithoutOnlySoItReachesThePartitions() {
        dev.keel.core.catalog.Index onParent = new Index("payments_paid_at_idx", "btree",
                List.of("paid_at"), List.of(), null, false, false, true,
                "CREATE INDEX payments_paid_at_idx ON ONLY shop.payments USING btree (paid_at)", null, null, null, null);
        TestCatalog.TableBuilder bare = table("payments").columns(notNull(1, "paid_at", "date")).partitionedBy("RANGE (paid_at)");
        Catalog expected = shop().table(table("payments").columns(notNull(1, "paid_at", "date"))
                        .partitionedBy("RANGE (paid_at)").indexes(onParent))
                .table(table("p1").columns(notNull(1, "paid_at", "date")).partitionOf("payments", "DEFAULT")
                        .indexes(clonedIndex("p1_paid_at_idx", "p1", "paid_at", "payments_paid_at_idx")))
                .build();
        Catalog actual = shop().table(bare)
                .table(table("p1").columns(notNull(1, "paid_at", "date")).partitionOf("payments", "DEFAULT")).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.object()).isEqualTo("shop.payments.payments_paid_at_idx");
        assertThat(d.ddl()).isEqualTo("CREATE INDEX payments_paid_at_idx ON shop.payments USING btree (paid_at);");
    }

    @Test
    void compare_clonedIndexOfChangedParentIndex_isReportedOnTheParentOnly() {
        Catalog expected = shop()
                .table(table("payments").columns(notNull(1, "a", "int"), notNull(2, "b", "int")).partitionedBy("LIST (a)")
                        .indexes(index("payments_x", "payments", "a")))
                .table(table("p1").columns(notNull(1, "a", "int"), notNull(2, "b", "int")).partitionOf("payments", "DEFAULT")
                        .indexes(clonedIndex("p1_x", "p1", "a", "payments_x")))
                .build();
        Catalog actual = shop()
                .table(table("payments").columns(notNull(1, "a", "int"), notNull(2, "b", "int")).partitionedBy("LIST (a)")
                        .indexes(index("payments_x", "payments", "b")))
                .table(table("p1").columns(notNull(1, "a", "int"), notNull(2, "b", "int")).partitionOf("payments", "DEFAULT")
                        .indexes(clonedIndex("p1_x", "p1", "b", "payments_x")))
                .build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.object()).isEqualTo("shop.payments.payments_x");
        assertThat(d.ddl()).isEqualTo("""
                DROP INDEX IF EXISTS shop.payments_x;
                CREATE INDEX payments_x ON shop.payments USING btree (a);""");
    }

    @Test
    void compare_partitionColumnChangedLikeItsParent_isReportedOnTheParentOnly() {
        Catalog expected = shop()
                .table(table("payments").columns(notNull(1, "a", "bigint")).partitionedBy("LIST (a)"))
                .table(table("p1").columns(notNull(1, "a", "bigint")).partitionOf("payments", "DEFAULT")).build();
        Catalog actual = shop()
                .table(table("payments").columns(notNull(1, "a", "integer")).partitionedBy("LIST (a)"))
                .table(table("p1").columns(notNull(1, "a", "integer")).partitionOf("payments", "DEFAULT")).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d).extracting(Difference::object, Difference::detail).containsExactly("shop.payments.a",
                "type integer → bigint");
    }

    // ---- columns ----------------------------------------------------------------------------------------

    @Test
    void compare_columnTypeChanged_altersTheTypeUsingACast() {
        Catalog expected = shop().table(table("t").columns(column(1, "n", "bigint"))).build();
        Catalog actual = shop().table(table("t").columns(column(1, "n", "integer"))).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d).extracting(Difference::kind, Difference::object, Difference::change, Difference::detail)
                .containsExactly("column", "shop.t.n", Change.CHANGED, "type integer → bigint");
        assertThat(d.ddl()).isEqualTo("ALTER TABLE shop.t ALTER COLUMN n TYPE bigint USING n::bigint;");
    }

    @Test
    void compare_columnTypeChangedUnderAView_dropsAndCreatesTheViewAroundIt() {
        View v = view("v", " SELECT t.n\n   FROM shop.t;", List.of(column(1, "n", "integer")),
                List.of(grant("reporting", "SELECT")));
        Catalog expected = shop().table(table("t").columns(column(1, "n", "bigint")))
                .view(view("v", " SELECT t.n\n   FROM shop.t;", List.of(column(1, "n", "bigint")),
                        List.of(grant("reporting", "SELECT"))))
                .build();
        Catalog actual = shop().table(table("t").columns(column(1, "n", "integer"))).view(v).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.detail()).isEqualTo("type integer → bigint (dependent views dropped and created again: shop.v)");
        assertThat(d.ddl()).isEqualTo("""
                DROP VIEW shop.v;
                ALTER TABLE shop.t ALTER COLUMN n TYPE bigint USING n::bigint;
                CREATE VIEW shop.v AS
                SELECT t.n
                   FROM shop.t;
                GRANT SELECT ON TABLE shop.v TO reporting;""");
    }

    @Test
    void compare_nullabilityChanged_setsOrDropsNotNull() {
        Catalog expected = shop().table(table("t").columns(notNull(1, "a", "text"), column(2, "b", "text"))).build();
        Catalog actual = shop().table(table("t").columns(column(1, "a", "text"), notNull(2, "b", "text"))).build();

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).extracting(Difference::object, Difference::detail, Difference::ddl).containsExactly(
                tuple("shop.t.a", "nullable → NOT NULL",
                        "ALTER TABLE shop.t ALTER COLUMN a SET NOT NULL;"),
                tuple("shop.t.b", "NOT NULL → nullable",
                        "ALTER TABLE shop.t ALTER COLUMN b DROP NOT NULL;"));
    }

    @Test
    void compare_defaultChanged_setsOrDropsTheDefault() {
        Catalog expected = shop().table(table("t").columns(withDefault(1, "a", "integer", "0"), column(2, "b", "text")))
                .build();
        Catalog actual = shop().table(table("t").columns(column(1, "a", "integer"),
                withDefault(2, "b", "text", "'x'::text"))).build();

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).extracting(Difference::detail, Difference::ddl).containsExactly(
                tuple("default none → 0", "ALTER TABLE shop.t ALTER COLUMN a SET DEFAULT 0;"),
                tuple("default 'x'::text → none", "ALTER TABLE shop.t ALTER COLUMN b DROP DEFAULT;"));
    }

    @Test
    void compare_typeAndDefaultChanged_dropsTheDefaultAroundTheTypeChange() {
        Catalog expected = shop().table(table("t").columns(withDefault(1, "a", "bigint", "1"))).build();
        Catalog actual = shop().table(table("t").columns(withDefault(1, "a", "text", "'1'::text"))).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.detail()).isEqualTo("type text → bigint; default '1'::text → 1");
        assertThat(d.ddl()).isEqualTo("""
                ALTER TABLE shop.t ALTER COLUMN a DROP DEFAULT;
                ALTER TABLE shop.t ALTER COLUMN a TYPE bigint USING a::bigint;
                ALTER TABLE shop.t ALTER COLUMN a SET DEFAULT 1;""");
    }

    @Test
    void compare_missingColumn_addsItWithItsDefinition() {
        Catalog expected = shop().table(table("t").columns(column(1, "a", "text"),
                new Column(2, "b", "integer", true, "0", null, null, null, "B.", List.of()))).build();
        Catalog actual = shop().table(table("t").columns(column(1, "a", "text"))).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d).extracting(Difference::change, Difference::detail)
                .containsExactly(Change.MISSING, "missing: integer DEFAULT 0 NOT NULL");
        assertThat(d.ddl()).isEqualTo("""
                ALTER TABLE shop.t ADD COLUMN b integer DEFAULT 0 NOT NULL;
                COMMENT ON COLUMN shop.t.b IS 'B.';""");
    }

    @Test
    void compare_columnAtAnotherPosition_isNoDifference() {
        Catalog expected = shop().table(table("t").columns(column(1, "a", "text"), column(2, "b", "text"))).build();
        Catalog actual = shop().table(table("t").columns(column(1, "b", "text"), column(2, "a", "text"))).build();

        assertThat(CatalogDiff.compare(expected, actual)).isEmpty();
    }

    @Test
    void compare_identityAdded_replacesTheSerialDefault() {
        Column identity = new Column(1, "id", "bigint", true, null, Column.Identity.ALWAYS, null, null, null, List.of());
        Catalog expected = shop().table(table("t").columns(identity)).build();
        Catalog actual = shop().table(table("t").columns(new Column(1, "id", "bigint", true,
                "nextval('shop.t_id_seq'::regclass)", null, null, null, null, List.of()))).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.ddl()).isEqualTo("""
                ALTER TABLE shop.t ALTER COLUMN id DROP DEFAULT;
                ALTER TABLE shop.t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;""");
    }

    // ---- constraints ------------------------------------------------------------------------------------

    @Test
    void compare_checkChanged_dropsAndAddsItInOneStatement() {
        Catalog expected = shop().table(table("t").columns(column(1, "n", "int")).constraints(check("t_n", "CHECK ((n > 0))")))
                .build();
        Catalog actual = shop().table(table("t").columns(column(1, "n", "int")).constraints(check("t_n", "CHECK ((n >= 0))")))
                .build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.detail()).isEqualTo("definition CHECK ((n >= 0)) → CHECK ((n > 0))");
        assertThat(d.ddl()).isEqualTo("ALTER TABLE shop.t DROP CONSTRAINT t_n, ADD CONSTRAINT t_n CHECK ((n > 0));");
    }

    @Test
    void compare_constraintNotValidInActual_isValidated_butNotTheOtherWayRound() {
        TestCatalog.TableBuilder valid = table("t").columns(column(1, "n", "int")).constraints(check("t_n", "CHECK ((n > 0))"));
        TestCatalog.TableBuilder notValid = table("t").columns(column(1, "n", "int"))
                .constraints(check("t_n", "CHECK ((n > 0)) NOT VALID"));

        Difference d = only(CatalogDiff.compare(shop().table(valid).build(), shop().table(notValid).build()));

        assertThat(d).extracting(Difference::detail, Difference::ddl)
                .containsExactly("NOT VALID → validated", "ALTER TABLE shop.t VALIDATE CONSTRAINT t_n;");
        assertThat(CatalogDiff.compare(shop().table(notValid).build(), shop().table(valid).build())).isEmpty();
    }

    @Test
    void compare_extraForeignKey_isDroppedBeforeEverythingElse() {
        Catalog expected = shop().table(customers()).table(orders().columns(column(4, "note", "text"))).build();
        Catalog actual = shop().table(customers())
                .table(orders().constraints(foreignKey("orders_customer_fk", "customer_id", "customers", "customer_id")))
                .build();

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).extracting(Difference::ddl).containsExactly(
                "ALTER TABLE shop.orders DROP CONSTRAINT orders_customer_fk;",
                "ALTER TABLE shop.orders ADD COLUMN note text;");
    }

    // ---- indexes ----------------------------------------------------------------------------------------

    @Test
    void compare_indexes_missingCreatedExtraDroppedChangedReplaced() {
        Catalog expected = shop().table(table("t").columns(column(1, "a", "int"), column(2, "b", "int"))
                .indexes(index("t_a", "t", "a"), index("t_b", "t", "b"))).build();
        Catalog actual = shop().table(table("t").columns(column(1, "a", "int"), column(2, "b", "int"))
                .indexes(index("t_b", "t", "a"), index("t_old", "t", "b"))).build();

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).extracting(Difference::object, Difference::change, Difference::ddl).containsExactly(
                tuple("shop.t.t_old", Change.EXTRA, "DROP INDEX shop.t_old;"),
                tuple("shop.t.t_a", Change.MISSING,
                        "CREATE INDEX t_a ON shop.t USING btree (a);"),
                tuple("shop.t.t_b", Change.CHANGED,
                        "DROP INDEX IF EXISTS shop.t_b;\nCREATE INDEX t_b ON shop.t USING btree (b);"));
    }

    // ---- views ------------------------------------------------------------------------------------------

    @Test
    void compare_viewGainingColumns_isReplaced() {
        Catalog expected = shop().view(view("v", " SELECT 1 AS a,\n    2 AS b;",
                List.of(column(1, "a", "integer"), column(2, "b", "integer")), List.of())).build();
        Catalog actual = shop().view(view("v", " SELECT 1 AS a;", List.of(column(1, "a", "integer")), List.of())).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d).extracting(Difference::kind, Difference::detail).containsExactly("view", "definition differs");
        assertThat(d.ddl()).isEqualTo("CREATE OR REPLACE VIEW shop.v AS\nSELECT 1 AS a,\n    2 AS b;");
    }

    @Test
    void compare_viewLosingColumns_isDroppedAndCreatedWithItsGrants() {
        Catalog expected = shop().roles("reporting").view(view("v", " SELECT 1 AS a;",
                List.of(column(1, "a", "integer")), List.of(grant("reporting", "SELECT")))).build();
        Catalog actual = shop().roles("reporting").view(view("v", " SELECT 1 AS a,\n    2 AS b;",
                List.of(column(1, "a", "integer"), column(2, "b", "integer")), List.of())).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.ddl()).isEqualTo("""
                DROP VIEW shop.v;
                CREATE VIEW shop.v AS
                SELECT 1 AS a;
                GRANT SELECT ON TABLE shop.v TO reporting;""");
    }

    @Test
    void compare_recreatedView_takesTheViewsReadingItAlongAndBringsThemBack() {
        View reader = view("reader", " SELECT v.a\n   FROM shop.v;", List.of(column(1, "a", "integer")),
                List.of(grant("reporting", "SELECT")));
        Catalog expected = shop().roles("reporting")
                .view(view("v", " SELECT 1 AS a;", List.of(column(1, "a", "integer")), List.of())).view(reader).build();
        Catalog actual = shop().roles("reporting").view(view("v", " SELECT 1 AS a,\n    2 AS b;",
                List.of(column(1, "a", "integer"), column(2, "b", "integer")), List.of())).view(reader).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.detail()).isEqualTo("definition differs (dropped and created again: its columns change); "
                + "views reading it dropped and created again: shop.reader");
        assertThat(d.ddl()).isEqualTo("""
                DROP VIEW shop.reader;
                DROP VIEW shop.v;
                CREATE VIEW shop.v AS
                SELECT 1 AS a;
                CREATE VIEW shop.reader AS
                SELECT v.a
                   FROM shop.v;
                GRANT SELECT ON TABLE shop.reader TO reporting;""");
    }

    @Test
    void compare_extraViewStillReadByAKeptView_isDroppedWithCascadeAndTheReaderCreatedAgain() {
        View kept = view("kept", " SELECT t.a\n   FROM shop.t;", List.of(column(1, "a", "integer")), List.of());
        Catalog expected = shop().table(table("t").columns(column(1, "a", "integer"))).view(kept).build();
        Catalog actual = shop().table(table("t").columns(column(1, "a", "integer")))
                .view(view("extra", " SELECT t.a\n   FROM shop.t;", List.of(column(1, "a", "integer")), List.of()))
                .view(view("kept", " SELECT extra.a\n   FROM shop.extra;", List.of(column(1, "a", "integer")),
                        List.of()))
                .build();

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).extracting(Difference::object, Difference::ddl).containsExactly(
                tuple("shop.extra", "DROP VIEW shop.extra CASCADE;"),
                tuple("shop.kept", "DROP VIEW IF EXISTS shop.kept;\nCREATE VIEW shop.kept AS\nSELECT t.a\n   FROM shop.t;"));
        assertThat(differences.get(0).detail()).contains("shop.kept");
    }

    // ---- routines and triggers --------------------------------------------------------------------------

    @Test
    void compare_functionBodyChanged_isReplacedAndNamedByArgumentTypes() {
        Catalog expected = shop().routine(function("total", "p_customer bigint", "numeric", "select 2")).build();
        Catalog actual = shop().routine(function("total", "p_customer bigint", "numeric", "select 1")).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d).extracting(Difference::kind, Difference::object, Difference::detail)
                .containsExactly("function", "shop.total(bigint)", "definition differs");
        assertThat(d.ddl()).isEqualTo("""
                CREATE OR REPLACE FUNCTION shop.total(p_customer bigint)
                 RETURNS numeric
                 LANGUAGE sql
                AS $function$select 2$function$;""");
    }

    @Test
    void compare_functionResultChanged_isDroppedAndCreated() {
        Catalog expected = shop().routine(function("f", "", "bigint", "select 1")).build();
        Catalog actual = shop().routine(function("f", "", "integer", "select 1")).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.detail()).isEqualTo("definition differs (dropped and created again: result type changed)");
        assertThat(d.ddl()).startsWith("DROP FUNCTION shop.f();\nCREATE OR REPLACE FUNCTION shop.f()");
    }

    @Test
    void compare_functionWithoutPublicExecute_isCreatedAndRevokedFromPublic() {
        Routine f = function("f", "", "integer", "select 1");
        Routine revoked = new Routine(f.schema(), f.name(), f.kind(), f.arguments(), f.result(), f.language(),
                f.volatility(), f.parallel(), f.strict(), f.securityDefiner(), f.leakproof(), f.config(),
                f.definition(), f.owner(), null, List.of(new Grant(TestCatalog.OWNER, TestCatalog.OWNER,
                List.of("EXECUTE"), false)));

        Difference d = only(CatalogDiff.compare(shop().routine(revoked).build(), shop().build()));

        assertThat(d.ddl()).endsWith("$function$;\nREVOKE EXECUTE ON FUNCTION shop.f() FROM PUBLIC;");
    }

    @Test
    void compare_missingAggregate_isReportedWithoutDdl() {
        Routine agg = new Routine("shop", "total", Routine.Kind.AGGREGATE, "numeric", "numeric", "internal",
                Routine.Volatility.IMMUTABLE, Routine.Parallel.SAFE, false, false, false, List.of(), null,
                TestCatalog.OWNER, null, List.of());

        List<Difference> differences = CatalogDiff.compare(shop().routine(agg).build(), shop().build());

        assertThat(only(differences).ddl()).isEmpty();
        assertThat(differences.get(0).detail()).contains("no DDL");
        assertThat(CatalogDiff.ddl(differences)).isEmpty();
    }

    @Test
    void compare_triggers_missingCreatedExtraDroppedFirstChangedReplaced() {
        Catalog expected = shop().table(orders())
                .trigger(trigger("orders", "a_missing", "BEFORE UPDATE", Trigger.Enabled.DISABLED))
                .trigger(trigger("orders", "b_changed", "BEFORE UPDATE", Trigger.Enabled.ORIGIN)).build();
        Catalog actual = shop().table(orders())
                .trigger(trigger("orders", "b_changed", "AFTER UPDATE", Trigger.Enabled.ORIGIN))
                .trigger(trigger("orders", "c_extra", "BEFORE UPDATE", Trigger.Enabled.ORIGIN)).build();

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).extracting(Difference::object, Difference::ddl).containsExactly(
                tuple("shop.orders.c_extra", "DROP TRIGGER c_extra ON shop.orders;"),
                tuple("shop.orders.a_missing", """
                        CREATE TRIGGER a_missing BEFORE UPDATE ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.touch();
                        ALTER TABLE shop.orders DISABLE TRIGGER a_missing;"""),
                tuple("shop.orders.b_changed", """
                        DROP TRIGGER IF EXISTS b_changed ON shop.orders;
                        CREATE TRIGGER b_changed BEFORE UPDATE ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.touch();"""));
    }

    // ---- sequences, policies, types, schemas, extensions ------------------------------------------------

    @Test
    void compare_sequenceChanged_altersOnlyWhatDiffers() {
        Catalog expected = shop().sequence(sequence("invoice_no", 10)).build();
        Catalog actual = shop().sequence(sequence("invoice_no", 1)).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d).extracting(Difference::kind, Difference::detail, Difference::ddl).containsExactly("sequence",
                "increment 1 → 10", "ALTER SEQUENCE shop.invoice_no INCREMENT BY 10;");
    }

    @Test
    void compare_missingSerialSequence_isOwnedByItsColumnOnceTheTableExists() {
        Sequence seq = new Sequence("shop", "t_id_seq", TestCatalog.OWNER, "integer", 1, 1, 1, Integer.MAX_VALUE, false,
                1, new ColumnRef("shop", "t", "id"), false, null, List.of());
        Catalog expected = shop().sequence(seq).table(table("t").columns(new Column(1, "id", "integer", true,
                "nextval('shop.t_id_seq'::regclass)", null, null, null, null, List.of()))).build();

        List<Difference> differences = CatalogDiff.compare(expected, shop().build());

        assertThat(differences).extracting(Difference::ddl).containsExactly(
                "CREATE SEQUENCE shop.t_id_seq AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1"
                        + " CACHE 1 NO CYCLE;",
                """
                        CREATE TABLE shop.t (
                            id integer DEFAULT nextval('shop.t_id_seq'::regclass) NOT NULL
                        );
                        ALTER SEQUENCE shop.t_id_seq OWNED BY shop.t.id;""");
    }

    @Test
    void compare_policies_missingCreatedExtraDroppedChangedReplaced() {
        Catalog expected = shop().table(orders().rowSecurity().policies(policy("a", "(customer_id > 0)"),
                policy("b", "true"))).build();
        Catalog actual = shop().table(orders().rowSecurity().policies(policy("b", "false"), policy("c", "true"))).build();

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).extracting(Difference::object, Difference::change, Difference::ddl).containsExactly(
                tuple("shop.orders.c", Change.EXTRA, "DROP POLICY c ON shop.orders;"),
                tuple("shop.orders.a", Change.MISSING,
                        "CREATE POLICY a ON shop.orders AS PERMISSIVE FOR SELECT TO PUBLIC USING ((customer_id > 0));"),
                tuple("shop.orders.b", Change.CHANGED, """
                        DROP POLICY b ON shop.orders;
                        CREATE POLICY b ON shop.orders AS PERMISSIVE FOR SELECT TO PUBLIC USING (true);"""));
    }

    @Test
    void compare_enumLabelAdded_addsItAfterItsPredecessor() {
        Catalog expected = shop().enumType("status", "new", "paid", "shipped").build();
        Catalog actual = shop().enumType("status", "new", "shipped").build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d).extracting(Difference::kind, Difference::detail, Difference::ddl).containsExactly("enum",
                "missing labels ('paid')", "ALTER TYPE shop.status ADD VALUE 'paid' AFTER 'new';");
    }

    @Test
    void compare_enumLabelRenamed_renamesTheValue() {
        Catalog expected = shop().enumType("status", "new", "paid").build();
        Catalog actual = shop().enumType("status", "new", "payed").build();

        assertThat(only(CatalogDiff.compare(expected, actual)).ddl())
                .isEqualTo("ALTER TYPE shop.status RENAME VALUE 'payed' TO 'paid';");
    }

    @Test
    void compare_enumLabelRemoved_recreatesTheTypeAndConvertsItsColumns() {
        TestCatalog.TableBuilder t = table("t").columns(withDefault(1, "s", "shop.status", "'new'::shop.status"));
        Catalog expected = shop().enumType("status", "new", "paid").table(t).build();
        Catalog actual = shop().enumType("status", "new", "paid", "lost").table(t).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d.ddl()).isEqualTo("""
                ALTER TYPE shop.status RENAME TO status__keel_old;
                CREATE TYPE shop.status AS ENUM ('new', 'paid');
                ALTER TABLE shop.t ALTER COLUMN s DROP DEFAULT;
                ALTER TABLE shop.t ALTER COLUMN s TYPE shop.status USING s::text::shop.status;
                ALTER TABLE shop.t ALTER COLUMN s SET DEFAULT 'new'::shop.status;
                DROP TYPE shop.status__keel_old;""");
    }

    @Test
    void compare_domainChanged_altersDefaultAndChecks() {
        Domain expected = new Domain("shop", "email", TestCatalog.OWNER, "text", true, null, null,
                List.of(new Domain.Check("email_at", "CHECK ((VALUE ~~ '%@%'::text))", true)), null, List.of());
        Domain actual = new Domain("shop", "email", TestCatalog.OWNER, "text", false, "''::text", null,
                List.of(new Domain.Check("email_len", "CHECK ((length(VALUE) > 3))", true)), null, List.of());

        Difference d = only(CatalogDiff.compare(shop().domain(expected).build(), shop().domain(actual).build()));

        assertThat(d.ddl()).isEqualTo("""
                ALTER DOMAIN shop.email DROP DEFAULT;
                ALTER DOMAIN shop.email SET NOT NULL;
                ALTER DOMAIN shop.email ADD CONSTRAINT email_at CHECK ((VALUE ~~ '%@%'::text));
                ALTER DOMAIN shop.email DROP CONSTRAINT email_len;""");
    }

    @Test
    void compare_missingSchemaAndExtension_comeFirst() {
        Catalog expected = shop().schema(new Schema("audit", TestCatalog.OWNER, null, List.of()))
                .extension(new Extension("pgcrypto", "1.3", "audit", TestCatalog.OWNER, null))
                .table(table("t").columns(column(1, "a", "text"))).build();
        Catalog actual = shop().build();

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).extracting(Difference::ddl).containsExactly(
                "CREATE SCHEMA audit;",
                "CREATE EXTENSION pgcrypto WITH SCHEMA audit VERSION '1.3';",
                "CREATE TABLE shop.t (\n    a text\n);");
    }

    // ---- privileges and owners --------------------------------------------------------------------------

    @Test
    void compare_grants_missingGrantedExtraRevokedPerGrantee() {
        Catalog expected = shop().roles("owner", "reporting", "app")
                .table(orders().grants(grant("reporting", "SELECT"), grant("app", "SELECT", "INSERT"))).build();
        Catalog actual = shop().roles("owner", "reporting", "app")
                .table(orders().grants(grant("app", "SELECT", "DELETE"))).build();

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).extracting(Difference::kind, Difference::change, Difference::detail, Difference::ddl)
                .containsExactly(
                        tuple("privilege", Change.CHANGED,
                                "missing grant INSERT to app; extra grant DELETE to app",
                                "REVOKE DELETE ON TABLE shop.orders FROM app;\nGRANT INSERT ON TABLE shop.orders TO app;"),
                        tuple("privilege", Change.MISSING,
                                "missing grant SELECT to reporting", "GRANT SELECT ON TABLE shop.orders TO reporting;"));
    }

    @Test
    void compare_grantsToARoleOnlyOneServerHas_areNotCompared() {
        Catalog expected = shop().roles("owner", "scratch_only").table(orders().grants(grant("scratch_only", "SELECT")))
                .build();
        Catalog actual = shop().roles("owner").table(orders()).build();

        assertThat(CatalogDiff.compare(expected, actual)).isEmpty();
    }

    @Test
    void compare_grantOptionDiffers_grantsOrRevokesTheOption() {
        Catalog expected = shop().table(orders().grants(new Grant("app", "owner", List.of("SELECT"), true))).build();
        Catalog actual = shop().table(orders().grants(grant("app", "SELECT"))).build();

        Difference d = only(CatalogDiff.compare(expected, actual));

        assertThat(d).extracting(Difference::detail, Difference::ddl).containsExactly(
                "missing grant option for SELECT to app", "GRANT SELECT ON TABLE shop.orders TO app WITH GRANT OPTION;");
    }

    @Test
    void compare_differentOwners_areIgnoredByDefaultWithTheirOwnPrivileges() {
        Catalog scratch = shop().ownedBy("keel").table(orders()).build();
        Catalog live = shop().ownedBy("app_owner").table(orders()).build();

        assertThat(CatalogDiff.compare(scratch, live)).isEmpty();
        assertThat(CatalogDiff.compare(scratch, live, CatalogDiff.Options.defaults().withOwners(true)))
                .extracting(Difference::ddl)
                .containsExactly("ALTER SCHEMA shop OWNER TO keel;", "ALTER TABLE shop.orders OWNER TO keel;");
    }

    @Test
    void compare_withoutPrivilegesOrComments_ignoresThem() {
        Catalog expected = shop().table(orders().comment("x").grants(grant("app", "SELECT"))).build();
        Catalog actual = shop().table(orders()).build();
        CatalogDiff.Options neither = CatalogDiff.Options.defaults().withPrivileges(false).withComments(false);

        assertThat(CatalogDiff.compare(expected, actual)).hasSize(2);
        assertThat(CatalogDiff.compare(expected, actual, neither)).isEmpty();
    }

    // ---- quoting, order, JSON ---------------------------------------------------------------------------

    @Test
    void compare_mixedCaseAndReservedNames_areQuotedInTheDdl() {
        Catalog expected = shop().table(table("Order").columns(column(1, "user", "text"), column(2, "marketingOptIn",
                "boolean"), column(3, "plain_name", "text"))).build();

        Difference d = only(CatalogDiff.compare(expected, shop().build()));

        assertThat(d.ddl()).isEqualTo("""
                CREATE TABLE shop."Order" (
                    "user" text,
                    "marketingOptIn" boolean,
                    plain_name text
                );""");
    }

    @Test
    void ddl_joinsTheDifferencesInOrderAndSkipsThoseWithout() {
        List<Difference> differences = List.of(
                new Difference("index", "shop.t.i", Change.EXTRA, "extra", "DROP INDEX shop.i;"),
                new Difference("function", "shop.agg(numeric)", Change.MISSING, "missing aggregate (no DDL)", ""),
                new Difference("column", "shop.t.a", Change.MISSING, "missing", "ALTER TABLE shop.t ADD COLUMN a text;"));

        assertThat(CatalogDiff.ddl(differences)).isEqualTo("DROP INDEX shop.i;\nALTER TABLE shop.t ADD COLUMN a text;");
    }

    @Test
    void difference_change_isWrittenInLowerCaseInJson() throws Exception {
        String json = new ObjectMapper().writeValueAsString(
                new Difference("table", "shop.t", Change.MISSING, "missing", "CREATE TABLE shop.t ();"));

        assertThat(json).contains("\"change\":\"missing\"").contains("\"object\":\"shop.t\"");
    }
}
