package dev.keel.schema.lint;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the statements read so far in one file have established: which tables, indexes and domains the
 * file created (they have no rows and no other users yet, so operations on them are safe), which columns
 * it added, whether a transaction is open, whether lock_timeout is set, and the schema unqualified names
 * resolve to.
 */
final class FileState {

    String schema = "public";

    final Set<String> newTables = new HashSet<>();
    final Set<String> newIndexes = new HashSet<>();
    final Set<String> newIndexNames = new HashSet<>();
    final Set<String> newDomains = new HashSet<>();
    final Set<String> addedColumns = new HashSet<>();

    /** "schema.table|constraint" to the column of a CHECK (column IS NOT NULL) constraint. */
    final Map<String, String> notNullChecks = new HashMap<>();
    /** "schema.table.column" with a validated CHECK (column IS NOT NULL) constraint. */
    final Set<String> provenNotNull = new HashSet<>();

    boolean inTransaction;
    int transactionLine;

    boolean lockTimeout;
    boolean localLockTimeout;
    boolean lockTimeoutReported;

    /** Enum values added since the last COMMIT, to the type they were added to. */
    final Map<String, String> newEnumValues = new LinkedHashMap<>();

    String qualify(Cursor.Name name) {
        return (name.schema() != null ? name.schema() : schema) + "." + name.name();
    }

    boolean isNewTable(String qualifiedTable) {
        return newTables.contains(qualifiedTable);
    }

    boolean isNewIndex(Cursor.Name index) {
        return index.schema() == null ? newIndexNames.contains(index.name()) : newIndexes.contains(qualify(index));
    }

    boolean lockTimeoutActive() {
        return lockTimeout || localLockTimeout;
    }

    void endTransaction() {
        inTransaction = false;
        localLockTimeout = false;
        newEnumValues.clear();
    }
}
