package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A role of the server (built-in {@code pg_*} roles left out). The catalog never reads passwords.
 *
 * @param connectionLimit -1 for no limit
 * @param validUntil      password expiry as {@code 2030-01-01T00:00:00Z} in UTC, {@code infinity}, or null
 * @param config          role-level settings ({@code search_path=app}), as stored
 */
public record Role(String name, boolean login, boolean superuser, boolean createDb, boolean createRole,
                   boolean replication, boolean bypassRls, boolean inherit, int connectionLimit,
                   String validUntil, List<String> config, String comment) {

    static final Comparator<Role> ORDER = Comparator.comparing(Role::name);

    public Role {
        Objects.requireNonNull(name, "null name");
        config = Canonical.list(config);
    }
}
