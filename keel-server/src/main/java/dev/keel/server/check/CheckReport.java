package dev.keel.server.check;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One evaluation of the checklist: every item in the blueprint's order, the target it ran against (as
 * {@code Target.describe()} shows it: never a password) and when.
 */
public record CheckReport(String target, Instant checkedAt, List<CheckItem> items) {

    public CheckReport {
        requireNonNull(target, "null target");
        requireNonNull(checkedAt, "null checkedAt");
        items = List.copyOf(items);
    }

    /** How many items have each status (every status present, zero when none). */
    public Map<CheckStatus, Integer> counts() {
        Map<CheckStatus, Integer> m = new EnumMap<>(CheckStatus.class);
        for (CheckStatus s : CheckStatus.values()) {
            m.put(s, 0);
        }
        items.forEach(i -> m.merge(i.status(), 1, Integer::sum));
        return m;
    }

    /** The required items with this status. */
    public List<CheckItem> required(CheckStatus status) {
        return items.stream().filter(i -> i.required() && i.status() == status).toList();
    }

    /**
     * Whether the run fails: a required item failed, or (with {@code notConfiguredFails}) a required item is not
     * configured. An item not available in this version never fails the run: nothing the user does can fix it.
     */
    public boolean failed(boolean notConfiguredFails) {
        return !required(CheckStatus.FAIL).isEmpty() || notConfiguredFails && !required(CheckStatus.NOT_CONFIGURED).isEmpty();
    }

    /** {"pass": n, "fail": n, "not-configured": n, "not-available": n, "requiredFailing": n}. */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        counts().forEach((s, n) -> m.put(s.label(), n));
        m.put("requiredFailing", required(CheckStatus.FAIL).size());
        return m;
    }
}
