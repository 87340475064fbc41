package dev.keel.server.check;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One item of the blueprint's implementation checklist as evaluated: what was found and what to do next.
 *
 * @param phase    planning, development, testing, deployment or operational
 * @param item     the item as the blueprint names it ("schema migration system configured")
 * @param evidence what Keel found, in one line
 * @param next     the next step to take; empty when nothing is left to do
 * @param required whether a failure of this item fails the run (every item unless keel.yaml's check.optional lists it)
 */
public record CheckItem(String phase, String item, CheckStatus status, String evidence, String next, boolean required) {

    public CheckItem {
        requireNonNull(phase, "null phase");
        requireNonNull(item, "null item");
        requireNonNull(status, "null status");
        requireNonNull(evidence, "null evidence");
        next = next == null ? "" : next;
    }

    /** The item as {@code keel check --json} writes it: exactly phase, item, status, evidence, next. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", phase);
        m.put("item", item);
        m.put("status", status.label());
        m.put("evidence", evidence);
        m.put("next", next);
        return m;
    }
}
