package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

/** One check's result: its name (connect, write, replication, wal-archive, disk), outcome, one-line detail and duration. */
public record HealthCheck(String name, HealthStatus status, String detail, long millis) {

    public HealthCheck {
        requireNonNull(name, "null name");
        requireNonNull(status, "null status");
        requireNonNull(detail, "null detail");
        detail = detail.replace('\n', ' ');
    }
}
