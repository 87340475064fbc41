package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The server's client connections against the limit: how many of the slots non-superusers may use are
 * taken, by state, user and application (all databases, since max_connections is per server).
 *
 * @param maxConnections the max_connections setting
 * @param reserved       superuser_reserved_connections plus reserved_connections (PostgreSQL 16+)
 * @param total          client backends connected now
 * @param groups         the connections counted by database, user, application and state, biggest first
 */
public record ConnectionSummary(int maxConnections, int reserved, int total, List<Group> groups) {

    public ConnectionSummary {
        groups = List.copyOf(requireNonNull(groups, "null groups"));
    }

    /** The slots ordinary roles can use. */
    public int usable() {
        return Math.max(0, maxConnections - reserved);
    }

    /** Connections per state ("active", "idle", "idle in transaction", ...), sorted by state. */
    public Map<String, Integer> byState() {
        Map<String, Integer> m = new TreeMap<>();
        groups.forEach(g -> m.merge(g.state(), g.count(), Integer::sum));
        return m;
    }

    /** One combination of database, user, application and state with its count; blanks as "". */
    public record Group(String database, String user, String application, String state, int count) {
        public Group {
            database = database == null ? "" : database;
            user = user == null ? "" : user;
            application = application == null ? "" : application;
            state = state == null || state.isEmpty() ? "unknown" : state;
        }
    }
}
