package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.progress.Progress;
import dev.keel.core.project.ProjectConfig;
import dev.keel.core.project.Target;
import dev.keel.ops.insight.MaintenanceAction;
import dev.keel.ops.insight.MaintenancePlan;
import dev.keel.ops.insight.MaintenanceRunner;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel maintain plan|run}: VACUUM, ANALYZE, concurrent rebuilds and index drops from insight's findings. */
final class MaintainCommands {

    private MaintainCommands() {
    }

    @Command(name = "maintain", mixinStandardHelpOptions = true,
            header = "Vacuum, analyze, rebuild bloated indexes and drop unused ones, as insight's findings call for.",
            description = {"plan lists the actions; run runs them one at a time with lock_timeout, showing progress.",
                "Dropping unused, duplicate or redundant indexes needs --apply."},
            subcommands = {PlanCommand.class, RunCommand.class})
    static final class Maintain implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return KeelException.USAGE;
        }
    }

    /** {@code keel maintain plan [--json]}. */
    @Command(name = "plan", mixinStandardHelpOptions = true, header = "List the maintenance actions the target needs.",
            description = {"Actions: vacuum (dead tuples above autovacuum's threshold), analyze (rows changed above the",
                "analyze threshold), vacuum-analyze (both), reindex (estimated index bloat; REINDEX CONCURRENTLY),",
                "drop-index (unused, duplicate or redundant index; DROP INDEX CONCURRENTLY, run only with --apply).",
                "Exit 0; nothing is changed."})
    static final class PlanCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            MaintenancePlan plan = plan(cli, cli.target());
            if (cli.json()) {
                List<Object> actions = new ArrayList<>();
                for (MaintenanceAction a : plan.actions()) {
                    actions.add(json(a, "planned", null, ""));
                }
                cli.printJson(Cli.ordered("actions", actions));
                return 0;
            }
            PrintWriter out = cli.out();
            for (MaintenanceAction a : plan.actions()) {
                out.printf("%-15s %s%s%n", a.kind().label(), a.sql(), a.needsApply() ? "   (needs --apply)" : "");
                out.println("                " + a.reason());
            }
            out.println(plan.actions().isEmpty() ? "maintain: nothing to do"
                    : "maintain: " + plan.actions().size() + " actions, " + plan.needingApply().size() + " need --apply");
            out.flush();
            return 0;
        }
    }

    /** {@code keel maintain run [--apply] [--lock-timeout DURATION] [--dry-run] [--json]}. */
    @Command(name = "run", mixinStandardHelpOptions = true, header = "Run the maintenance actions the target needs.",
            description = {"One action at a time on its own connection, in autocommit, with lock_timeout: an action",
                "that waits longer for a lock is skipped and the run goes on. Progress (from pg_stat_progress_*) on stderr.",
                "Without --apply, drop-index actions are listed as not-applied.",
                "Exit codes: 0 every action ran, 1 an action was skipped or failed, 3 cannot connect."})
    static final class RunCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--apply", description = "also drop unused, duplicate and redundant indexes")
        boolean apply;

        @Option(names = "--lock-timeout", paramLabel = "DURATION", defaultValue = "5s",
                description = "how long one statement may wait for a lock before it is skipped: 500ms, 5s, 1m (default: ${DEFAULT-VALUE})")
        String lockTimeout;

        @Option(names = "--dry-run", description = "show what would run, change nothing")
        boolean dryRun;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            Duration timeout = lockTimeout(lockTimeout);
            Target target = cli.target();
            MaintenancePlan plan = plan(cli, target);
            if (dryRun) {
                List<MaintenanceRunner.Result> would = new ArrayList<>();
                for (MaintenanceAction a : plan.actions()) {
                    would.add(new MaintenanceRunner.Result(a, a.needsApply() && !apply ? MaintenanceRunner.Status.NOT_APPLIED
                            : MaintenanceRunner.Status.DONE, 0, a.needsApply() && !apply ? "needs --apply" : "dry run"));
                }
                print(cli, would, true);
                return 0;
            }
            List<MaintenanceRunner.Result> results = MaintenanceRunner.run(plan, () -> target.connect(cli::status),
                    new MaintenanceRunner.Options(timeout, apply), new Shown(cli));
            print(cli, results, false);
            return results.stream().anyMatch(r -> r.status() == MaintenanceRunner.Status.SKIPPED
                    || r.status() == MaintenanceRunner.Status.FAILED) ? 1 : 0;
        }

        private static void print(Cli cli, List<MaintenanceRunner.Result> results, boolean dryRun) {
            if (cli.json()) {
                List<Object> actions = new ArrayList<>();
                for (MaintenanceRunner.Result r : results) {
                    String status = dryRun ? (r.status() == MaintenanceRunner.Status.NOT_APPLIED ? "not-applied" : "would-run")
                            : r.status().label();
                    actions.add(json(r.action(), status, dryRun ? null : r.millis(), r.detail()));
                }
                cli.printJson(Cli.ordered("actions", actions));
                return;
            }
            PrintWriter out = cli.out();
            for (MaintenanceRunner.Result r : results) {
                String status = dryRun ? (r.status() == MaintenanceRunner.Status.NOT_APPLIED ? "not-applied" : "would-run")
                        : r.status().label();
                out.printf("%-12s %-15s %s%s%s%n", status, r.action().kind().label(), r.action().sql(),
                        dryRun ? "" : "  " + r.millis() + " ms", r.detail().isEmpty() || dryRun ? "" : "  (" + r.detail() + ")");
            }
            long skipped = results.stream().filter(r -> r.status() == MaintenanceRunner.Status.NOT_APPLIED).count();
            if (skipped > 0 && !cli.json()) {
                out.println("maintain: " + skipped + " drop actions not applied; run again with --apply to drop those indexes");
            }
            if (results.isEmpty()) {
                out.println("maintain: nothing to do");
            }
            out.flush();
        }
    }

    static Duration lockTimeout(String text) {
        try {
            return ProjectConfig.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new KeelException("--lock-timeout: '" + text + "' is not a duration", "write e.g. 500ms, 5s or 1m",
                    KeelException.USAGE, null);
        }
    }

    static MaintenancePlan plan(Cli cli, Target target) {
        try (Connection c = target.connect(cli::status)) {
            return MaintenancePlan.of(c);
        } catch (SQLException e) {
            throw new KeelException("cannot close the connection: " + e.getMessage(), e);
        }
    }

    static Map<String, Object> json(MaintenanceAction a, String status, Long millis, String detail) {
        List<Object> rules = new ArrayList<>();
        a.findings().forEach(f -> rules.add(Cli.ordered("rule", f.rule(), "severity", f.severity().label(),
                "evidence", f.evidence())));
        return Cli.ordered("kind", a.kind().label(), "object", a.object(), "sql", a.sql(), "reason", a.reason(),
                "needsApply", a.needsApply(), "status", status, "millis", millis, "detail", detail, "findings", rules);
    }

    /** Progress on stderr: a bar per action once pg_stat_progress_* gives a total, and a line per result. */
    static final class Shown implements MaintenanceRunner.Listener {
        private final Cli cli;
        private Progress bar;
        private long barTotal = -1;
        private String barPhase = "";

        Shown(Cli cli) {
            this.cli = cli;
        }

        @Override
        public void started(MaintenanceAction action) {
            cli.status("maintain: " + action.sql() + " ...");
        }

        @Override
        public synchronized void progress(MaintenanceAction action, MaintenanceRunner.Progress p) {
            if (p.total() <= 0) {
                return;
            }
            if (bar == null || p.total() != barTotal || !p.phase().equals(barPhase)) {
                close();
                bar = Progress.start(action.kind().label() + " " + action.object(), p.total(), Progress.Unit.count("blocks"),
                        cli.progress());
                barTotal = p.total();
                barPhase = p.phase();
            }
            bar.set(Math.min(p.done(), p.total()));
            bar.message(p.phase());
        }

        @Override
        public synchronized void finished(MaintenanceRunner.Result r) {
            if (bar != null && r.status() == MaintenanceRunner.Status.DONE) {
                bar.set(barTotal);
            }
            close();
        }

        private void close() {
            if (bar != null) {
                bar.close();
                bar = null;
                barTotal = -1;
                barPhase = "";
            }
        }
    }
}
