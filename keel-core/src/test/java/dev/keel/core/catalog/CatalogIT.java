package dev.keel.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.core.KeelException;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The catalog of a schema built to hold every kind of object the model has that Pagila lacks
 * (catalog/purpose-built.sql): each is checked field by field.
 */
@KeelPostgres
class CatalogIT {

    private static Catalog catalog;

    @BeforeAll
    static void load(TestDatabase db) throws Exception {
        String sql;
        try (InputStream in = CatalogIT.class.getResourceAsStream("/catalog/purpose-built.sql")) {
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        db.execute(sql);
        try (Connection c = db.connect()) {
            catalog = CatalogReader.read(c, CatalogOptions.defaults().withStatistics(false));
        }
    }

    @AfterAll
    static void dropRoles(TestDatabase db) throws Exception {
        // Roles outlive the test database; other test classes share the server. One role per DROP OWNED:
        // naming two that share a default ACL fails with "could not find tuple for default ACL".
        db.execute("""
                drop owned by catalog_reader cascade;
                drop owned by catalog_owner cascade;
                drop owned by catalog_admin cascade;
                drop role catalog_reader, catalog_owner, catalog_admin;
                """);
    }

    private static Table table(String name) {
        return catalog.table("shop", name).orElseThrow(() -> new AssertionError("no table shop." + name));
    }

    @Test
    void read_counts_matchPgCatalog(TestDatabase db) throws Exception {
        Map<String, Integer> expected;
        try (Connection c = db.connect()) {
            expected = PgCatalogCounts.count(c);
        }
        JsonNode counts = new ObjectMapper().readTree(CatalogJson.toJson(catalog)).get("counts");

        expected.forEach((key, value) -> assertThat(counts.get(key).asInt()).as(key).isEqualTo(value));
    }

    @Test
    void read_columns_identityGeneratedCollationDefaultsCommentsAndGrants() {
        Table customer = table("customer");

        assertThat(customer.columns()).extracting(Column::name).containsExactly(
                "created_at", "id", "email", "email_lower", "status", "address", "owner_name");
        assertThat(customer.columns()).extracting(Column::position).containsExactly(1, 2, 3, 4, 5, 6, 7);
        Column id = customer.column("id").orElseThrow();
        assertThat(id.identity()).isEqualTo(Column.Identity.ALWAYS);
        assertThat(id.type()).isEqualTo("bigint");
        assertThat(id.notNull()).isTrue();
        Column email = customer.column("email").orElseThrow();
        assertThat(email.collation()).isEqualTo("C");
        assertThat(email.comment()).isEqualTo("where we write");
        assertThat(email.privileges()).containsExactly(
                new Grant("catalog_reader", "catalog_owner", List.of("UPDATE"), false));
        Column lower = customer.column("email_lower").orElseThrow();
        assertThat(lower.generatedExpression()).isEqualTo("lower(email)");
        assertThat(lower.defaultExpression()).isNull();
        assertThat(customer.column("status").orElseThrow().defaultExpression()).isEqualTo("'new'::shop.status");
        assertThat(customer.column("status").orElseThrow().type()).isEqualTo("shop.status");
        assertThat(customer.column("status").orElseThrow().collation()).isNull();
        assertThat(table("orders").column("id").orElseThrow().identity()).isEqualTo(Column.Identity.BY_DEFAULT);
        assertThat(table("orders").column("invoice_no").orElseThrow().defaultExpression())
                .isEqualTo("nextval('shop.invoice_seq'::regclass)");
    }

    @Test
    void read_constraints_exclusionNotValidCheckDeferrableForeignKeyAndClonedParent() {
        Constraint check = table("customer").constraint("customer_email_check").orElseThrow();
        assertThat(check.type()).isEqualTo(Constraint.Type.CHECK);
        assertThat(check.validated()).isFalse();
        assertThat(check.definition()).isEqualTo("CHECK ((email ~~ '%@%'::text)) NOT VALID");
        assertThat(check.comment()).isEqualTo("emails have an at sign");

        Constraint fk = table("orders").constraint("orders_customer_fk").orElseThrow();
        assertThat(fk.type()).isEqualTo(Constraint.Type.FOREIGN_KEY);
        assertThat(fk.columns()).containsExactly("customer_id");
        assertThat(fk.referencedTable()).isEqualTo(QualifiedName.of("shop", "customer"));
        assertThat(fk.referencedColumns()).containsExactly("id");
        assertThat(fk.onDelete()).isEqualTo(Constraint.Action.CASCADE);
        assertThat(fk.onUpdate()).isEqualTo(Constraint.Action.RESTRICT);
        assertThat(fk.matchType()).isEqualTo(Constraint.Match.FULL);
        assertThat(fk.deferrable()).isTrue();
        assertThat(fk.initiallyDeferred()).isTrue();
        assertThat(fk.validated()).isTrue();

        Constraint exclusion = table("booking").constraint("booking_no_overlap").orElseThrow();
        assertThat(exclusion.type()).isEqualTo(Constraint.Type.EXCLUSION);
        assertThat(exclusion.definition()).isEqualTo("EXCLUDE USING gist (room WITH =, during WITH &&)");
        assertThat(exclusion.index()).isEqualTo("booking_no_overlap");

        Constraint pk = table("customer").constraint("customer_pkey").orElseThrow();
        assertThat(pk.type()).isEqualTo(Constraint.Type.PRIMARY_KEY);
        assertThat(pk.index()).isEqualTo("customer_pkey");

        Table partition = table("event_2024");
        assertThat(partition.constraint("event_2024_pkey").orElseThrow().parent())
                .isEqualTo(new ConstraintRef("shop", "event", "event_pkey"));
        assertThat(partition.constraint("event_customer_id_fkey").orElseThrow().parent())
                .isEqualTo(new ConstraintRef("shop", "event", "event_customer_id_fkey"));
        assertThat(table("event").constraint("event_pkey").orElseThrow().parent()).isNull();
    }

    @Test
    void read_indexes_partialWithIncludeAndExpressionKey() {
        Index index = table("customer").index("customer_email_idx").orElseThrow();

        assertThat(index.method()).isEqualTo("btree");
        assertThat(index.keys()).containsExactly("lower(email)", "id");
        assertThat(index.include()).containsExactly("status");
        assertThat(index.predicate()).isEqualTo("status <> 'cancelled'::shop.status");
        assertThat(index.unique()).isFalse();
        assertThat(index.primary()).isFalse();
        assertThat(index.valid()).isTrue();
        assertThat(index.constraint()).isNull();
        assertThat(index.comment()).isEqualTo("lookups by email");
        assertThat(index.definition()).isEqualTo("CREATE INDEX customer_email_idx ON shop.customer USING btree "
                + "(lower(email), id DESC) INCLUDE (status) WHERE (status <> 'cancelled'::shop.status)");

        Index pk = table("customer").index("customer_pkey").orElseThrow();
        assertThat(pk.primary()).isTrue();
        assertThat(pk.unique()).isTrue();
        assertThat(pk.constraint()).isEqualTo("customer_pkey");
        assertThat(table("booking").index("booking_no_overlap").orElseThrow().method()).isEqualTo("gist");
        assertThat(table("event_2024").index("event_2024_pkey").orElseThrow().parent())
                .isEqualTo(QualifiedName.of("shop", "event_pkey"));
    }

    @Test
    void read_tables_unloggedOptionsInheritancePartitionsAndComments() {
        Table scratch = table("scratch");
        assertThat(scratch.unlogged()).isTrue();
        assertThat(scratch.options()).containsExactly("fillfactor=70");
        assertThat(table("orders").unlogged()).isFalse();

        Table customer = table("customer");
        assertThat(customer.inherits()).containsExactly(QualifiedName.of("shop", "base"));
        assertThat(customer.comment()).isEqualTo("our customers");
        assertThat(customer.owner()).isEqualTo("catalog_owner");

        Table event = table("event");
        assertThat(event.partitioned()).isTrue();
        assertThat(event.partitionKey()).isEqualTo("RANGE (at)");
        assertThat(event.partition()).isFalse();
        Table partition = table("event_2024");
        assertThat(partition.partitionOf()).isEqualTo(QualifiedName.of("shop", "event"));
        assertThat(partition.partitionBound()).isEqualTo("FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
        assertThat(partition.inherits()).isEmpty();
        assertThat(catalog.partitionsOf(event.qualifiedName())).containsExactly(partition);
    }

    @Test
    void read_routines_procedureSecurityDefinerWithSettingsAggregateAndPrivileges() {
        Routine touch = catalog.routines("shop", "touch").get(0);
        assertThat(touch.kind()).isEqualTo(Routine.Kind.FUNCTION);
        assertThat(touch.securityDefiner()).isTrue();
        assertThat(touch.config()).containsExactly("search_path=pg_catalog, shop");
        assertThat(touch.language()).isEqualTo("plpgsql");
        assertThat(touch.result()).isEqualTo("trigger");
        assertThat(touch.definition()).startsWith("CREATE OR REPLACE FUNCTION shop.touch()")
                .contains("SECURITY DEFINER");
        assertThat(touch.comment()).isEqualTo("touches a row");
        // EXECUTE was revoked from PUBLIC and granted to the reader.
        assertThat(touch.privileges()).extracting(Grant::grantee).contains("catalog_reader").doesNotContain("PUBLIC");

        Routine archive = catalog.routines("shop", "archive").get(0);
        assertThat(archive.kind()).isEqualTo(Routine.Kind.PROCEDURE);
        assertThat(archive.arguments()).isEqualTo("IN days integer");
        assertThat(archive.result()).isNull();
        assertThat(archive.comment()).isEqualTo("moves old orders away");

        Routine aggregate = catalog.routines("shop", "total_of").get(0);
        assertThat(aggregate.kind()).isEqualTo(Routine.Kind.AGGREGATE);
        assertThat(aggregate.definition()).isNull();

        Routine add = catalog.routines("shop", "add").get(0);
        assertThat(add.arguments()).isEqualTo("a integer, b integer");
        assertThat(add.volatility()).isEqualTo(Routine.Volatility.IMMUTABLE);
        assertThat(add.parallel()).isEqualTo(Routine.Parallel.SAFE);
        assertThat(add.strict()).isTrue();
        assertThat(add.privileges()).contains(new Grant("PUBLIC", add.owner(), List.of("EXECUTE"), false));
    }

    @Test
    void read_triggers_timingEventsLevelFunctionAndDisabledState() {
        Trigger touch = catalog.trigger("shop", "orders", "orders_touch").orElseThrow();
        assertThat(touch.timing()).isEqualTo(Trigger.Timing.BEFORE);
        assertThat(touch.events()).containsExactly(Trigger.Event.INSERT, Trigger.Event.UPDATE);
        assertThat(touch.level()).isEqualTo(Trigger.Level.ROW);
        assertThat(touch.function()).isEqualTo(QualifiedName.of("shop", "touch"));
        assertThat(touch.enabled()).isEqualTo(Trigger.Enabled.DISABLED);
        assertThat(touch.comment()).isEqualTo("keeps rows fresh");
        assertThat(touch.definition()).isEqualTo("CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE ON shop.orders "
                + "FOR EACH ROW EXECUTE FUNCTION shop.touch()");

        Trigger audit = catalog.trigger("shop", "orders", "orders_audit").orElseThrow();
        assertThat(audit.timing()).isEqualTo(Trigger.Timing.AFTER);
        assertThat(audit.events()).containsExactly(Trigger.Event.TRUNCATE);
        assertThat(audit.level()).isEqualTo(Trigger.Level.STATEMENT);
        assertThat(audit.enabled()).isEqualTo(Trigger.Enabled.ORIGIN);
        // The foreign keys' internal triggers are not listed.
        assertThat(catalog.triggers()).extracting(Trigger::name).containsExactly("orders_audit", "orders_touch");
    }

    @Test
    void read_types_domainWithChecksEnumInOrderAndCompositeWithAttributes() {
        Domain domain = catalog.domains().stream().filter(d -> d.name().equals("money_amount")).findFirst()
                .orElseThrow();
        assertThat(domain.baseType()).isEqualTo("numeric(12,2)");
        assertThat(domain.notNull()).isTrue();
        assertThat(domain.defaultExpression()).isEqualTo("0");
        assertThat(domain.comment()).isEqualTo("an amount of money");
        assertThat(domain.checks()).containsExactly(
                new Domain.Check("money_amount_check", "CHECK ((VALUE >= (0)::numeric))", true),
                new Domain.Check("money_amount_small", "CHECK ((VALUE < (1000000)::numeric)) NOT VALID", false));

        EnumType status = catalog.enums().get(0);
        assertThat(status.name()).isEqualTo("status");
        assertThat(status.labels()).containsExactly("new", "paid", "shipped", "cancelled");
        assertThat(status.comment()).isEqualTo("order status");

        CompositeType address = catalog.compositeTypes().get(0);
        assertThat(address.name()).isEqualTo("address");
        assertThat(address.comment()).isEqualTo("postal address");
        assertThat(address.attributes()).extracting(Column::name, Column::type)
                .containsExactly(tuple("street", "text"),
                        tuple("zip", "character varying(10)"));
        assertThat(address.attributes().get(1).comment()).isEqualTo("postal code");
    }

    @Test
    void read_security_rowLevelSecurityPoliciesGrantsAndDefaultPrivileges() {
        Table customer = table("customer");
        assertThat(customer.rowSecurity()).isTrue();
        assertThat(customer.forceRowSecurity()).isTrue();
        assertThat(table("orders").rowSecurity()).isFalse();

        Policy own = customer.policy("own_rows").orElseThrow();
        assertThat(own.command()).isEqualTo(Policy.Command.SELECT);
        assertThat(own.permissive()).isFalse();
        assertThat(own.roles()).containsExactly("catalog_reader");
        assertThat(own.using()).isEqualTo("(owner_name = CURRENT_USER)");
        assertThat(own.withCheck()).isNull();
        assertThat(own.comment()).isEqualTo("each sees their own");
        Policy insert = customer.policy("insert_any").orElseThrow();
        assertThat(insert.command()).isEqualTo(Policy.Command.INSERT);
        assertThat(insert.permissive()).isTrue();
        assertThat(insert.roles()).containsExactly(Grant.PUBLIC);
        assertThat(insert.withCheck()).isEqualTo("true");

        assertThat(customer.privileges()).contains(
                new Grant("catalog_reader", "catalog_owner", List.of("SELECT"), false),
                new Grant("catalog_owner", "catalog_owner",
                        List.of("DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"), false));
        assertThat(table("orders").privileges()).contains(
                new Grant("catalog_reader", table("orders").owner(), List.of("INSERT"), true));
        Schema shop = catalog.schema("shop").orElseThrow();
        assertThat(shop.owner()).isEqualTo("catalog_owner");
        assertThat(shop.comment()).isEqualTo("the shop");
        assertThat(shop.privileges()).contains(new Grant("catalog_reader", "catalog_owner", List.of("USAGE"), false));

        assertThat(catalog.defaultPrivileges()).containsExactly(
                new DefaultPrivilege("catalog_owner", null, DefaultPrivilege.ObjectType.FUNCTIONS,
                        List.of(new Grant("catalog_owner", "catalog_owner", List.of("EXECUTE"), false))),
                new DefaultPrivilege("catalog_owner", "shop", DefaultPrivilege.ObjectType.TABLES,
                        List.of(new Grant("catalog_reader", "catalog_owner", List.of("SELECT"), false))));
    }

    @Test
    void read_roles_attributesMembershipsAndNeverThePassword() {
        Role reader = catalog.role("catalog_reader").orElseThrow();
        assertThat(reader.login()).isTrue();
        assertThat(reader.bypassRls()).isTrue();
        assertThat(reader.superuser()).isFalse();
        assertThat(reader.connectionLimit()).isEqualTo(5);
        assertThat(reader.validUntil()).isEqualTo("2030-01-01T00:00:00Z");
        assertThat(reader.config()).containsExactly("statement_timeout=5s");
        assertThat(reader.comment()).isEqualTo("reads the shop");
        Role admin = catalog.role("catalog_admin").orElseThrow();
        assertThat(admin.createDb()).isTrue();
        assertThat(admin.createRole()).isTrue();
        assertThat(admin.inherit()).isFalse();
        assertThat(admin.login()).isFalse();
        assertThat(catalog.roles()).extracting(Role::name).noneMatch(name -> name.startsWith("pg_"));

        assertThat(catalog.memberships()).contains(
                new RoleMembership("catalog_owner", "catalog_reader", catalog.memberships().stream()
                        .filter(m -> m.member().equals("catalog_reader")).findFirst().orElseThrow().grantor(), true));
        assertThat(catalog.memberships()).anySatisfy(m -> {
            assertThat(m.role()).isEqualTo("pg_read_all_stats");
            assertThat(m.member()).isEqualTo("catalog_admin");
            assertThat(m.adminOption()).isFalse();
        });

        String json = CatalogJson.toJson(catalog);
        assertThat(json).doesNotContain("catalog-secret-pw").doesNotContain("SCRAM-SHA-256")
                .doesNotContain("md5").doesNotContain("********");
    }

    @Test
    void read_viewsAndMaterializedViews_definitionOptionsColumnsAndIndexes() {
        View paid = catalog.view("shop", "paid_orders").orElseThrow();
        assertThat(paid.materialized()).isFalse();
        assertThat(paid.options()).containsExactly("security_barrier=true");
        assertThat(paid.comment()).isEqualTo("orders that were paid");
        assertThat(paid.definition()).contains("FROM shop.orders").contains("WHERE");
        assertThat(paid.columns()).extracting(Column::name).containsExactly("id", "total");
        assertThat(paid.column("total").orElseThrow().type()).isEqualTo("shop.money_amount");

        View count = catalog.view("shop", "customer_count").orElseThrow();
        assertThat(count.materialized()).isTrue();
        assertThat(count.populated()).isFalse();
        assertThat(count.indexes()).extracting(Index::name).containsExactly("customer_count_n");
        assertThat(count.indexes().get(0).unique()).isTrue();
    }

    @Test
    void read_sequences_ownedByAndIdentity() {
        Sequence invoice = catalog.sequence("shop", "invoice_seq").orElseThrow();
        assertThat(invoice.dataType()).isEqualTo("integer");
        assertThat(invoice.start()).isEqualTo(100);
        assertThat(invoice.increment()).isEqualTo(5);
        assertThat(invoice.minValue()).isEqualTo(100);
        assertThat(invoice.maxValue()).isEqualTo(100_000);
        assertThat(invoice.cycle()).isTrue();
        assertThat(invoice.cache()).isEqualTo(10);
        assertThat(invoice.ownedBy()).isEqualTo(new ColumnRef("shop", "orders", "invoice_no"));
        assertThat(invoice.identity()).isFalse();
        assertThat(invoice.comment()).isEqualTo("invoice numbers");

        Sequence identity = catalog.sequence("shop", "customer_id_seq").orElseThrow();
        assertThat(identity.identity()).isTrue();
        assertThat(identity.ownedBy()).isEqualTo(new ColumnRef("shop", "customer", "id"));
    }

    @Test
    void read_extensionObjects_areLeftOutButTheExtensionIsListed() {
        assertThat(catalog.extensions()).extracting(Extension::name).contains("btree_gist", "plpgsql");
        assertThat(catalog.extensions()).filteredOn(e -> e.name().equals("btree_gist"))
                .extracting(Extension::schema).containsExactly("shop");
        // btree_gist puts about 200 functions and a few types into shop; none of them are user objects.
        assertThat(catalog.routines()).extracting(Routine::name)
                .containsExactlyInAnyOrder("touch", "archive", "total_of", "add");
        assertThat(catalog.compositeTypes()).extracting(CompositeType::name).containsExactly("address");
    }

    @Test
    void read_leavesOutKeelsOwnSchemaUnlessItIsNamed(TestDatabase db) throws Exception {
        db.execute("create schema keel_history; create table keel_history.insight_snapshot (id bigint primary key)");
        try (Connection c = db.connect()) {
            Catalog all = CatalogReader.read(c, CatalogOptions.defaults().withStatistics(false));
            Catalog named = CatalogReader.read(c, new CatalogOptions(List.of(CatalogOptions.KEEL_SCHEMA), false));

            assertThat(all.schemas()).extracting(Schema::name).doesNotContain("keel_history");
            assertThat(all.tables()).extracting(Table::schema).doesNotContain("keel_history");
            assertThat(named.tables()).extracting(Table::name).containsExactly("insight_snapshot");
        } finally {
            db.execute("drop schema keel_history cascade");
        }
    }

    @Test
    void read_schemaFilter_readsOnlyThoseSchemasAndCountsThem(TestDatabase db) throws Exception {
        Catalog other;
        try (Connection c = db.connect()) {
            other = CatalogReader.read(c, new CatalogOptions(List.of("other"), false));
        }

        assertThat(other.schemas()).extracting(Schema::name).containsExactly("other");
        assertThat(other.tables()).extracting(Table::name).containsExactly("note");
        assertThat(other.routines()).isEmpty();
        assertThat(other.triggers()).isEmpty();
        assertThat(other.defaultPrivileges()).extracting(DefaultPrivilege::schema).containsOnlyNulls();
        assertThat(other.counts().schemas()).isEqualTo(1);
        assertThat(other.counts().tables()).isEqualTo(1);
        assertThat(other.counts().columns()).isEqualTo(1);
        // Extensions and roles belong to the database and server, not a schema.
        assertThat(other.counts().extensions()).isEqualTo(catalog.counts().extensions());
        assertThat(other.counts().roles()).isEqualTo(catalog.counts().roles());
    }

    @Test
    void read_unknownSchema_failsWithUsageExitCodeNamingIt(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            assertThatThrownBy(() -> CatalogReader.read(c, new CatalogOptions(List.of("shop", "nope"), false)))
                    .isInstanceOf(CatalogException.class)
                    .hasMessageContaining("no user schema named nope")
                    .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(KeelException.USAGE));
            // The connection is still usable and out of any transaction.
            assertThat(c.getAutoCommit()).isTrue();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 1")) {
                assertThat(rs.next()).isTrue();
            }
        }
    }

    @Test
    void read_autoCommitConnection_isLeftAsFound(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("set search_path = shop, public");

            CatalogReader.read(c, CatalogOptions.defaults());

            assertThat(c.getAutoCommit()).isTrue();
            assertThat(c.isReadOnly()).isFalse();
            assertThat(setting(st, "search_path")).isEqualTo("shop, public");
            assertThat(setting(st, "transaction_isolation")).isEqualTo("read committed");
            st.execute("create table shop.after_read (x int)"); // writable, not stuck in a read-only transaction
            st.execute("drop table shop.after_read");
        }
    }

    @Test
    void read_insideCallersTransaction_keepsTheTransactionAndItsSettings(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("set local search_path = other");
            st.execute("create table other.uncommitted (x int)");

            Catalog inside = CatalogReader.read(c, CatalogOptions.defaults().withStatistics(false));

            // The reader sees the caller's uncommitted work and leaves it in place.
            assertThat(inside.table("other", "uncommitted")).isPresent();
            assertThat(setting(st, "search_path")).isEqualTo("other");
            assertThat(setting(st, "TimeZone")).isNotNull();
            st.execute("insert into other.uncommitted values (1)");
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    @Test
    void read_tableUnderAccessExclusiveLock_failsAfterTheLockTimeoutNamingTheHolder(TestDatabase db) throws Exception {
        try (Connection locker = db.connect(); Statement lock = locker.createStatement(); Connection c = db.connect()) {
            locker.setAutoCommit(false);
            lock.execute("lock table shop.customer in access exclusive mode");
            int pid;
            try (ResultSet rs = lock.executeQuery("select pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            try {
                // Without the lock_timeout this waited for as long as the lock was held.
                assertThatThrownBy(() -> CatalogReader.read(c, CatalogOptions.defaults().withStatistics(false)))
                        .isInstanceOf(CatalogException.class)
                        .hasMessageContaining("lock timeout")
                        .satisfies(e -> assertThat(((KeelException) e).remedy()).get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                                .contains("pid " + pid).contains("shop.customer").contains("pg_cancel_backend(" + pid + ")"));
                assertThat(c.getAutoCommit()).isTrue(); // left as found, usable
            } finally {
                locker.rollback();
            }
            assertThat(CatalogReader.read(c, CatalogOptions.defaults().withStatistics(false)).table("shop", "customer"))
                    .isPresent();
        }
    }

    @Test
    void read_withStatistics_givesRowEstimatesAndSizes(TestDatabase db) throws Exception {
        db.execute("insert into shop.scratch select g::text from generate_series(1, 5000) g; analyze shop.scratch");
        Catalog withStats;
        try (Connection c = db.connect()) {
            withStats = CatalogReader.read(c, CatalogOptions.defaults());
        }

        TableStatistics scratch = withStats.table("shop", "scratch").orElseThrow().statistics();
        assertThat(scratch.rowEstimate()).isEqualTo(5000L);
        assertThat(scratch.tableBytes()).isPositive();
        assertThat(scratch.indexBytes()).isPositive();
        assertThat(scratch.totalBytes()).isEqualTo(scratch.tableBytes() + scratch.indexBytes());
        assertThat(withStats.view("shop", "customer_count").orElseThrow().statistics()).isNotNull();
        assertThat(catalog.table("shop", "scratch").orElseThrow().statistics()).isNull();
        db.execute("truncate shop.scratch");
    }

    @Test
    void read_jsonRoundTrip_givesEqualCatalog() throws IOException {
        String json = CatalogJson.toJson(catalog);

        assertThat(CatalogJson.fromJson(json)).isEqualTo(catalog);
        assertThat(CatalogJson.toJson(CatalogJson.fromJson(json))).isEqualTo(json);
    }

    private static String setting(Statement st, String name) throws Exception {
        try (ResultSet rs = st.executeQuery("select current_setting('" + name + "')")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
