package dev.keel.schema.measure;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns {@link Measurement}s into lint findings, and merges them with the static rules' findings.
 *
 * <p>A statement gets at most one finding per existing table it locked (tables, partitioned tables and
 * materialized views; locks on indexes and sequences only show in the evidence), the first rule that applies:
 * <ol>
 * <li>{@code lint.measured.rewrite} (error): the table got a new file, i.e. every row was copied and every
 *     index rebuilt, under the lock the statement held (ACCESS EXCLUSIVE for ALTER TABLE).</li>
 * <li>{@code lint.measured.scan-under-lock} (error): the statement held a lock that blocks writes (SHARE or
 *     stronger) on the table and read an existing table in full while holding it: validating a CHECK or
 *     foreign key, building an index. This is also the "ACCESS EXCLUSIVE and scanned" case.</li>
 * <li>{@code lint.measured.access-exclusive-lock}: ACCESS EXCLUSIVE without rewrite or scan, such as ADD
 *     COLUMN without a default: info, as the lock is brief, but it queues behind any open transaction on
 *     the table; a warning when the statement took {@link #SLOW_MILLIS} ms or more even on the scratch
 *     copy.</li>
 * <li>{@code lint.measured.blocks-writes} (warning): SHARE, SHARE ROW EXCLUSIVE or EXCLUSIVE without a
 *     scan: writes wait for the statement (e.g. the referenced table of a new foreign key).</li>
 * </ol>
 * Weaker locks (up to SHARE UPDATE EXCLUSIVE, which CONCURRENTLY statements take) give no finding. A
 * statement that failed on the scratch copy gives {@code lint.measured.failed} (warning), about the file, with
 * the server's error as evidence.
 *
 * <p>Evidence, in this order: {@code statement} (first 200 characters), {@code lockMode} (the lock on the
 * finding's table), {@code rewrite} (that table got a new file), {@code scan} (the statement read an existing
 * table in full while holding that lock), {@code locks} (every lock, "relation: Mode"), {@code millis}
 * (on the scratch copy) and {@code basis} = "measurement".
 */
public final class MeasuredFindings {

    public static final String REWRITE = "lint.measured.rewrite";
    public static final String SCAN_UNDER_LOCK = "lint.measured.scan-under-lock";
    public static final String ACCESS_EXCLUSIVE_LOCK = "lint.measured.access-exclusive-lock";
    public static final String BLOCKS_WRITES = "lint.measured.blocks-writes";
    public static final String FAILED = "lint.measured.failed";

    /** A statement holding ACCESS EXCLUSIVE this long on the nearly empty scratch copy is not brief. */
    static final long SLOW_MILLIS = 1000;

    private static final int PREVIEW = 200;
    private static final List<String> LOCK_KEYS = List.of("lockMode", "rewrite", "scan");
    private static final List<String> KEY_ORDER = List.of("statement", "lockMode", "rewrite", "scan", "rows", "locks",
            "millis");

    private MeasuredFindings() {
    }

    /**
     * The findings of one file's measurements, in statement order.
     *
     * @param file the path as the user would type it; every finding points at it and the statement's line
     */
    public static List<Finding> findings(String file, List<Measurement> measurements) {
        Objects.requireNonNull(file, "null file");
        Objects.requireNonNull(measurements, "null measurements");
        List<Finding> out = new ArrayList<>();
        for (Measurement m : measurements) {
            if (m.outcome() == Measurement.Outcome.FAILED) {
                Map<String, Object> evidence = new LinkedHashMap<>();
                evidence.put("statement", preview(m.statement()));
                evidence.put("error", m.message());
                evidence.put("millis", m.millis());
                evidence.put("basis", "measurement");
                out.add(new Finding(FAILED, Severity.WARNING, file,
                        "This statement failed on a scratch copy of the schema the earlier migrations build: "
                                + m.message() + ". The statements after it were not measured.",
                        "Run the migrations on an empty database (keel migrate against the embedded server) and fix the "
                                + "statement; if it depends on something outside the migrations (a role, an extension), "
                                + "that is missing from the scratch copy.",
                        evidence, null).at(file, m.line()));
            } else if (m.outcome() == Measurement.Outcome.MEASURED) {
                out.addAll(forStatement(file, m));
            }
        }
        return out;
    }

    private static List<Finding> forStatement(String file, Measurement m) {
        Set<String> tables = new LinkedHashSet<>();
        m.locks().stream().filter(l -> isTable(l.kind())).forEach(l -> tables.add(l.relation()));
        m.rewritten().stream().filter(r -> isTable(r.kind())).forEach(r -> tables.add(r.relation()));
        boolean scanned = !m.scanned().isEmpty();
        List<Finding> out = new ArrayList<>();
        for (String table : tables) {
            String mode = m.lockOn(table).map(Measurement.Lock::mode).orElse(null);
            boolean rewrote = m.rewrote(table);
            boolean blocksWrites = mode != null && LockModes.blocksWrites(mode);
            boolean scanUnderLock = scanned && blocksWrites;
            String held = mode == null ? "" : " while holding " + mode + " on it";
            String waiting = mode == null ? "" : LockModes.ACCESS_EXCLUSIVE.equals(mode) ? " while reads and writes wait"
                    : blocksWrites ? " while writes wait" : "";
            Finding f;
            if (rewrote) {
                f = new Finding(REWRITE, Severity.ERROR, table,
                        "Measured on a scratch copy: this statement wrote " + table + " anew (its file changed)" + held
                                + ". On the live table that copies every row and rebuilds every index" + waiting + ".",
                        "Reach the same schema without a rewrite: add the column without a default (or with a constant "
                                + "one) and backfill in batches, or add a new column and switch over.",
                        evidence(m, mode, true, scanned), null);
            } else if (scanUnderLock) {
                f = new Finding(SCAN_UNDER_LOCK, Severity.ERROR, table,
                        "Measured on a scratch copy: this statement read " + scannedNames(m) + " in full" + held
                                + ". On the live database the lock lasts as long as that scan" + waiting + ".",
                        "Validate separately: add constraints NOT VALID, then VALIDATE CONSTRAINT in a later statement "
                                + "(ShareUpdateExclusiveLock); build indexes with CREATE INDEX CONCURRENTLY.",
                        evidence(m, mode, false, true), null);
            } else if (LockModes.ACCESS_EXCLUSIVE.equals(mode)) {
                boolean slow = m.millis() >= SLOW_MILLIS;
                f = new Finding(ACCESS_EXCLUSIVE_LOCK, slow ? Severity.WARNING : Severity.INFO, table,
                        "Measured on a scratch copy: this statement holds AccessExclusiveLock on " + table
                                + (slow ? " and took " + m.millis() + " ms even there; reads and writes wait that long."
                                        : " without rewriting or scanning it, so the lock is brief; it still waits behind "
                                                + "any open transaction on the table, and every query waits behind it."),
                        "SET lock_timeout = '5s'; before it, and retry the migration when it times out.",
                        evidence(m, mode, false, false), null);
            } else if (blocksWrites) {
                f = new Finding(BLOCKS_WRITES, Severity.WARNING, table,
                        "Measured on a scratch copy: this statement holds " + mode + " on " + table
                                + ", so INSERT, UPDATE and DELETE on it wait until the statement's transaction ends.",
                        "Use the CONCURRENTLY form where there is one, or NOT VALID and a later VALIDATE CONSTRAINT for "
                                + "foreign keys; keep the transaction short.",
                        evidence(m, mode, false, false), null);
            } else {
                continue;
            }
            out.add(f.at(file, m.line()));
        }
        return out;
    }

    private static Map<String, Object> evidence(Measurement m, String mode, boolean rewrite, boolean scan) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("statement", preview(m.statement()));
        if (mode != null) {
            e.put("lockMode", mode);
        }
        e.put("rewrite", rewrite);
        e.put("scan", scan);
        e.put("locks", m.locks().stream().map(l -> l.relation() + ": " + l.mode()).toList());
        e.put("millis", m.millis());
        e.put("basis", "measurement");
        return e;
    }

    private static String scannedNames(Measurement m) {
        List<String> names = m.scanned().stream().map(Measurement.Scan::relation).toList();
        return names.size() == 1 ? names.get(0) : String.join(" and ", names);
    }

    private static boolean isTable(String kind) {
        return kind.equals("table") || kind.equals("partitioned table") || kind.equals("materialized view");
    }

    static String preview(String sql) {
        if (sql.length() <= PREVIEW) {
            return sql;
        }
        int end = Character.isHighSurrogate(sql.charAt(PREVIEW - 1)) ? PREVIEW - 1 : PREVIEW;
        return sql.substring(0, end);
    }

    // ---- merging with the static rules ---------------------------------------------------------------------

    /**
     * Merges the static rules' findings ({@code basis} "rule") with measured ones. A static finding that
     * carries lock evidence (lockMode, rewrite or scan) and a measured finding at the same file and line
     * about the same table (the static object is the table, or a column of it: {@code shop.orders.total})
     * become one finding with basis "both": the static rule id, severity, message and remedy, and the
     * evidence of both, where the measured lockMode, rewrite and scan replace the static guesses. A measured
     * finding stays on its own when no static finding it merged into is at least as severe, so a measured
     * error is never hidden in a static warning; every other finding passes through unchanged.
     *
     * @return the merged static findings in their order, then the measured findings that remain, in theirs
     */
    public static List<Finding> merge(List<Finding> rule, List<Finding> measured) {
        Objects.requireNonNull(rule, "null rule");
        Objects.requireNonNull(measured, "null measured");
        List<Finding> out = new ArrayList<>();
        Map<Finding, Boolean> covered = new IdentityHashMap<>();
        for (Finding s : rule) {
            Finding merged = s;
            if (hasLockEvidence(s)) {
                for (Finding m : measured) {
                    if (samePlace(s, m) && sameTable(s.object(), m.object())) {
                        merged = combine(merged, m);
                        if (s.severity().isAtLeast(m.severity())) {
                            covered.put(m, true);
                        }
                    }
                }
            }
            out.add(merged);
        }
        for (Finding m : measured) {
            if (!covered.containsKey(m)) {
                out.add(m);
            }
        }
        return out;
    }

    private static boolean hasLockEvidence(Finding f) {
        return LOCK_KEYS.stream().anyMatch(f.evidence()::containsKey);
    }

    private static boolean samePlace(Finding a, Finding b) {
        return a.location() != null && a.location().equals(b.location());
    }

    private static boolean sameTable(String ruleObject, String measuredObject) {
        return ruleObject.equals(measuredObject) || ruleObject.startsWith(measuredObject + ".");
    }

    private static Finding combine(Finding s, Finding m) {
        Map<String, Object> both = new LinkedHashMap<>();
        for (String key : KEY_ORDER) {
            boolean measuredWins = LOCK_KEYS.contains(key) && m.evidence().containsKey(key);
            if (measuredWins || !s.evidence().containsKey(key) && m.evidence().containsKey(key)) {
                both.put(key, m.evidence().get(key));
            } else if (s.evidence().containsKey(key)) {
                both.put(key, s.evidence().get(key));
            }
        }
        s.evidence().forEach(both::putIfAbsent);
        m.evidence().forEach(both::putIfAbsent);
        both.remove("basis");
        both.put("basis", "both");
        return new Finding(s.rule(), s.severity(), s.object(), s.message(), s.remedy(), both, s.location());
    }
}
