package dev.keel.schema.migrate;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.Severity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The history table read against the files: which versions are applied (an UNDO_SQL row after a version's
 * row makes it pending again), which repeatables are current, what is pending, missing, failed or ignored.
 * Pure logic, no database: {@link Migrator} feeds it.
 */
final class Ledger {

    private final List<ResolvedMigration> files;
    private final List<AppliedMigration> rows;
    private final boolean outOfOrder;
    /** Per version, the last row that decides its state (SQL, UNDO_SQL or DELETE). */
    private final TreeMap<MigrationVersion, AppliedMigration> lastByVersion = new TreeMap<>();
    /** Per repeatable description, the last successful row. */
    private final Map<String, AppliedMigration> lastRepeatable = new HashMap<>();
    private final MigrationVersion baseline;

    private Ledger(List<ResolvedMigration> files, List<AppliedMigration> rows, boolean outOfOrder) {
        this.files = files;
        this.rows = rows;
        this.outOfOrder = outOfOrder;
        MigrationVersion base = null;
        for (AppliedMigration r : rows) {
            if (r.isBaseline()) {
                base = r.version();
            } else if (r.version() != null && !r.type().equals("SCHEMA")) {
                lastByVersion.put(r.version(), r);
            } else if (r.version() == null && r.success() && r.checksum() != null) {
                lastRepeatable.put(r.description(), r);
            }
        }
        this.baseline = base;
    }

    static Ledger of(List<ResolvedMigration> files, List<AppliedMigration> rows, boolean outOfOrder) {
        return new Ledger(files, rows, outOfOrder);
    }

    static String key(boolean undo, MigrationVersion version, String description) {
        return (undo ? "U" : version == null ? "R" : "V") + ":" + (version == null ? description : version.toString());
    }

    /** Versions applied now, oldest first (undone ones excluded; the baseline excluded). */
    List<MigrationVersion> appliedVersions() {
        return lastByVersion.entrySet().stream()
                .filter(e -> e.getValue().isVersionedMigration() && e.getValue().success())
                .map(Map.Entry::getKey).toList();
    }

    Optional<MigrationVersion> currentVersion() {
        List<MigrationVersion> applied = appliedVersions();
        if (!applied.isEmpty()) {
            return Optional.of(applied.get(applied.size() - 1));
        }
        return Optional.ofNullable(baseline);
    }

    private boolean applied(MigrationVersion v) {
        AppliedMigration r = lastByVersion.get(v);
        return r != null && r.isVersionedMigration() && r.success();
    }

    private Optional<MigrationVersion> newestApplied() {
        List<MigrationVersion> a = appliedVersions();
        return a.isEmpty() ? Optional.empty() : Optional.of(a.get(a.size() - 1));
    }

