package dev.keel.embedded;

import java.util.Locale;

/** Where the PostgreSQL server binaries come from. */
public enum Provider {
    /** The machine's binaries when there are any, else zonky's. */
    AUTO,
    /** Binaries installed on the machine: pg_config, PATH, /usr/lib/postgresql/N/bin. */
    SYSTEM,
    /** zonky's PostgreSQL bundle from Maven Central, pinned to 15.x, extracted once under ~/.keel. */
    ZONKY;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses auto, system or zonky, case-insensitively. */
    public static Provider parse(String text) {
        for (Provider p : values()) {
            if (p.label().equalsIgnoreCase(text.strip())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown provider '" + text + "' (expected auto, system or zonky)");
    }
}
