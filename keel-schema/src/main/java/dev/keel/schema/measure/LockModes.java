package dev.keel.schema.measure;

import java.util.List;

/**
 * PostgreSQL's table-level lock modes as {@code pg_locks.mode} names them, weakest first. From ShareLock up
 * a mode blocks writes (INSERT, UPDATE, DELETE); AccessExclusiveLock also blocks reads.
 */
final class LockModes {

    static final String ACCESS_SHARE = "AccessShareLock";
    static final String SHARE_UPDATE_EXCLUSIVE = "ShareUpdateExclusiveLock";
    static final String SHARE = "ShareLock";
    static final String ACCESS_EXCLUSIVE = "AccessExclusiveLock";

    private static final List<String> ORDER = List.of(ACCESS_SHARE, "RowShareLock", "RowExclusiveLock",
            SHARE_UPDATE_EXCLUSIVE, SHARE, "ShareRowExclusiveLock", "ExclusiveLock", ACCESS_EXCLUSIVE);

    private LockModes() {
    }

    /** 0 for AccessShareLock up to 7 for AccessExclusiveLock; -1 for a name that is not a table lock mode. */
    static int rank(String mode) {
        return ORDER.indexOf(mode);
    }

    static boolean blocksWrites(String mode) {
        return rank(mode) >= rank(SHARE);
    }

    /** The stronger of two modes; either may be null. */
    static String stronger(String a, String b) {
        if (a == null) {
            return b;
        }
        return b == null || rank(a) >= rank(b) ? a : b;
    }
}
