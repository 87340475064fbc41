package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.progress.Progress;
import dev.keel.core.project.ProjectConfig;
import dev.keel.core.project.Target;
import dev.keel.ops.insight.InsightJson;
import dev.keel.ops.insight.StatementHistory;
import dev.keel.ops.insight.StatementHistory.Growth;
import dev.keel.ops.insight.StatementHistory.Interval;
import dev.keel.ops.insight.StatementHistory.Retention;
import dev.keel.ops.insight.StatementHistory.SizeTrend;
import dev.keel.ops.insight.StatementHistory.StatementDelta;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel insight snapshot} and {@code keel insight history}: thin adapters over {@link StatementHistory}. */
final class InsightHistoryCommands {

    private InsightHistoryCommands() {
    }

    /** {@code keel insight snapshot [--keep 30d|N]}. */
    @Command(name = "snapshot", header = "Store a snapshot of pg_stat_statements and sizes on the target.",
            mixinStandardHelpOptions = true,
            description = {"Stores this database's pg_stat_statements rows and the sizes of the database, its tables",
                "and indexes in schema keel_history on the target (created on the first snapshot; the user needs CREATE on",
                "the database once, or a superuser creates it). Without pg_stat_statements only sizes are stored,",
                "and the command says so. Snapshots outside --keep are removed. Take one regularly (cron, or",
                "keel serve later): keel insight history then shows what happened in each interval."})
    static final class Snapshot implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--keep", paramLabel = "AGE|N", defaultValue = "30d",
                description = "keep snapshots younger than AGE (30d, 36h) or the newest N (default: ${DEFAULT-VALUE})")
        String keep;

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            Retention retention;
            try {
                retention = Retention.parse(keep);
            } catch (IllegalArgumentException e) {
                throw new KeelException("--keep: " + e.getMessage(), null, KeelException.USAGE, null);
            }
            Target target = cli.target();
            StatementHistory.Snapshot s;
            try (Connection c = target.connect(cli::status)) {
                s = StatementHistory.snapshot(c, retention);
            }
            s.notes().forEach(n -> cli.status("keel: " + n));
            if (cli.json()) {
                cli.printJson(dev.keel.ops.insight.InsightJson.snapshot(s, keep));
            } else {
                PrintWriter out = cli.out();
                out.printf("Snapshot %d of %s: %s, %d tables, %d indexes, database %s.%n", s.id(), target.describe(),
                        s.statementsAvailable() ? s.statements() + " statements" : "sizes only (no pg_stat_statements)",
                        s.tables(), s.indexes(), Progress.Unit.BYTES.format(s.databaseBytes()));
                if (s.pruned() > 0) {
                    out.printf("Removed %d snapshot%s outside the retention (%s).%n", s.pruned(), s.pruned() == 1 ? "" : "s",
                            retention);
                }
                out.flush();
            }
            return 0;
        }
    }

    /** {@code keel insight history [--since 7d] [--statement QUERYID] [--top N]}. */
    @Command(name = "history", header = "Show statements per interval between snapshots, and size growth.",
            mixinStandardHelpOptions = true,
            description = {"For each interval between consecutive snapshots (keel insight snapshot) since --since: the",
                "statements that took the most time in it, with calls, total and mean time, rows and blocks read in",
                "that interval, not since the last statistics reset. An interval in which statistics were reset is",
                "marked; it counts from the reset. Then the size growth of the database and its fastest-growing",
                "tables and indexes per day, and where they will be in 30 days at that rate."})
    static final class History implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--since", paramLabel = "AGE", defaultValue = "7d",
                description = "intervals ending within this age (default: ${DEFAULT-VALUE})")
        String since;

        @Option(names = "--statement", paramLabel = "QUERYID", description = "only this statement (pg_stat_statements queryid)")
        Long statement;

        @Option(names = "--top", paramLabel = "N", defaultValue = "5",
                description = "statements per interval, most time first (default: ${DEFAULT-VALUE})")
        int top;

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            Duration age;
            try {
                age = ProjectConfig.parseDuration(since);
            } catch (IllegalArgumentException e) {
                throw new KeelException("--since: " + e.getMessage(), null, KeelException.USAGE, null);
            }
            if (top < 1) {
                throw new KeelException("--top must be 1 or more, was " + top, null, KeelException.USAGE, null);
            }
            Target target = cli.target();
            Instant now = Instant.now();
            Instant from = now.minus(age);
            List<Interval> intervals;
            Growth growth;
            int snapshots;
            try (Connection c = target.connect(cli::status)) {
                snapshots = StatementHistory.snapshots(c).size();
                intervals = StatementHistory.intervals(c, from, now.plusSeconds(60),
                        statement == null ? OptionalLong.empty() : OptionalLong.of(statement), top);
                growth = StatementHistory.growth(c, from);
            }
            if (cli.json()) {
                cli.printJson(InsightJson.history(from, snapshots, intervals, growth));
                return 0;
            }
            PrintWriter out = cli.out();
            if (snapshots < 2) {
                out.println(snapshots == 0 ? "No snapshots yet on " + target.describe()
                        + ": run keel insight snapshot now and again later (or schedule it)."
                        : "One snapshot so far on " + target.describe() + ": run keel insight snapshot again later to see an interval.");
                out.flush();
                return 0;
            }
            if (intervals.isEmpty()) {
                out.println("No statement intervals since " + since + " (pg_stat_statements snapshots needed).");
            }
            for (Interval i : intervals) {
                out.printf("%s .. %s (%s)%s%n", i.start().truncatedTo(ChronoUnit.SECONDS), i.end().truncatedTo(ChronoUnit.SECONDS),
                        span(i.duration()), i.reset() ? "  statistics reset in this interval: counted from the reset" : "");
                if (i.statements().isEmpty()) {
                    out.println("  no statements ran");
                    continue;
                }
                out.printf("  %-20s %9s %12s %10s %10s %10s  %s%n", "queryid", "calls", "total ms", "mean ms", "rows",
                        "blks read", "query");
                for (StatementDelta d : i.statements()) {
                    out.printf(Locale.ROOT, "  %-20d %9d %12.1f %10.3f %10d %10d  %s%s%n", d.queryid(), d.calls(),
                            d.totalMillis(), d.meanMillis(), d.rows(), d.blocksRead(), d.reset() ? "(reset) " : "",
                            oneLine(d.query(), 70));
                }
            }
            out.println();
            out.println("Size growth (" + growth.snapshots() + " snapshots since " + since + "):");
            if (growth.database().isEmpty()) {
                out.println("  not enough snapshots (two, some time apart)");
            }
            growth.database().ifPresent(t -> out.println("  " + trend(t)));
            for (SizeTrend t : growth.tables()) {
                out.println("  " + trend(t));
            }
            for (SizeTrend t : growth.indexes()) {
                out.println("  " + trend(t));
            }
            out.flush();
            return 0;
        }

        private static String trend(SizeTrend t) {
            return String.format(Locale.ROOT, "%-8s %-40s %10s  %s%s/day (%.1f%%/day)  in 30 days: %s", t.kind(),
                    oneLine(t.name(), 40), Progress.Unit.BYTES.format(t.lastBytes()), t.bytesPerDay() < 0 ? "-" : "+",
                    Progress.Unit.BYTES.format(Math.round(Math.abs(t.bytesPerDay()))), t.percentPerDay(),
                    Progress.Unit.BYTES.format(t.projected30Days()));
        }

        private static String span(Duration d) {
            long s = d.toSeconds();
            if (s < 120) {
                return s + " s";
            }
            if (s < 7200) {
                return s / 60 + " min";
            }
            return String.format(Locale.ROOT, "%.1f h", s / 3600.0);
        }
    }

    static String oneLine(String s, int max) {
        String q = s.replaceAll("\\s+", " ").strip();
        return q.length() > max ? q.substring(0, max - 3) + "..." : q;
    }
}
