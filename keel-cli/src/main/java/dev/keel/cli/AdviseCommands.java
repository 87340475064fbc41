package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.findings.Severity;
import dev.keel.core.project.Target;
import dev.keel.ops.insight.IndexAdvice;
import dev.keel.ops.insight.IndexAdvisor;
import dev.keel.ops.insight.Workload;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel advise ...}: recommendations drawn from the target's workload (indexes for now). */
final class AdviseCommands {

    private AdviseCommands() {
    }

    @Command(name = "advise", mixinStandardHelpOptions = true, header = "Recommend changes from the target's workload.",
            description = {"Advice checked against PostgreSQL's planner. Subcommands: indexes."},
            subcommands = {Indexes.class})
    static final class Advise implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return KeelException.USAGE;
        }
    }

    @Command(name = "indexes", mixinStandardHelpOptions = true,
            header = "Recommend a small set of indexes for the workload, validated with hypothetical indexes.",
            description = {"Reads the statements of pg_stat_statements for the current database (or those given with --query),",
                "plans each (never runs it), derives candidate btree indexes from the plans' equality, range, join and",
                "sort columns, and checks them with hypopg's hypothetical indexes: a candidate is kept when it cuts",
                "statements' planner cost by at least half, weighted by their calls, more than it costs to maintain for the",
                "rows the workload writes. Prints CREATE INDEX CONCURRENTLY statements, most time saved first.",
                "If hypopg is installed it is used; if the server has it but the database does not, Keel creates it",
                "inside its own transaction and rolls that back (needs a superuser); otherwise the advice is a rule of",
                "thumb, marked NOT VALIDATED. Nothing is left behind on the target.",
                "Exit codes: 0 done (even with recommendations, unless --fail-on), 1 a recommendation at or above",
                "--fail-on, 2 bad usage or a --query that cannot be planned, 3 runtime failure."})
    static final class Indexes implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--query", paramLabel = "SQL",
                description = "advise for this statement instead of the workload (repeatable; each counts as one call)")
        List<String> queries = new ArrayList<>();

        @Option(names = "--from-workload", description = "advise for the statements of pg_stat_statements (the default)")
        boolean fromWorkload;

        @Option(names = "--min-calls", paramLabel = "N", description = "leave out statements that ran fewer than N times (default ${DEFAULT-VALUE})")
        long minCalls = 1;

        @Option(names = "--top", paramLabel = "N", description = "examine at most the N statements with the most total time (default ${DEFAULT-VALUE})")
        int top = 100;

        @Option(names = "--max-indexes", paramLabel = "N", description = "recommend at most N indexes (default ${DEFAULT-VALUE})")
        int maxIndexes = 10;

        @Option(names = "--no-hypopg", description = "do not use hypopg: rule-of-thumb advice only, marked not validated")
        boolean noHypopg;

        @Option(names = "--fail-on", paramLabel = "LEVEL",
                description = "exit 1 when a recommendation is at or above LEVEL (warning: validated ones; info: any)")
        String failOn;

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            if (fromWorkload && !queries.isEmpty()) {
                throw new KeelException("--from-workload and --query exclude each other", "Pass one of them.", KeelException.USAGE, null);
            }
            if (minCalls < 1 || top < 1 || maxIndexes < 1) {
                throw new KeelException("--min-calls, --top and --max-indexes must be at least 1", null, KeelException.USAGE, null);
            }
            Severity threshold = failOn == null ? null : InspectCommand.parseSeverity(failOn);
            Target target = cli.target();
            IndexAdvice advice;
            try (Connection c = target.connect(cli::status)) {
                Workload workload = queries.isEmpty() ? Workload.fromStatStatements(c, minCalls, top) : Workload.of(queries);
                IndexAdvisor.Options options = IndexAdvisor.Options.defaults().withHypothetical(!noHypopg)
                        .withMaxIndexes(maxIndexes).withStatus(cli::status);
                advice = IndexAdvisor.advise(c, workload, options);
            }
            if (cli.json()) {
                cli.printJson(document(advice));
            } else {
                PrintWriter out = cli.out();
                out.print(text(advice));
                out.flush();
            }
            return threshold == null ? 0 : advice.findings().exitCode(threshold);
        }
    }

    /** {"validated", "note", "recommendations": [...], "rejected": [...], "examined", "skipped": [...], "explains"}. */
    static Map<String, Object> document(IndexAdvice advice) {
        List<Object> recommendations = new ArrayList<>();
        for (IndexAdvice.Recommendation r : advice.recommendations()) {
            List<Object> statements = new ArrayList<>();
            for (IndexAdvice.Served s : r.statements()) {
                statements.add(Cli.ordered("sql", s.sql(), "calls", s.calls(), "costBefore", round(s.costBefore()),
                        "costAfter", round(s.costAfter())));
            }
            recommendations.add(Cli.ordered("table", r.table(), "columns", r.columns(), "method", r.method(), "ddl", r.ddl(),
                    "costBefore", round(r.costBefore()), "costAfter", round(r.costAfter()), "saving", round(r.saving()),
                    "writePenalty", round(r.writePenalty()), "timeSavedMillis", round(r.timeSavedMillis()),
                    "validated", r.validated(), "statements", statements));
        }
        List<Object> rejected = new ArrayList<>();
        for (IndexAdvice.Rejected r : advice.rejected()) {
            rejected.add(Cli.ordered("table", r.table(), "columns", r.columns(), "saving", round(r.saving()),
                    "writePenalty", round(r.writePenalty()), "reason", r.reason()));
        }
        List<Object> skipped = new ArrayList<>();
        for (Workload.Skipped s : advice.skipped()) {
            skipped.add(Cli.ordered("sql", s.sql(), "reason", s.reason()));
        }
        return Cli.ordered("validated", advice.validated(), "note", advice.note(), "recommendations", recommendations,
                "rejected", rejected, "examined", advice.examined().size(), "skipped", skipped, "explains", advice.explains());
    }

    private static Double round(Double d) {
        return d == null ? null : Math.round(d * 100) / 100.0;
    }

    /** One block per recommendation, then what was left out and why. */
    static String text(IndexAdvice advice) {
        StringBuilder t = new StringBuilder();
        if (!advice.validated()) {
            t.append("NOT VALIDATED: ").append(advice.note()).append(".\nThe indexes below are a rule of thumb from the plans;")
                    .append(" check each with keel explain before creating it.\n\n");
        }
        List<IndexAdvice.Recommendation> recs = advice.recommendations();
        if (recs.isEmpty()) {
            t.append("No index to recommend.\n");
        } else {
            t.append(recs.size()).append(recs.size() == 1 ? " index recommended" : " indexes recommended")
                    .append(advice.validated() ? ", most time saved first:\n" : ", most time spent first:\n");
        }
        int i = 0;
        for (IndexAdvice.Recommendation r : recs) {
            t.append('\n').append(++i).append(". ").append(r.ddl()).append(r.validated() ? "" : "   (not validated)").append('\n');
            if (r.validated()) {
                t.append("   cost ").append(num(r.costBefore())).append(" → ").append(num(r.costAfter()))
                        .append(String.format(Locale.ROOT, " (%.0f%% less, weighted by calls)", 100 * r.savedShare()));
                if (r.timeSavedMillis() != null) {
                    t.append(", about ").append(millis(r.timeSavedMillis())).append(" of the workload's time");
                }
                t.append('\n');
            } else {
                t.append("   cost now ").append(num(r.costBefore())).append(" (weighted by calls)\n");
            }
            if (r.writePenalty() > 0) {
                t.append("   write overhead ").append(num(r.writePenalty())).append(" counted\n");
            }
            int n = r.statements().size();
            t.append("   serves ").append(n).append(n == 1 ? " statement:\n" : " statements:\n");
            for (IndexAdvice.Served s : r.statements()) {
                t.append(String.format(Locale.ROOT, "   %8s %s  ", s.calls() + (s.calls() == 1 ? " call" : " calls"),
                        s.costAfter() == null ? num(s.costBefore()) : num(s.costBefore()) + " → " + num(s.costAfter())))
                        .append(shorten(s.sql())).append('\n');
            }
        }
        if (!advice.rejected().isEmpty()) {
            t.append("\nLeft out for their write overhead:\n");
            for (IndexAdvice.Rejected r : advice.rejected()) {
                t.append("   ").append(r.table()).append(" (").append(String.join(", ", r.columns())).append("): saves ")
                        .append(num(r.saving())).append(", costs ").append(num(r.writePenalty())).append(" to maintain; ")
                        .append(r.reason()).append('\n');
            }
        }
        Map<String, Integer> reasons = new TreeMap<>();
        for (Workload.Skipped s : advice.skipped()) {
            String reason = s.reason().replaceAll("\\s*\\(.*", "").replaceAll(":.*", "");
            reasons.merge(reason, 1, Integer::sum);
        }
        t.append("\nExamined ").append(advice.examined().size()).append(advice.examined().size() == 1 ? " statement" : " statements");
        if (!reasons.isEmpty()) {
            List<String> parts = new ArrayList<>();
            reasons.forEach((k, v) -> parts.add(v + " " + k));
            t.append("; skipped ").append(String.join(", ", parts)).append(" (--json lists them)");
        }
        t.append("; ").append(advice.explains()).append(" EXPLAINs.\n");
        return t.toString();
    }

    private static String shorten(String sql) {
        String s = sql.replaceAll("\\s+", " ").strip();
        return s.length() <= 100 ? s : s.substring(0, 97) + "...";
    }

    private static String num(double d) {
        return String.format(Locale.ROOT, "%,.0f", d);
    }

    private static String millis(double ms) {
        return ms >= 10_000 ? String.format(Locale.ROOT, "%,.1f s", ms / 1000) : String.format(Locale.ROOT, "%,.0f ms", ms);
    }
}
