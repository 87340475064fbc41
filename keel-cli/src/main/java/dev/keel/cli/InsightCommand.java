package dev.keel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.core.KeelException;
import dev.keel.core.findings.Severity;
import dev.keel.core.project.Target;
import dev.keel.ops.insight.ConnectionSummary;
import dev.keel.ops.insight.Insight;
import dev.keel.ops.insight.InsightJson;
import dev.keel.ops.insight.InsightOptions;
import dev.keel.ops.insight.InsightReport;
import dev.keel.ops.insight.TopStatements;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keel insight}: what needs attention on the target — top and slow statements, sessions, blocking chains,
 * connections, cache, replication, checkpoints and settings — as tables and findings. Called without a
 * subcommand it runs the report; subcommands (snapshots, history) hang below it.
 */
@Command(name = "insight", header = "Report what needs attention: statements, sessions, locks, settings.",
        mixinStandardHelpOptions = true,
        subcommands = {InsightHistoryCommands.Snapshot.class, InsightHistoryCommands.History.class},
        description = {"Reads the target's statistics views and settings and reports, as findings with a remedy each:",
            "slow statements, long-running and idle-in-transaction sessions, blocking chains, connections near",
            "max_connections, low cache hit ratios, replication lag, inactive replication slots holding WAL,",
            "checkpoint pressure and settings far from sane for the machine. Text output starts with the top",
            "statements (pg_stat_statements) and the connections by state. Keel never creates pg_stat_statements",
            "in your database by itself (the finding says what to run); on the embedded server it does.",
            "With snapshots (keel insight snapshot) it also reports trends: statements that got slower or much more",
            "frequent between intervals, and tables or the database growing fast."})
final class InsightCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--format", paramLabel = "FORMAT", description = "text, json or sarif (sarif: the findings only)")
    InspectCommand.Format format;

    @Option(names = "--fail-on", paramLabel = "LEVEL",
            description = "exit 1 when a finding is at or above LEVEL (error, warning, info); default: exit 0 whatever is found")
    String failOn;

    @Option(names = "--slow-ms", paramLabel = "N",
            description = "a statement averaging N ms or more per call is slow (default: " + InsightOptions.DEFAULT_SLOW_MS + ")")
    Long slowMs;

    @Option(names = "--top", paramLabel = "N",
            description = "statements per top list (default: " + InsightOptions.DEFAULT_TOP_N + ")")
    Integer top;

    @Option(names = "--memory", paramLabel = "SIZE",
            description = "the server's RAM (e.g. 16GB) for the settings checks; default: read /proc/meminfo when the "
                    + "server runs on this machine, else only the checks that need no RAM")
    String memory;

    @Override
    public Integer call() throws SQLException {
        Cli cli = new Cli(spec);
        InspectCommand.Format fmt = format != null ? format : cli.json() ? InspectCommand.Format.json : InspectCommand.Format.text;
        Severity threshold = failOn == null ? null : InspectCommand.parseSeverity(failOn);
        InsightOptions options = options();
        Target target = cli.target();
        // the embedded server is Keel's own: there it may create pg_stat_statements; a user's database is left alone
        options = options.withCreateExtension(target.isEmbedded());
        InsightReport report;
        try (Connection c = target.connect(cli::status)) {
            report = Insight.report(c, options);
        }
        PrintWriter out = cli.out();
        switch (fmt) {
            case json -> cli.printJson(document(report));
            case sarif -> cli.findingsRenderer(fmt).render(report.findings(), out);
            case text -> {
                out.print(text(report));
                out.println();
                cli.findingsRenderer(fmt).render(report.findings(), out);
            }
        }
        out.flush();
        return threshold == null ? 0 : report.findings().exitCode(threshold);
    }

    InsightOptions options() {
        InsightOptions o = InsightOptions.defaults();
        if (slowMs != null) {
            o = option("--slow-ms", o::withSlowMs, slowMs);
        }
        if (top != null) {
            o = option("--top", o::withTopN, top);
        }
        if (memory != null) {
            InsightOptions base = o;
            o = option("--memory", text -> base.withMemoryBytes(parseSize(text)), memory);
        }
        return o;
    }

    private static final Pattern SIZE = Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?\\s*");

    /** "16GB", "512MB", "16g", "1.5TB" (binary units, as PostgreSQL reads them) to bytes. */
    static long parseSize(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size such as 16GB or 512MB");
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT).substring(0, 1);
        int shift = switch (unit) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        return (long) (Double.parseDouble(m.group(1)) * (1L << shift));
    }

    /** The --json document; one implementation, shared with keel serve's /api/insight. */
    static JsonNode document(InsightReport report) {
        return InsightJson.document(report);
    }

    /** Applies one option's value; the library's refusal becomes a usage error naming the option. */
    private static <T> InsightOptions option(String name, java.util.function.Function<T, InsightOptions> with, T value) {
        try {
            return with.apply(value);
        } catch (IllegalArgumentException e) {
            throw new KeelException(name + ": " + e.getMessage(), "see keel insight --help", KeelException.USAGE, e);
        }
    }

    /** The top statements by total time and the connections by state, as short tables. */
    static String text(InsightReport report) {
        StringBuilder t = new StringBuilder();
        if (report.statements().isPresent()) {
            TopStatements top = report.statements().get();
            t.append("Top statements by total time (database ").append(report.database()).append(")\n");
            if (top.byTotalTime().isEmpty()) {
                t.append("  none recorded yet\n");
            } else {
                t.append(String.format(Locale.ROOT, "  %10s %6s %9s %10s %10s  %s%n", "total", "share", "calls", "mean",
                        "I/O blocks", "query"));
                for (TopStatements.Statement s : top.byTotalTime()) {
                    double share = top.totalExecMs() > 0 ? 100 * s.totalMs() / top.totalExecMs() : 0;
                    t.append(String.format(Locale.ROOT, "  %10s %5.1f%% %,9d %10s %,10d  %s%n", ms(s.totalMs()), share,
                            s.calls(), ms(s.meanMs()), s.ioBlocks(), clip(s.query(), 48)));
                }
            }
        } else {
            t.append("Top statements: not available (see insight.statements-unavailable or insight.check-failed below)\n");
        }
        t.append('\n');
        if (report.connections().isPresent()) {
            ConnectionSummary c = report.connections().get();
            t.append(String.format(Locale.ROOT, "Connections: %d of %d usable (max_connections %d, %d reserved)", c.total(),
                    c.usable(), c.maxConnections(), c.reserved()));
            StringBuilder states = new StringBuilder();
            for (Map.Entry<String, Integer> e : c.byState().entrySet()) {
                states.append(states.length() == 0 ? ": " : ", ").append(e.getValue()).append(' ').append(e.getKey());
            }
            t.append(states).append('\n');
            int shown = 0;
            for (ConnectionSummary.Group g : c.groups()) {
                if (shown++ == 5) {
                    t.append(String.format(Locale.ROOT, "  ... %d more groups (--json lists them all)%n", c.groups().size() - 5));
                    break;
                }
                t.append(String.format(Locale.ROOT, "  %5d  %-20s %-16s %-24s %s%n", g.count(), clip(g.database(), 20),
                        clip(g.user(), 16), clip(g.application().isEmpty() ? "-" : g.application(), 24), g.state()));
            }
        } else {
            t.append("Connections: not available (see insight.check-failed below)\n");
        }
        return t.toString();
    }

    private static String ms(double ms) {
        return ms >= 10_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000) : String.format(Locale.ROOT, "%.1f ms", ms);
    }

    private static String clip(String s, int width) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= width ? one : one.substring(0, width - 1) + "…";
    }
}
