package dev.keel.schema.diff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.CatalogOptions;
import dev.keel.core.catalog.CatalogReader;
import dev.keel.schema.diff.Difference.Change;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The diff on a real database: a schema (diff/base.sql) is read, changed in many ways (diff/changes.sql)
 * and read again; the differences must name each change, and their DDL must bring the database back.
 */
@KeelPostgres
class CatalogDiffIT {

    static final String ROLE = "keel_diff_reporting";

    @BeforeEach
    void baseSchema(TestDatabase db) throws Exception {
        db.execute("""
                drop schema if exists shop cascade;
                do $$ begin
                    if not exists (select 1 from pg_roles where rolname = '%s') then
                        create role %s;
                    end if;
                end $$;
                """.formatted(ROLE, ROLE));
        db.execute(resource("base.sql"));
    }

    @Test
    void compare_twoReadsOfOneDatabase_findNothing(TestDatabase db) throws Exception {
        Catalog first = read(db);
        Catalog second = read(db);

        assertThat(CatalogDiff.compare(first, second)).isEmpty();
        assertThat(CatalogDiff.compare(first, first)).isEmpty();
    }

    @Test
    void compare_afterChanges_namesEveryChange(TestDatabase db) throws Exception {
        Catalog expected = read(db);
        db.execute(resource("changes.sql"));
        Catalog actual = read(db);

        List<Difference> differences = CatalogDiff.compare(expected, actual);

        assertThat(differences).as(describe(differences))
                .anySatisfy(d -> is(d, "column", "shop.customers.score", Change.CHANGED, "type bigint → integer"))
                .anySatisfy(d -> is(d, "column", "shop.customers.score", Change.CHANGED, "default 10 → 0"))
                .anySatisfy(d -> is(d, "column", "shop.customers.nickname", Change.CHANGED, "NOT NULL → nullable"))
                .anySatisfy(d -> is(d, "column", "shop.customers.name", Change.CHANGED, "nullable → NOT NULL"))
                .anySatisfy(d -> is(d, "column", "shop.customers.created_at", Change.CHANGED, "default none → now()"))
                .anySatisfy(d -> is(d, "column", "shop.customers.phone", Change.EXTRA, "text"))
                .anySatisfy(d -> is(d, "column", "shop.orders.note", Change.MISSING, "text"))
                .anySatisfy(d -> is(d, "column", "shop.orders.amount", Change.CHANGED,
                        "type numeric(14,2) → numeric(12,2) (dependent views dropped and created again: "
                                + "shop.order_summary, shop.big_customers)"))
                .anySatisfy(d -> is(d, "view", "shop.order_summary", Change.CHANGED, "definition differs"))
                .anySatisfy(d -> is(d, "index", "shop.orders.orders_customer_idx", Change.MISSING, "missing"))
                .anySatisfy(d -> is(d, "index", "shop.orders.orders_status_idx", Change.EXTRA, "extra"))
                .anySatisfy(d -> is(d, "constraint", "shop.orders.orders_amount_check", Change.CHANGED,
                        "definition CHECK ((amount > (0)::numeric)) → CHECK ((amount >= (0)::numeric))"))
                .anySatisfy(d -> is(d, "function", "shop.touch()", Change.CHANGED, "definition differs"))
                .anySatisfy(d -> is(d, "trigger", "shop.orders.orders_touch", Change.MISSING, "missing"))
                .anySatisfy(d -> is(d, "enum", "shop.order_status", Change.CHANGED,
                        "labels ('pending', 'paid', 'shipped', 'cancelled') → ('pending', 'paid', 'shipped')"))
                .anySatisfy(d -> is(d, "sequence", "shop.invoice_no", Change.CHANGED, "increment 5 → 10"))
                .anySatisfy(d -> is(d, "privilege", "shop.orders", Change.MISSING,
                        "missing grant SELECT to " + ROLE))
                .anySatisfy(d -> is(d, "policy", "shop.orders.orders_positive", Change.MISSING, "missing"))
                .anySatisfy(d -> is(d, "table", "shop.payments_2025", Change.CHANGED, "TO ('2027-01-01') → partition"))
                .anySatisfy(d -> is(d, "table", "shop.coupons", Change.EXTRA, "extra"))
                .anySatisfy(d -> is(d, "table", "shop.legacy", Change.MISSING, "missing"))
                .anySatisfy(d -> is(d, "column", "shop.products.price_cents", Change.CHANGED,
                        "generated expression ((price * (1000)::numeric))::bigint → ((price * (100)::numeric))::bigint"))
                .anySatisfy(d -> is(d, "constraint", "shop.products.products_cents_check", Change.MISSING,
                        "CHECK ((price_cents >= 0))"))
                .anySatisfy(d -> is(d, "privilege", "shop.products.price", Change.MISSING,
                        "missing grant SELECT to " + ROLE))
                .anySatisfy(d -> is(d, "domain", "shop.email", Change.CHANGED, "extra check email_length"))
                .anySatisfy(d -> is(d, "type", "shop.address", Change.CHANGED, "extra attribute zip"))
                .anySatisfy(d -> is(d, "procedure", "shop.archive(timestamp with time zone)", Change.MISSING, "missing"))
                .anySatisfy(d -> is(d, "constraint", "shop.orders.orders_customer_id_fkey", Change.MISSING,
                        "REFERENCES shop.customers(customer_id) ON DELETE CASCADE"))
                .anySatisfy(d -> is(d, "table", "shop.customers", Change.CHANGED, "comment differs"))
                .anySatisfy(d -> is(d, "view", "shop.recent_orders", Change.EXTRA, "shop.todays_orders"))
                .anySatisfy(d -> is(d, "view", "shop.todays_orders", Change.CHANGED, "reads an extra view"));
        // The materialized view on customers is rebuilt around the type change, not reported: it did not change.
        assertThat(differences).filteredOn(d -> d.object().equals("shop.customers.score")).singleElement()
                .satisfies(d -> assertThat(d.detail()).endsWith("(dependent views dropped and created again: "
                        + "shop.customer_counts)"));
        // Column order and statistics are not differences; nothing beyond the changes made shows up.
        assertThat(differences).as(describe(differences)).hasSize(30);
    }

