package dev.keel.core.catalog;

import java.util.List;

/** A small hand-built catalog with at least one object of every kind and most fields set, for tests without a database. */
final class SampleCatalog {

    private SampleCatalog() {
    }

    static Grant ownerGrant(String owner) {
        return new Grant(owner, owner, List.of("UPDATE", "SELECT", "INSERT", "DELETE", "TRUNCATE", "REFERENCES",
                "TRIGGER"), false);
    }

    static Table table(String schema, String name, TableStatistics statistics) {
        return new Table(schema, name, "app_owner", false, null, null, null, List.of(), false, List.of(), null,
                false, false, null, List.of(Column.of(1, "id", "bigint")), List.of(), List.of(), List.of(),
                List.of(), statistics);
    }

    static Catalog build() {
        Column id = new Column(1, "id", "bigint", true, null, Column.Identity.ALWAYS, null, null, "surrogate key",
                List.of());
        Column email = new Column(2, "email", "text", true, null, null, null, "C", "where we write",
                List.of(new Grant("auditor", "app_owner", List.of("SELECT"), false)));
        Column lower = new Column(3, "email_lower", "text", false, null, null, "lower(email)", null, null, List.of());
        Column created = new Column(4, "created_at", "timestamp with time zone", true, "now()", null, null, null,
                null, List.of());
        Constraint pk = new Constraint("customer_pkey", Constraint.Type.PRIMARY_KEY, List.of("id"),
                "PRIMARY KEY (id)", false, false, true, null, List.of(), null, null, null, "customer_pkey", null,
                null);
        Constraint check = new Constraint("customer_email_check", Constraint.Type.CHECK, List.of("email"),
                "CHECK ((email ~~ '%@%'::text)) NOT VALID", false, false, false, null, List.of(), null, null, null,
                null, null, "emails have an at sign");
        Constraint fk = new Constraint("orders_customer_fk", Constraint.Type.FOREIGN_KEY, List.of("customer_id"),
                "FOREIGN KEY (customer_id) REFERENCES app.customer(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED",
                true, true, true, QualifiedName.of("app", "customer"), List.of("id"), Constraint.Action.NO_ACTION,
                Constraint.Action.CASCADE, Constraint.Match.SIMPLE, null,
                new ConstraintRef("app", "orders", "orders_customer_fk"), null);
        Index pkIndex = new Index("customer_pkey", "btree", List.of("id"), List.of(), null, true, true, true,
                "CREATE UNIQUE INDEX customer_pkey ON app.customer USING btree (id)", "customer_pkey", null, null, null);
        Index partial = new Index("customer_email_idx", "btree", List.of("lower(email)", "id"), List.of("created_at"),
                "created_at > '2020-01-01 00:00:00+00'::timestamp with time zone", false, false, true,
                "CREATE INDEX customer_email_idx ON app.customer USING btree (lower(email), id DESC) INCLUDE (created_at)"
                        + " WHERE (created_at > '2020-01-01 00:00:00+00'::timestamp with time zone)",
                null, null, "fast_disk", "lookups by email");
        Policy policy = new Policy("own_rows", Policy.Command.SELECT, true, List.of("reader", "PUBLIC"),
                "(owner = CURRENT_USER)", null, "each sees their own");
        Table customer = new Table("app", "customer", "app_owner", false, null, null, null,
                List.of(QualifiedName.of("app", "base")), true, List.of("fillfactor=70", "autovacuum_enabled=false"),
                null, true, true, "our customers", List.of(created, lower, email, id), List.of(pk, check),
                List.of(pkIndex, partial), List.of(policy),
                List.of(ownerGrant("app_owner"), new Grant("reader", "app_owner", List.of("SELECT"), true)),
                new TableStatistics(1200L, 81920, 57344, 24576));
        Table orders = new Table("app", "orders", "app_owner", true, "RANGE (created_at)", null, null, List.of(),
                false, List.of(), null, false, false, null,
                List.of(Column.of(1, "customer_id", "bigint"), Column.of(2, "created_at", "date")), List.of(fk),
                List.of(), List.of(), List.of(ownerGrant("app_owner")), new TableStatistics(null, 0, 0, 0));
        Table orders2024 = new Table("app", "orders_2024", "app_owner", false, null,
                QualifiedName.of("app", "orders"), "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", List.of(),
                false, List.of(), "fast_disk", false, false, null,
                List.of(Column.of(1, "customer_id", "bigint"), Column.of(2, "created_at", "date")), List.of(),
                List.of(), List.of(), List.of(), new TableStatistics(500L, 40960, 32768, 8192));
        View view = new View("app", "active_customer", "app_owner", false, true,
                " SELECT customer.id\n   FROM app.customer;", List.of("security_barrier=true"), null,
                "customers seen lately", List.of(Column.of(1, "id", "bigint")), List.of(), List.of(), null);
        View matview = new View("app", "customer_stats", "app_owner", true, false, " SELECT count(*) AS n\n   FROM app.customer;",
                List.of(), null, null, List.of(Column.of(1, "n", "bigint")),
                List.of(new Index("customer_stats_n", "btree", List.of("n"), List.of(), null, true, false, true,
                        "CREATE UNIQUE INDEX customer_stats_n ON app.customer_stats USING btree (n)", null, null, null,
                        null)),
                List.of(), new TableStatistics(1L, 16384, 8192, 8192));
        Sequence seq = new Sequence("app", "customer_id_seq", "app_owner", "bigint", 1, 1, 1, Long.MAX_VALUE, false,
                1, new ColumnRef("app", "customer", "id"), true, null, List.of());
        Routine function = new Routine("app", "touch", Routine.Kind.FUNCTION, "", "trigger", "plpgsql",
                Routine.Volatility.VOLATILE, Routine.Parallel.UNSAFE, false, true, false,
                List.of("search_path=pg_catalog, app"),
                "CREATE OR REPLACE FUNCTION app.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$"
                        + "begin new.updated_at := now(); return new; end $function$\n",
                "app_owner", "sets updated_at", List.of(new Grant("PUBLIC", "app_owner", List.of("EXECUTE"), false)));
        Routine procedure = new Routine("app", "archive", Routine.Kind.PROCEDURE, "IN days integer", null, "sql",
                Routine.Volatility.VOLATILE, Routine.Parallel.UNSAFE, false, false, false, List.of(),
                "CREATE OR REPLACE PROCEDURE app.archive(IN days integer)\n LANGUAGE sql\nAS $procedure$select 1$procedure$\n",
                "app_owner", null, List.of());
        Routine aggregate = new Routine("app", "concat_all", Routine.Kind.AGGREGATE, "text", "text", "internal",
                Routine.Volatility.IMMUTABLE, Routine.Parallel.SAFE, false, false, false, List.of(), null,
                "app_owner", null, List.of());
        Trigger trigger = new Trigger("app", "customer", "customer_touch", Trigger.Timing.BEFORE,
                List.of(Trigger.Event.UPDATE, Trigger.Event.INSERT), Trigger.Level.ROW, QualifiedName.of("app", "touch"),
                Trigger.Enabled.ORIGIN, false,
                "CREATE TRIGGER customer_touch BEFORE INSERT OR UPDATE ON app.customer FOR EACH ROW EXECUTE FUNCTION app.touch()",
                "keeps updated_at");
        Domain domain = new Domain("app", "year", "app_owner", "integer", true, "2000", null,
                List.of(new Domain.Check("year_check", "CHECK (((VALUE >= 1901) AND (VALUE <= 2155)))", true)),
                "a calendar year", List.of());
        EnumType rating = new EnumType("app", "rating", "app_owner", List.of("G", "PG", "R", "NC-17"), null, List.of());
        CompositeType address = new CompositeType("app", "address", "app_owner",
                List.of(Column.of(1, "street", "text"), Column.of(2, "zip", "character varying(10)")), "postal", List.of());
        Extension plpgsql = new Extension("plpgsql", "1.0", "pg_catalog", "postgres", "PL/pgSQL procedural language");
        Role owner = new Role("app_owner", false, false, false, false, false, false, true, -1, null, List.of(), null);
        Role reader = new Role("reader", true, false, false, false, false, false, true, 10, "2030-01-01T00:00:00Z",
                List.of("search_path=app", "statement_timeout=5s"), "read-only access");
        RoleMembership membership = new RoleMembership("reader", "alice", "app_owner", true);
        DefaultPrivilege defaults = new DefaultPrivilege("app_owner", "app", DefaultPrivilege.ObjectType.TABLES,
                List.of(new Grant("reader", "app_owner", List.of("SELECT"), false)));
        Schema app = new Schema("app", "app_owner", "the application",
                List.of(new Grant("app_owner", "app_owner", List.of("USAGE", "CREATE"), false),
                        new Grant("reader", "app_owner", List.of("USAGE"), false)));
        return new Catalog("shop", "15.10 (Debian 15.10-1)", 150010, List.of(app),
                List.of(orders2024, orders, customer), List.of(matview, view), List.of(seq),
                List.of(procedure, function, aggregate), List.of(trigger), List.of(domain), List.of(rating),
                List.of(address), List.of(plpgsql), List.of(reader, owner), List.of(membership), List.of(defaults));
    }
}
