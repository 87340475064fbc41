package dev.keel.ops.insight;

import java.util.List;

/** The checks of one {@code keel health} run, in the order they ran. */
public record HealthReport(List<HealthCheck> checks) {

    public HealthReport {
        checks = List.copyOf(checks);
    }

    /** The worst outcome of the checks that ran: fail, else warn, else ok (skipped checks count as ok). */
    public HealthStatus status() {
        HealthStatus worst = HealthStatus.OK;
        for (HealthCheck c : checks) {
            if (c.status().compareTo(worst) > 0) {
                worst = c.status();
            }
        }
        return worst;
    }

    /** True when the connect check failed, so nothing else ran. */
    public boolean unreachable() {
        return !checks.isEmpty() && checks.get(0).name().equals(HealthChecks.CONNECT)
                && checks.get(0).status() == HealthStatus.FAIL;
    }
}