    @Test
    void ddl_runOnTheChangedDatabase_bringsItBackToExpected(TestDatabase db) throws Exception {
        Catalog expected = read(db);
        db.execute(resource("changes.sql"));
        Catalog actual = read(db);
        String ddl = CatalogDiff.ddl(CatalogDiff.compare(expected, actual));

        apply(db, ddl);

        List<Difference> left = CatalogDiff.compare(expected, read(db));
        assertThat(left).as("left after running:\n" + ddl + "\n\n" + describe(left)).isEmpty();
    }

    @Test
    void ddl_runOnTheExpectedDatabase_bringsItToTheChangedOne(TestDatabase db) throws Exception {
        Catalog original = read(db);
        db.execute(resource("changes.sql"));
        Catalog changed = read(db);
        apply(db, CatalogDiff.ddl(CatalogDiff.compare(original, changed)));
        String ddl = CatalogDiff.ddl(CatalogDiff.compare(changed, read(db)));

        apply(db, ddl);

        List<Difference> left = CatalogDiff.compare(changed, read(db));
        assertThat(left).as("left after running:\n" + ddl + "\n\n" + describe(left)).isEmpty();
    }

    static void is(Difference d, String kind, String object, Change change, String detail) {
        assertThat(d.kind()).isEqualTo(kind);
        assertThat(d.object()).isEqualTo(object);
        assertThat(d.change()).isEqualTo(change);
        assertThat(d.detail()).contains(detail);
    }

    static Catalog read(TestDatabase db) throws SQLException {
        try (Connection c = db.connect()) {
            return CatalogReader.read(c, CatalogOptions.defaults());
        }
    }

    /** Runs the DDL in one transaction, as a user applying a drift report would. */
    static void apply(TestDatabase db, String ddl) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute(ddl);
            c.commit();
        }
    }

    static String describe(List<Difference> differences) {
        return differences.stream()
                .map(d -> d.change().label() + " " + d.kind() + " " + d.object() + ": " + d.detail())
                .collect(Collectors.joining("\n"));
    }

    static String resource(String name) throws IOException {
        try (InputStream in = CatalogDiffIT.class.getResourceAsStream("/diff/" + name)) {
            if (in == null) {
                throw new IOException("no test resource diff/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
