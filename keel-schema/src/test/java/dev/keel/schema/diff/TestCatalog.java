package dev.keel.schema.diff;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.Column;
import dev.keel.core.catalog.CompositeType;
import dev.keel.core.catalog.Constraint;
import dev.keel.core.catalog.Domain;
import dev.keel.core.catalog.EnumType;
import dev.keel.core.catalog.Extension;
import dev.keel.core.catalog.Grant;
import dev.keel.core.catalog.Index;
import dev.keel.core.catalog.Policy;
import dev.keel.core.catalog.QualifiedName;
import dev.keel.core.catalog.Role;
import dev.keel.core.catalog.Routine;
import dev.keel.core.catalog.Schema;
import dev.keel.core.catalog.Sequence;
import dev.keel.core.catalog.Table;
import dev.keel.core.catalog.TableStatistics;
import dev.keel.core.catalog.Trigger;
import dev.keel.core.catalog.View;
import java.util.ArrayList;
import java.util.List;

/** Hand-built catalogs for tests without a database: a schema {@code shop} owned by {@code owner}, plus what a test adds. */
final class TestCatalog {

    static final String OWNER = "owner";

    private final List<Schema> schemas = new ArrayList<>(List.of(new Schema("shop", OWNER, null, List.of())));
    private final List<Table> tables = new ArrayList<>();
    private final List<View> views = new ArrayList<>();
    private final List<Sequence> sequences = new ArrayList<>();
    private final List<Routine> routines = new ArrayList<>();
    private final List<Trigger> triggers = new ArrayList<>();
    private final List<Domain> domains = new ArrayList<>();
    private final List<EnumType> enums = new ArrayList<>();
    private final List<CompositeType> composites = new ArrayList<>();
    private final List<Extension> extensions = new ArrayList<>();
    private final List<Role> roles = new ArrayList<>();
    private String owner = OWNER;

    static TestCatalog shop() {
        return new TestCatalog();
    }

    /** Makes every object added later belong to {@code name} (as a scratch database's objects would). */
    TestCatalog ownedBy(String name) {
        owner = name;
        schemas.set(0, new Schema("shop", name, null, List.of()));
        return this;
    }

    TestCatalog schema(Schema s) {
        schemas.add(s);
        return this;
    }

    TestCatalog table(TableBuilder t) {
        tables.add(t.owner(owner).build());
        return this;
    }

    TestCatalog view(View v) {
        views.add(v);
        return this;
    }

    TestCatalog sequence(Sequence s) {
        sequences.add(s);
        return this;
    }

    TestCatalog routine(Routine r) {
        routines.add(r);
        return this;
    }

    TestCatalog trigger(Trigger t) {
        triggers.add(t);
        return this;
    }

    TestCatalog domain(Domain d) {
        domains.add(d);
        return this;
    }

    TestCatalog enumType(String name, String... labels) {
        enums.add(new EnumType("shop", name, owner, List.of(labels), null,
                List.of(new Grant("PUBLIC", owner, List.of("USAGE"), false))));
        return this;
    }

    TestCatalog composite(CompositeType t) {
        composites.add(t);
        return this;
    }

    TestCatalog extension(Extension e) {
        extensions.add(e);
        return this;
    }

    TestCatalog roles(String... names) {
        for (String n : names) {
            roles.add(new Role(n, false, false, false, false, false, false, true, -1, null, List.of(), null));
        }
        return this;
    }

    Catalog build() {
        return new Catalog("test", "15.10", 150010, schemas, tables, views, sequences, routines, triggers, domains,
                enums, composites, extensions, roles, List.of(), List.of());
    }

    // ---- building blocks -------------------------------------------------------------------------------

    static TableBuilder table(String name) {
        return new TableBuilder(name);
    }

    static Column column(int position, String name, String type) {
        return Column.of(position, name, type);
    }

    static Column notNull(int position, String name, String type) {
        return new Column(position, name, type, true, null, null, null, null, null, List.of());
    }

    static Column withDefault(int position, String name, String type, String expression) {
        return new Column(position, name, type, false, expression, null, null, null, null, List.of());
    }

    static Constraint primaryKey(String name, String... columns) {
        return new Constraint(name, Constraint.Type.PRIMARY_KEY, List.of(columns),
                "PRIMARY KEY (" + String.join(", ", columns) + ")", false, false, true, null, List.of(), null, null,
                null, name, null, null);
    }

    static Constraint check(String name, String definition) {
        return new Constraint(name, Constraint.Type.CHECK, List.of(), definition, false, false,
                !definition.endsWith("NOT VALID"), null, List.of(), null, null, null, null, null, null);
    }

    static Constraint foreignKey(String name, String column, String table, String referenced) {
        return new Constraint(name, Constraint.Type.FOREIGN_KEY, List.of(column),
                "FOREIGN KEY (" + column + ") REFERENCES shop." + table + "(" + referenced + ")", false, false, true,
                QualifiedName.of("shop", table), List.of(referenced), Constraint.Action.NO_ACTION,
                Constraint.Action.NO_ACTION, Constraint.Match.SIMPLE, null, null, null);
    }

