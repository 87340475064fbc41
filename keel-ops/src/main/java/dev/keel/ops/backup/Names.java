package dev.keel.ops.backup;

import java.util.Objects;
import java.util.regex.Pattern;

/** Names and paths inside a repository. */
final class Names {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    static final String BACKUPS = "backups/";

    private Names() {
    }

    /** Backup ids and stream names become path segments, so they are restricted to a safe alphabet. */
    static String check(String kind, String value) {
        Objects.requireNonNull(value, "null " + kind);
        if (!NAME.matcher(value).matches()) {
            throw BackupException.usage("bad " + kind + " '" + value + "'",
                    "use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters");
        }
        return value;
    }

    static String dir(String backupId) {
        return BACKUPS + backupId + "/";
    }

    static String manifest(String backupId) {
        return dir(backupId) + "manifest.json";
    }

    static String complete(String backupId) {
        return dir(backupId) + "COMPLETE";
    }

    static String data(String backupId) {
        return dir(backupId) + "data/";
    }

    static String chunk(String backupId, String stream, long index) {
        return data(backupId) + stream + "/" + String.format("%06d.chunk", index);
    }
}
