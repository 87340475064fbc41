package dev.keel.schema.lint;

/**
 * PostgreSQL's table lock modes, weakest first, named as {@code pg_locks.mode} shows them. A mode from
 * SHARE up blocks writes; ACCESS EXCLUSIVE also blocks reads.
 */
enum LockMode {
    ACCESS_SHARE("AccessShareLock"),
    ROW_SHARE("RowShareLock"),
    ROW_EXCLUSIVE("RowExclusiveLock"),
    SHARE_UPDATE_EXCLUSIVE("ShareUpdateExclusiveLock"),
    SHARE("ShareLock"),
    SHARE_ROW_EXCLUSIVE("ShareRowExclusiveLock"),
    EXCLUSIVE("ExclusiveLock"),
    ACCESS_EXCLUSIVE("AccessExclusiveLock");

    private final String pgName;

    LockMode(String pgName) {
        this.pgName = pgName;
    }

    /** The name as pg_locks shows it: "AccessExclusiveLock". */
    String pgName() {
        return pgName;
    }

    /** "an AccessExclusiveLock", "a ShareLock". */
    String withArticle() {
        return ("AEIOU".indexOf(pgName.charAt(0)) >= 0 ? "an " : "a ") + pgName;
    }

    boolean blocksWrites() {
        return compareTo(SHARE) >= 0;
    }

    static LockMode stronger(LockMode a, LockMode b) {
        if (a == null) {
            return b;
        }
        return b == null || a.compareTo(b) >= 0 ? a : b;
    }

    /** The mode named in {@code LOCK TABLE ... IN <words> MODE}, e.g. "SHARE ROW EXCLUSIVE"; null if unknown. */
    static LockMode fromSql(String words) {
        return switch (words) {
            case "ACCESS SHARE" -> ACCESS_SHARE;
            case "ROW SHARE" -> ROW_SHARE;
            case "ROW EXCLUSIVE" -> ROW_EXCLUSIVE;
            case "SHARE UPDATE EXCLUSIVE" -> SHARE_UPDATE_EXCLUSIVE;
            case "SHARE" -> SHARE;
            case "SHARE ROW EXCLUSIVE" -> SHARE_ROW_EXCLUSIVE;
            case "EXCLUSIVE" -> EXCLUSIVE;
            case "ACCESS EXCLUSIVE" -> ACCESS_EXCLUSIVE;
            default -> null;
        };
    }
}
