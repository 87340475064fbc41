package dev.keel.schema.lint;

import static java.util.Objects.requireNonNull;

import dev.keel.core.findings.Severity;
import java.util.Arrays;
import java.util.Optional;

/**
 * Every static rule of the migration lint: its id, its default severity, the PostgreSQL majors it
 * applies to, and one line that says what it catches. The README's rule table and SARIF rule metadata
 * are generated from this list; {@link LintContext#withDisabledRules} and {@code -- keel:ignore} take the
 * ids. A few rules report below their default severity when the risk is conditional; the description says
 * when.
 */
public enum LintRule {

    // Locks held for a rewrite, a scan or an index build; errors on tables with rows (or unknown rows).
    ADD_COLUMN_VOLATILE_DEFAULT("lint.add-column-volatile-default", Severity.ERROR, 9,
            "ADD COLUMN with a volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval(), ...) "
                    + "rewrites the table under an AccessExclusiveLock; before PostgreSQL 11 any non-null default does"),
    ADD_COLUMN_GENERATED("lint.add-column-generated", Severity.ERROR, 9,
            "ADD COLUMN of a serial, identity or stored generated column fills every row: a table rewrite under an "
                    + "AccessExclusiveLock"),
    ADD_COLUMN_REQUIRED("lint.add-column-required", Severity.ERROR, 9,
            "ADD COLUMN ... NOT NULL without a default fails on a table that has rows"),
    COLUMN_TYPE_CHANGE("lint.column-type-change", Severity.ERROR, 9,
            "ALTER COLUMN ... TYPE rewrites the table under an AccessExclusiveLock unless the change is binary-coercible "
                    + "(varchar(n) to text or a longer varchar, more numeric precision, cidr to inet, ...); a warning when "
                    + "the current type is unknown or the change depends on the TimeZone"),
    SET_NOT_NULL("lint.set-not-null", Severity.ERROR, 9,
            "ALTER COLUMN ... SET NOT NULL scans the whole table under an AccessExclusiveLock, unless (12+) a validated "
                    + "CHECK (col IS NOT NULL) earlier in the file proves it"),
    CHECK_WITHOUT_NOT_VALID("lint.check-without-not-valid", Severity.ERROR, 9,
            "ADD CONSTRAINT ... CHECK without NOT VALID scans the whole table under an AccessExclusiveLock"),
    FOREIGN_KEY_WITHOUT_NOT_VALID("lint.foreign-key-without-not-valid", Severity.ERROR, 9,
            "ADD FOREIGN KEY or ADD COLUMN ... REFERENCES without NOT VALID scans the table while blocking writes to it "
                    + "and to the referenced table (ShareRowExclusiveLock on both)"),
    CONSTRAINT_BUILDS_INDEX("lint.constraint-builds-index", Severity.ERROR, 9,
            "ADD UNIQUE, PRIMARY KEY or EXCLUDE without USING INDEX builds an index under an AccessExclusiveLock"),
    CREATE_INDEX_NOT_CONCURRENTLY("lint.create-index-not-concurrently", Severity.ERROR, 9,
            "CREATE INDEX without CONCURRENTLY on an existing table blocks all writes (ShareLock) for the whole build"),
    DROP_INDEX_NOT_CONCURRENTLY("lint.drop-index-not-concurrently", Severity.WARNING, 9,
            "DROP INDEX without CONCURRENTLY takes an AccessExclusiveLock on the index's table"),
    REINDEX_NOT_CONCURRENTLY("lint.reindex-not-concurrently", Severity.ERROR, 12,
            "REINDEX without CONCURRENTLY blocks writes to the table, and reads that use the index, for the whole rebuild"),
    DETACH_PARTITION_NOT_CONCURRENTLY("lint.detach-partition-not-concurrently", Severity.WARNING, 14,
            "DETACH PARTITION without CONCURRENTLY takes an AccessExclusiveLock on the partitioned table"),
    CONCURRENTLY_IN_TRANSACTION("lint.concurrently-in-transaction", Severity.ERROR, 9,
            "CREATE INDEX, DROP INDEX, REINDEX or DETACH PARTITION ... CONCURRENTLY between BEGIN and COMMIT fails "
                    + "at run time"),
    MISSING_LOCK_TIMEOUT("lint.missing-lock-timeout", Severity.WARNING, 9,
            "A statement that blocks writes on an existing table runs with no SET lock_timeout before it: while it "
                    + "waits for its lock, every query on the table queues behind it (one finding per file)"),
    ENUM_ADD_VALUE_IN_TRANSACTION("lint.enum-add-value-in-transaction", Severity.ERROR, 9,
            "ALTER TYPE ... ADD VALUE inside BEGIN ... COMMIT fails before PostgreSQL 12; from 12 on (a warning) the "
                    + "new value cannot be used in the same transaction"),
    DOMAIN_CONSTRAINT_WITHOUT_NOT_VALID("lint.domain-constraint-without-not-valid", Severity.ERROR, 9,
            "ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID, or SET NOT NULL, scans every column of the domain "
                    + "while blocking writes (ShareLock) to their tables"),
    VACUUM_FULL("lint.vacuum-full", Severity.ERROR, 9,
            "VACUUM FULL rewrites the table under an AccessExclusiveLock"),
    CLUSTER("lint.cluster", Severity.ERROR, 9,
            "CLUSTER rewrites the table under an AccessExclusiveLock"),
    SET_TABLESPACE("lint.set-tablespace", Severity.ERROR, 9,
            "ALTER TABLE or ALTER INDEX ... SET TABLESPACE copies the whole relation under an AccessExclusiveLock"),
    REWRITING_ALTER_TABLE("lint.rewriting-alter-table", Severity.ERROR, 9,
            "ALTER TABLE ... SET LOGGED, SET UNLOGGED, SET ACCESS METHOD or ALTER COLUMN ... SET EXPRESSION rewrites "
                    + "the table under an AccessExclusiveLock"),
    REFRESH_MATERIALIZED_VIEW("lint.refresh-materialized-view-not-concurrently", Severity.WARNING, 9,
            "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view while it runs"),
    LOCK_TABLE("lint.lock-table", Severity.WARNING, 9,
            "An explicit LOCK TABLE holds its lock until the transaction ends"),
    UPDATE_ALL_ROWS("lint.update-all-rows", Severity.WARNING, 9,
            "UPDATE without WHERE on an existing table locks and rewrites every row in one transaction; backfill in "
                    + "batches"),