    static Index index(String name, String table, String keys) {
        return new Index(name, "btree", List.of(keys), List.of(), null, false, false, true,
                "CREATE INDEX " + name + " ON shop." + table + " USING btree (" + keys + ")", null, null, null, null);
    }

    static Index clonedIndex(String name, String table, String keys, String parent) {
        return new Index(name, "btree", List.of(keys), List.of(), null, false, false, true,
                "CREATE INDEX " + name + " ON shop." + table + " USING btree (" + keys + ")", null,
                QualifiedName.of("shop", parent), null, null);
    }

    static Grant grant(String grantee, String... privileges) {
        return new Grant(grantee, OWNER, List.of(privileges), false);
    }

    static View view(String name, String definition, List<Column> columns, List<Grant> privileges) {
        return new View("shop", name, OWNER, false, true, definition, List.of(), null, null, columns, List.of(),
                privileges, null);
    }

    static Routine function(String name, String arguments, String result, String body) {
        String definition = "CREATE OR REPLACE FUNCTION shop." + name + "(" + arguments + ")\n RETURNS " + result
                + "\n LANGUAGE sql\nAS $function$" + body + "$function$\n";
        return new Routine("shop", name, Routine.Kind.FUNCTION, arguments, result, "sql",
                Routine.Volatility.VOLATILE, Routine.Parallel.UNSAFE, false, false, false, List.of(), definition,
                OWNER, null, List.of(new Grant("PUBLIC", OWNER, List.of("EXECUTE"), false),
                new Grant(OWNER, OWNER, List.of("EXECUTE"), false)));
    }

    static Trigger trigger(String table, String name, String when, Trigger.Enabled enabled) {
        return new Trigger("shop", table, name, Trigger.Timing.BEFORE, List.of(Trigger.Event.UPDATE),
                Trigger.Level.ROW, QualifiedName.of("shop", "touch"), enabled, false,
                "CREATE TRIGGER " + name + " " + when + " ON shop." + table
                        + " FOR EACH ROW EXECUTE FUNCTION shop.touch()", null);
    }

    static Sequence sequence(String name, long increment) {
        return new Sequence("shop", name, OWNER, "bigint", 1, increment, 1, Long.MAX_VALUE, false, 1, null, false,
                null, List.of());
    }

    static Policy policy(String name, String using) {
        return new Policy(name, Policy.Command.SELECT, true, List.of("PUBLIC"), using, null, null);
    }

    /** A table under construction; {@link TestCatalog#table(TableBuilder)} finishes it. */
    static final class TableBuilder {
        private final String name;
        private String owner = OWNER;
        private boolean partitioned;
        private String partitionKey;
        private QualifiedName partitionOf;
        private String bound;
        private String comment;
        private boolean rowSecurity;
        private TableStatistics statistics;
        private final List<Column> columns = new ArrayList<>();
        private final List<Constraint> constraints = new ArrayList<>();
        private final List<Index> indexes = new ArrayList<>();
        private final List<Policy> policies = new ArrayList<>();
        private final List<Grant> privileges = new ArrayList<>();

        private TableBuilder(String name) {
            this.name = name;
        }

        TableBuilder owner(String name) {
            this.owner = name;
            return this;
        }

        TableBuilder columns(Column... cs) {
            columns.addAll(List.of(cs));
            return this;
        }

        TableBuilder constraints(Constraint... cs) {
            constraints.addAll(List.of(cs));
            return this;
        }

        TableBuilder indexes(Index... is) {
            indexes.addAll(List.of(is));
            return this;
        }

        TableBuilder policies(Policy... ps) {
            policies.addAll(List.of(ps));
            return this;
        }

        TableBuilder grants(Grant... gs) {
            privileges.addAll(List.of(gs));
            return this;
        }

        TableBuilder partitionedBy(String key) {
            partitioned = true;
            partitionKey = key;
            return this;
        }

        TableBuilder partitionOf(String parent, String partitionBound) {
            partitionOf = QualifiedName.of("shop", parent);
            bound = partitionBound;
            return this;
        }

        TableBuilder comment(String text) {
            comment = text;
            return this;
        }

        TableBuilder rowSecurity() {
            rowSecurity = true;
            return this;
        }

        TableBuilder statistics(TableStatistics s) {
            statistics = s;
            return this;
        }

        Table build() {
            List<Grant> all = new ArrayList<>(privileges);
            all.add(new Grant(owner, owner, List.of("DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE",
                    "UPDATE"), false));
            return new Table("shop", name, owner, partitioned, partitionKey, partitionOf, bound, List.of(), false,
                    List.of(), null, rowSecurity, false, comment, columns, constraints, indexes, policies, all,
                    statistics);
        }
    }
}
