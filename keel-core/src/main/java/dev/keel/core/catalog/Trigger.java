package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A user trigger (not the internal ones behind foreign keys) on a table or view.
 *
 * @param events     the events it fires on, in INSERT, UPDATE, DELETE, TRUNCATE order
 * @param function   the trigger function
 * @param enabled    the session_replication_role states it fires in (ALTER TABLE ... ENABLE/DISABLE TRIGGER)
 * @param constraint true for a CONSTRAINT TRIGGER
 * @param definition the CREATE TRIGGER statement from {@code pg_get_triggerdef(oid, true)}
 */
public record Trigger(String schema, String table, String name, Timing timing, List<Event> events, Level level,
                      QualifiedName function, Enabled enabled, boolean constraint, String definition,
                      String comment) {

    /** When it fires relative to the event. */
    public enum Timing { BEFORE, AFTER, INSTEAD_OF }

    /** What fires it. */
    public enum Event { INSERT, UPDATE, DELETE, TRUNCATE }

    /** FOR EACH ROW or FOR EACH STATEMENT. */
    public enum Level { ROW, STATEMENT }

    /** pg_trigger.tgenabled: O fires in origin and local mode, R only in replica, A always, D never. */
    public enum Enabled { ORIGIN, REPLICA, ALWAYS, DISABLED }

    static final Comparator<Trigger> ORDER = Comparator.comparing(Trigger::schema)
            .thenComparing(Trigger::table)
            .thenComparing(Trigger::name);

    public Trigger {
        Objects.requireNonNull(schema, "null schema");
        Objects.requireNonNull(table, "null table");
        Objects.requireNonNull(name, "null name");
        events = Canonical.sorted(events, Comparator.naturalOrder());
    }
}