    // Changes that break the application version still running during a deploy, or that fail.
    RENAME_TABLE("lint.rename-table", Severity.ERROR, 9,
            "ALTER TABLE ... RENAME TO or SET SCHEMA breaks the application version still running during the deploy"),
    RENAME_COLUMN("lint.rename-column", Severity.ERROR, 9,
            "ALTER TABLE ... RENAME COLUMN breaks the application version still running during the deploy"),
    DROP_TABLE("lint.drop-table", Severity.ERROR, 9,
            "DROP TABLE of an existing table breaks any application version that still uses it"),
    DROP_COLUMN("lint.drop-column", Severity.ERROR, 9,
            "ALTER TABLE ... DROP COLUMN breaks any application version that still reads or writes the column"),
    DROP_NOT_NULL("lint.drop-not-null", Severity.WARNING, 9,
            "ALTER COLUMN ... DROP NOT NULL lets the new version write NULLs the running version may not expect"),
    DROP_DATABASE("lint.drop-database", Severity.ERROR, 9,
            "DROP DATABASE in a migration"),
    DROP_CASCADE("lint.drop-cascade", Severity.WARNING, 9,
            "DROP ... CASCADE also drops every object that depends on it, none of which the file names"),
    TRUNCATE_CASCADE("lint.truncate-cascade", Severity.ERROR, 9,
            "TRUNCATE ... CASCADE also empties every table with a foreign key to it, recursively"),
    IDENTIFIER_TOO_LONG("lint.identifier-too-long", Severity.ERROR, 9,
            "An identifier longer than 63 bytes (UTF-8) in CREATE or ALTER is silently truncated by PostgreSQL"),
    NESTED_TRANSACTION("lint.nested-transaction", Severity.WARNING, 9,
            "BEGIN inside an open transaction does nothing, and the first COMMIT ends the outer transaction"),
    UNCOMMITTED_TRANSACTION("lint.uncommitted-transaction", Severity.WARNING, 9,
            "BEGIN with no COMMIT or ROLLBACK before the end of the file"),

    // Column types and keys: style, reported in CREATE TABLE and ADD COLUMN.
    INT_PRIMARY_KEY("lint.int-primary-key", Severity.WARNING, 9,
            "An integer, smallint or serial primary key or identity column runs out at 2^31 - 1 (smallint: 32,767)"),
    TIMESTAMP_WITHOUT_TIME_ZONE("lint.timestamp-without-time-zone", Severity.WARNING, 9,
            "A timestamp column without time zone shifts meaning when a client's or server's TimeZone differs"),
    CHAR_TYPE("lint.char-type", Severity.WARNING, 9,
            "A char(n) column pads with spaces and compares unexpectedly; use text or varchar"),
    PREFER_IDENTITY("lint.prefer-identity", Severity.WARNING, 9,
            "A serial column: prefer GENERATED ... AS IDENTITY (no separate sequence ownership and grants)"),
    PREFER_JSONB("lint.prefer-jsonb", Severity.INFO, 9,
            "A json column has no equality operator (DISTINCT, GROUP BY and UNION fail on it) and no GIN index; use jsonb"),
    CREATE_TABLE_AS("lint.create-table-as", Severity.INFO, 9,
            "CREATE TABLE ... AS or SELECT INTO without a column list takes names and types from the query, and the "
                    + "table gets no primary key or constraints"),
    CREATE_DOMAIN_WITH_CONSTRAINT("lint.create-domain-with-constraint", Severity.INFO, 9,
            "CREATE DOMAIN with a CHECK or NOT NULL: changing it later scans every column of the domain");

    private final String id;
    private final Severity severity;
    private final int sinceMajor;
    private final String description;

    LintRule(String id, Severity severity, int sinceMajor, String description) {
        this.id = id;
        this.severity = severity;
        this.sinceMajor = sinceMajor;
        this.description = description;
    }

    /** The id findings carry and suppressions name: "lint.create-index-not-concurrently". */
    public String id() {
        return id;
    }

    /** The severity the rule reports at unless its description says otherwise. */
    public Severity severity() {
        return severity;
    }

    /** The first PostgreSQL major the rule applies to (9 stands for every 9.x; no rule has an upper bound). */
    public int sinceMajor() {
        return sinceMajor;
    }

    /** "all" or "12+", for the README's table. */
    public String majors() {
        return sinceMajor <= 9 ? "all" : sinceMajor + "+";
    }

    public boolean appliesTo(int pgMajor) {
        return pgMajor >= sinceMajor;
    }

    /** One line: what the rule catches and why it matters. */
    public String description() {
        return description;
    }

    /** The rule with this id, if there is one. */
    public static Optional<LintRule> byId(String id) {
        requireNonNull(id, "null rule id");
        return Arrays.stream(values()).filter(rule -> rule.id.equals(id)).findFirst();
    }
}
