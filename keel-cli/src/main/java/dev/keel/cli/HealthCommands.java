package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.connect.Secrets;
import dev.keel.core.project.Target;
import dev.keel.ops.insight.HealthCheck;
import dev.keel.ops.insight.HealthChecks;
import dev.keel.ops.insight.HealthReport;
import dev.keel.ops.insight.HealthStatus;
import dev.keel.ops.insight.MetricFamily;
import dev.keel.ops.insight.MetricsCollectors;
import dev.keel.ops.insight.MetricsExposition;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel health} and {@code keel metrics}: the target's liveness, readiness and Prometheus metrics. */
final class HealthCommands {

    private HealthCommands() {
    }

    /** {@code keel health [--live] [--json]}. */
    @Command(name = "health", header = "Check that the target is alive and ready (for orchestrators).",
            mixinStandardHelpOptions = true,
            description = {"Checks: connect; write (a synthetic write and read, rolled back); replication;",
                "wal-archive; disk (free space of the data directory, when the server is on this machine).",
                "Each check is ok, warn, fail or skipped. --live runs connect only.",
                "Exit codes: 0 ready (warnings allowed), 1 a check failed, 3 cannot connect."})
    static final class Health implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--live", description = "liveness only: connect, nothing else")
        boolean live;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            Target target = cli.target();
            HealthReport report = HealthChecks.run(() -> target.connect(cli::status), live);
            if (cli.json()) {
                cli.printJson(dev.keel.ops.insight.InsightJson.health(report));
                if (report.unreachable()) {
                    cli.err().println("keel: " + Secrets.mask(report.checks().get(0).detail()));
                    cli.err().flush();
                }
            } else if (report.unreachable()) {
                throw new KeelException(report.checks().get(0).detail());
            } else {
                PrintWriter out = cli.out();
                for (HealthCheck c : report.checks()) {
                    out.printf("%-7s %-12s %5d ms  %s%n", c.status().label(), c.name(), c.millis(), Secrets.mask(c.detail()));
                }
                out.println("health: " + report.status().label() + " (" + target.describe() + ")");
                out.flush();
            }
            return exitCode(report);
        }

        static int exitCode(HealthReport report) {
            if (report.unreachable()) {
                return KeelException.RUNTIME;
            }
            return report.status() == HealthStatus.FAIL ? 1 : 0;
        }
    }

    /** {@code keel metrics}. */
    @Command(name = "metrics", header = "Print the target's metrics in the Prometheus text format.",
            mixinStandardHelpOptions = true,
            description = {"Prometheus text exposition 0.0.4 with postgres_exporter's metric names (pg_up,",
                "pg_stat_database_*, pg_stat_activity_count, pg_locks_count, pg_replication_lag_seconds, ...).",
                "When the target cannot be reached: pg_up 0, the reason on stderr, exit 0 (as postgres_exporter)."})
    static final class Metrics implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            if (cli.json()) {
                throw new KeelException("keel metrics has no --json", "it prints the Prometheus text format; use keel health --json "
                        + "for a JSON status", KeelException.USAGE, null);
            }
            Target target = cli.target();
            List<MetricFamily> families;
            Connection c;
            try {
                c = target.connect(cli::status);
            } catch (KeelException e) {
                cli.err().println(Secrets.mask(("keel: " + e.getMessage() + e.remedy().map(r -> " — " + r).orElse(""))
                        .replace('\n', ' ')));
                cli.err().flush();
                families = MetricsCollectors.down();
                cli.out().print(MetricsExposition.text(families));
                cli.out().flush();
                return 0;
            }
            try (c) {
                families = MetricsCollectors.collect(c, problem -> cli.status("keel: " + Secrets.mask(problem)));
            } catch (SQLException e) {
                throw new KeelException("cannot close the connection: " + e.getMessage(), e);
            }
            cli.out().print(MetricsExposition.text(families));
            cli.out().flush();
            return 0;
        }
    }
}
