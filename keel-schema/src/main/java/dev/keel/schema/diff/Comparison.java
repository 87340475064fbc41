package dev.keel.schema.diff;

import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.Grant;
import dev.keel.core.catalog.Role;
import dev.keel.schema.diff.ApplyOrder.Phase;
import dev.keel.schema.diff.ApplyOrder.Stage;
import dev.keel.schema.diff.ApplyOrder.Step;
import dev.keel.schema.diff.Difference.Change;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One run of {@link CatalogDiff#compare}: the two catalogs, the options, and the steps found so far, with
 * the statements every kind of object shares (comments, owners, privileges).
 */
final class Comparison {

    final Catalog expected;
    final Catalog actual;
    final CatalogDiff.Options options;
    /** Every schema name of either side, to tell a qualified collation from one with a dot in its name. */
    final Set<String> schemas = new HashSet<>();
    private final Set<String> expectedRoles;
    private final Set<String> actualRoles;
    private final List<Step> steps = new ArrayList<>();

    Comparison(Catalog expected, Catalog actual, CatalogDiff.Options options) {
        this.expected = expected;
        this.actual = actual;
        this.options = options;
        expected.schemas().forEach(s -> schemas.add(s.name()));
        actual.schemas().forEach(s -> schemas.add(s.name()));
        this.expectedRoles = expected.roles().stream().map(Role::name).collect(Collectors.toSet());
        this.actualRoles = actual.roles().stream().map(Role::name).collect(Collectors.toSet());
    }

    List<Step> steps() {
        return steps;
    }

    /** A missing object: its DDL creates it, so the DDL is also where its dependencies are found. */
    void missing(String kind, String object, String detail, List<String> ddl, Phase phase, Set<String> provides) {
        String text = join(ddl);
        steps.add(new Step(new Difference(kind, object, Change.MISSING, detail, text), phase, Stage.CREATE,
                provides, text));
    }

    /** A changed object. */
    void changed(String kind, String object, Changes changes, Phase phase, Set<String> provides) {
        steps.add(new Step(new Difference(kind, object, Change.CHANGED, changes.detail(), join(changes.statements())),
                phase, Stage.CREATE, provides, join(changes.needs())));
    }

    /** An extra object: dropped early or late; {@code definition} is what it depends on in actual. */
    void extra(String kind, String object, String detail, String drop, Phase phase, Stage stage,
               Set<String> provides, String definition) {
        steps.add(new Step(new Difference(kind, object, Change.EXTRA, detail, drop), phase, stage, provides,
                definition));
    }

    /** A value for a detail: {@code none} stands for null (no default, no expression). */
    static String none(String value) {
        return value == null ? "none" : value;
    }

    static String join(List<String> statements) {
        return statements.stream().filter(s -> !s.isEmpty()).collect(Collectors.joining("\n"));
    }

    // ---- comments and owners ---------------------------------------------------------------------------

    /** Adds a comment change when comments are compared and they differ. */
    void comment(Changes changes, String what, String onClause, String expectedComment, String actualComment) {
        if (options.comments() && !Objects.equals(expectedComment, actualComment)) {
            changes.add(what + (what.isEmpty() ? "" : " ") + "comment differs",
                    commentOn(onClause, expectedComment));
        }
    }

    static String commentOn(String onClause, String comment) {
        return "COMMENT ON " + onClause + " IS " + SqlText.literal(comment) + ";";
    }

    /** COMMENT ON for a created object, when it has one. */
    static void commentIfAny(List<String> out, String onClause, String comment) {
        if (comment != null) {
            out.add(commentOn(onClause, comment));
        }
    }

    /** Adds an owner change when owners are compared and they differ. */
    void owner(Changes changes, String alterClause, String expectedOwner, String actualOwner) {
        if (options.owners() && expectedOwner != null && actualOwner != null
                && !expectedOwner.equals(actualOwner)) {
            changes.add("owner " + actualOwner + " → " + expectedOwner,
                    "ALTER " + alterClause + " OWNER TO " + SqlText.ident(expectedOwner) + ";");
        }
    }

    /** ALTER ... OWNER TO for a created object, when owners are compared. */
    void ownerIfCompared(List<String> out, String alterClause, String owner) {
        if (options.owners() && owner != null) {
            out.add("ALTER " + alterClause + " OWNER TO " + SqlText.ident(owner) + ";");
        }
    }

    // ---- privileges ------------------------------------------------------------------------------------

    /**
     * True when a grant to {@code grantee} can be compared: PUBLIC, or a role both servers have. A catalog
     * that lists no roles at all (one built by hand) does not restrict.
     */
    boolean comparableGrantee(String grantee) {
        return grantee.equals(Grant.PUBLIC)
                || (expectedRoles.isEmpty() || expectedRoles.contains(grantee))
                && (actualRoles.isEmpty() || actualRoles.contains(grantee));
    }

    /**
     * Compares the grants on one object (or one column) and adds a privilege difference per grantee.
     *
     * @param object the object as {@link Difference#object()} names it
     * @param target the object as GRANT names it: {@code TABLE shop.orders}, {@code FUNCTION shop.f(integer)}
     * @param column the column for column privileges, else null
     */
    void privileges(String object, String target, String column, List<Grant> expectedGrants,
                    String expectedOwner, List<Grant> actualGrants, String actualOwner) {
        if (!options.privileges()) {
            return;
        }
        Privileges e = Privileges.of(expectedGrants, expectedOwner, this::comparableGrantee);
        Privileges a = Privileges.of(actualGrants, actualOwner, this::comparableGrantee);
        for (Privileges.Delta delta : e.against(a)) {
            String ddl = join(delta.statements(target, column));
            steps.add(new Step(new Difference("privilege", object, delta.change(), delta.detail(column), ddl),
                    Phase.PRIVILEGE, Stage.CREATE, Set.of(), ddl));
        }
    }

    /**
     * The GRANT and REVOKE statements that give a newly created object its expected privileges, starting
     * from the privileges PostgreSQL gives a new object of its kind.
     */
    List<String> privilegesOfCreated(String target, String column, List<Grant> expectedGrants,
                                     String expectedOwner, Privileges.Defaults defaults) {
        if (!options.privileges()) {
            return List.of();
        }
        Privileges e = Privileges.of(expectedGrants, expectedOwner, this::comparableGrantee);
        List<String> out = new ArrayList<>();
        for (Privileges.Delta delta : e.against(defaults.privileges())) {
            out.addAll(delta.statements(target, column));
        }
        return out;
    }

    /** Restores the actual grants of a view (or one of its columns) after it was dropped and created again. */
    List<String> restorePrivileges(String target, String column, List<Grant> actualGrants, String actualOwner) {
        Privileges a = Privileges.of(actualGrants, actualOwner, g -> true);
        List<String> out = new ArrayList<>();
        for (Privileges.Delta delta : a.against(Privileges.Defaults.NONE.privileges())) {
            out.addAll(delta.statements(target, column));
        }
        return out;
    }

    /** What changed in one object: plain-words details and the statements that make it match. */
    static final class Changes {
        private final List<String> details = new ArrayList<>();
        private final List<String> statements = new ArrayList<>();
        private final List<String> needs = new ArrayList<>();

        Changes add(String detail, String... ddl) {
            return add(detail, List.of(ddl));
        }

        Changes add(String detail, List<String> ddl) {
            return add(detail, ddl, ddl);
        }

        /**
         * A change whose DDL also drops and re-creates other objects as they are (views around a type
         * change): only {@code needs}, the statements that make the change, say what it must wait for.
         */
        Changes add(String detail, List<String> ddl, List<String> needs) {
            details.add(detail);
            statements.addAll(ddl);
            this.needs.addAll(needs);
            return this;
        }

        /** Statements to put before the others (a DROP before the CREATE of a re-created object). */
        Changes prepend(List<String> ddl) {
            return prepend(ddl, ddl);
        }

        Changes prepend(List<String> ddl, List<String> needs) {
            statements.addAll(0, ddl);
            this.needs.addAll(0, needs);
            return this;
        }

        /** A change with no DDL: the detail says so and why. */
        Changes inexpressible(String detail, String why) {
            details.add(detail + " (no DDL: " + why + ")");
            return this;
        }

        boolean isEmpty() {
            return details.isEmpty();
        }

        String detail() {
            return String.join("; ", details);
        }

        List<String> statements() {
            return statements;
        }

        List<String> needs() {
            return needs;
        }
    }
}