    /** Versioned files to apply (up to {@code target}), then repeatables that are new or changed. */
    List<ResolvedMigration> pending(MigrationVersion target) {
        List<ResolvedMigration> out = new ArrayList<>();
        MigrationVersion newest = newestApplied().orElse(null);
        for (ResolvedMigration f : files) {
            if (f.kind() != ResolvedMigration.Kind.VERSIONED || applied(f.version())) {
                continue;
            }
            if (baseline != null && f.version().compareTo(baseline) <= 0) {
                continue;
            }
            if (target != null && f.version().compareTo(target) > 0) {
                continue;
            }
            if (newest != null && f.version().compareTo(newest) < 0 && !outOfOrder) {
                continue; // reported by validate as ignored
            }
            out.add(f);
        }
        for (ResolvedMigration f : files) {
            if (f.kind() == ResolvedMigration.Kind.REPEATABLE) {
                AppliedMigration last = lastRepeatable.get(f.description());
                if (last == null || !Objects.equals(last.checksum(), f.checksum())) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    Findings validate() {
        List<Finding> out = new ArrayList<>();
        Map<MigrationVersion, ResolvedMigration> versioned = new HashMap<>();
        Map<MigrationVersion, ResolvedMigration> undo = new HashMap<>();
        Map<String, ResolvedMigration> repeatable = new HashMap<>();
        MigrationVersion newestFile = null;
        for (ResolvedMigration f : files) {
            switch (f.kind()) {
                case VERSIONED -> {
                    versioned.put(f.version(), f);
                    newestFile = newestFile == null || f.version().compareTo(newestFile) > 0 ? f.version() : newestFile;
                }
                case UNDO -> undo.put(f.version(), f);
                case REPEATABLE -> repeatable.put(f.description(), f);
            }
        }
        for (AppliedMigration r : rows) {
            if (!r.success()) {
                out.add(Finding.of("migrate.failed", Severity.ERROR, r.script(),
                        "Migration " + label(r) + " failed in an earlier run and is recorded as failed in the history table",
                        "fix the migration, then run keel repair to remove the failed row and migrate again"));
            }
        }
        for (Map.Entry<MigrationVersion, AppliedMigration> e : lastByVersion.entrySet()) {
            AppliedMigration r = e.getValue();
            if (!r.isVersionedMigration() || !r.success()) {
                continue;
            }
            ResolvedMigration f = versioned.get(e.getKey());
            if (f == null) {
                if (newestFile == null || e.getKey().compareTo(newestFile) <= 0) {
                    out.add(Finding.of("migrate.missing-file", Severity.ERROR, r.script(),
                            "Applied migration " + label(r) + " (" + r.script() + ") has no file in the migration locations",
                            "restore the file, or run keel repair if it was removed on purpose"));
                }
                continue;
            }
            checkChecksum(r, f, out);
        }
        for (AppliedMigration r : rows) {
            if (r.isUndo() && r.success() && r.checksum() != null) {
                ResolvedMigration u = undo.get(r.version());
                if (u != null) {
                    checkChecksum(r, u, out);
                }
            }
        }
        for (Map.Entry<String, AppliedMigration> e : lastRepeatable.entrySet()) {
            if (!repeatable.containsKey(e.getKey())) {
                out.add(Finding.of("migrate.missing-file", Severity.ERROR, e.getValue().script(),
                        "Applied repeatable migration '" + e.getKey() + "' has no file in the migration locations",
                        "restore the file, or run keel repair if it was removed on purpose"));
            }
        }
        MigrationVersion newest = newestApplied().orElse(null);
        for (ResolvedMigration f : files) {
            if (f.kind() != ResolvedMigration.Kind.VERSIONED || applied(f.version())) {
                continue;
            }
            if (baseline != null && f.version().compareTo(baseline) <= 0) {
                continue;
            }
            if (newest != null && f.version().compareTo(newest) < 0 && !outOfOrder) {
                out.add(Finding.of("migrate.ignored", Severity.ERROR, f.script(),
                        "Migration " + f.script() + " is older than the newest applied version " + newest
                                + " and was never applied",
                        "renumber it after " + newest + ", or apply it with keel migrate --out-of-order")
                        .at(f.path().toString(), 0));
            } else {
                out.add(Finding.of("migrate.pending", Severity.INFO, f.script(), "Migration " + f.script() + " is pending", "keel migrate")
                        .at(f.path().toString(), 0));
            }
        }
        for (ResolvedMigration f : pending(null)) {
            if (f.kind() == ResolvedMigration.Kind.REPEATABLE) {
                out.add(Finding.of("migrate.pending", Severity.INFO, f.script(),
                        "Repeatable migration " + f.script() + (lastRepeatable.containsKey(f.description())
                                ? " changed since it was applied" : " is pending"), "keel migrate")
                        .at(f.path().toString(), 0));
            }
        }
        return Findings.of(out);
    }

    private static void checkChecksum(AppliedMigration r, ResolvedMigration f, List<Finding> out) {
        if (r.checksum() != null && r.checksum() != f.checksum()) {
            out.add(Finding.of("migrate.checksum-mismatch", Severity.ERROR, f.script(),
                    f.script() + " was changed after it was applied (checksum " + r.checksum() + " in the history table, "
                            + f.checksum() + " now)",
                    "revert the edit and write a new migration instead; if the edit is harmless (comments, "
                            + "formatting), run keel repair to accept it")
                    .withEvidence("applied", r.checksum()).withEvidence("file", f.checksum())
                    .at(f.path().toString(), 0));
        } else if (!r.description().equals(f.description())) {
            out.add(Finding.of("migrate.description-mismatch", Severity.ERROR, f.script(),
                    "Migration " + f.version() + " was applied as '" + r.description() + "' but the file now says '"
                            + f.description() + "'",
                    "rename the file back, or run keel repair to accept the new name")
                    .at(f.path().toString(), 0));
        }
    }

    private static String label(AppliedMigration r) {
        return r.version() == null ? "'" + r.description() + "'" : r.version().toString();
    }

    /** Every history row and every file not in it, with its state, in the order keel info shows them. */
    List<MigrationState> states() {
        List<MigrationState> out = new ArrayList<>();
        Map<MigrationVersion, ResolvedMigration> versioned = new HashMap<>();
        Map<String, ResolvedMigration> repeatable = new LinkedHashMap<>();
        MigrationVersion newestFile = null;
        for (ResolvedMigration f : files) {
            if (f.kind() == ResolvedMigration.Kind.VERSIONED) {
                versioned.put(f.version(), f);
                newestFile = newestFile == null || f.version().compareTo(newestFile) > 0 ? f.version() : newestFile;
            } else if (f.kind() == ResolvedMigration.Kind.REPEATABLE) {
                repeatable.put(f.description(), f);
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            AppliedMigration r = rows.get(i);
            if (r.type().equals("SCHEMA")) {
                continue;
            }
            MigrationState.State state;
            if (!r.success()) {
                state = MigrationState.State.FAILED;
            } else if (r.isBaseline()) {
                state = MigrationState.State.BASELINE;
            } else if (r.isUndo() || r.type().equals("DELETE")) {
                state = MigrationState.State.SUCCESS;
            } else if (r.version() != null) {
                boolean undoneLater = lastByVersion.get(r.version()) != r;
                if (undoneLater) {
                    state = MigrationState.State.UNDONE;
                } else if (versioned.containsKey(r.version())) {
                    state = MigrationState.State.SUCCESS;
                } else if (newestFile == null || r.version().compareTo(newestFile) > 0) {
                    state = MigrationState.State.FUTURE;
                } else {
                    state = MigrationState.State.MISSING;
                }
            } else {
                AppliedMigration latest = lastRepeatable.get(r.description());
                ResolvedMigration f = repeatable.get(r.description());
                if (latest != r) {
                    state = MigrationState.State.SUPERSEDED;
                } else if (f == null) {
                    state = MigrationState.State.MISSING;
                } else if (!Objects.equals(f.checksum(), r.checksum())) {
                    state = MigrationState.State.OUTDATED;
                } else {
                    state = MigrationState.State.SUCCESS;
                }
            }
            out.add(new MigrationState(r.version(), r.description(), r.type(), r.script(), state, r.installedOn(),
                    r.executionTime(), r.checksum()));
        }
        MigrationVersion newest = newestApplied().orElse(null);
        for (ResolvedMigration f : files) {
            if (f.kind() == ResolvedMigration.Kind.VERSIONED && !applied(f.version())) {
                MigrationState.State state = baseline != null && f.version().compareTo(baseline) <= 0
                        ? MigrationState.State.BELOW_BASELINE
                        : newest != null && f.version().compareTo(newest) < 0 && !outOfOrder
                        ? MigrationState.State.IGNORED : MigrationState.State.PENDING;
                out.add(new MigrationState(f.version(), f.description(), "SQL", f.script(), state, null, null, f.checksum()));
            } else if (f.kind() == ResolvedMigration.Kind.REPEATABLE) {
                AppliedMigration last = lastRepeatable.get(f.description());
                if (last == null || !Objects.equals(last.checksum(), f.checksum())) {
                    out.add(new MigrationState(null, f.description(), "SQL", f.script(), MigrationState.State.PENDING,
                            null, null, f.checksum()));
                }
            }
        }
        return out;
    }
}
