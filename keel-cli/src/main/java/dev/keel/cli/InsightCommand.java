package dev.keel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.core.KeelException;
import dev.keel.core.findings.FindingsRenderer;
import dev.keel.core.findings.Severity;
import dev.keel.core.project.Target;
import dev.keel.ops.insight.ConnectionSummary;
import dev.keel.ops.insight.Insight;
import dev.keel.ops.insight.InsightOptions;
import dev.keel.ops.insight.InsightReport;
import dev.keel.ops.insight.TopStatements;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
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
        try {
            if (slowMs != null) {
                o = o.withSlowMs(slowMs);
            }
            if (top != null) {
                o = o.withTopN(top);
            }
            if (memory != null) {
                o = o.withMemoryBytes(parseSize(memory));
            }
        } catch (IllegalArgumentException e) {
            throw new KeelException(e.getMessage(), "see keel insight --help", KeelException.USAGE, e);
        }
        return o;
    }

    private static final Pattern SIZE = Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?\\s*");

    /** "16GB", "512MB", "16g", "1.5TB" (binary units, as PostgreSQL reads them) to bytes. */
    static long parseSize(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("--memory: '" + text + "' is not a size such as 16GB or 512MB");
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

    /** {"findings": [...], "summary": {...}, "database", "statements": {...}, "connections": {...}}. */
    static JsonNode document(InsightReport report) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode doc = mapper.createObjectNode();
        try {
            JsonNode findings = mapper.readTree(FindingsRenderer.json().renderToString(report.findings()));
            doc.set("findings", findings.get("findings"));
            doc.set("summary", findings.get("summary"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the findings renderer wrote invalid JSON", e);
        }
        doc.put("database", report.database());
        report.statements().ifPresent(t -> {
            ObjectNode s = doc.putObject("statements");
            s.put("totalExecMs", round(t.totalExecMs()));
            statements(s.putArray("byTotalTime"), t.byTotalTime());
            statements(s.putArray("byMeanTime"), t.byMeanTime());
            statements(s.putArray("byCalls"), t.byCalls());
            statements(s.putArray("byIo"), t.byIo());
        });
        report.connections().ifPresent(c -> {
            ObjectNode n = doc.putObject("connections");
            n.put("maxConnections", c.maxConnections());
            n.put("reserved", c.reserved());
            n.put("usable", c.usable());
            n.put("total", c.total());
            ObjectNode byState = n.putObject("byState");
            c.byState().forEach(byState::put);
            ArrayNode groups = n.putArray("groups");
            for (ConnectionSummary.Group g : c.groups()) {
                groups.addObject().put("database", g.database()).put("user", g.user()).put("application", g.application())
                        .put("state", g.state()).put("count", g.count());
            }
        });
        return doc;
    }

    private static void statements(ArrayNode into, List<TopStatements.Statement> list) {
        for (TopStatements.Statement s : list) {
            into.addObject().put("queryId", s.queryId()).put("user", s.user()).put("calls", s.calls())
                    .put("totalMs", round(s.totalMs())).put("meanMs", round(s.meanMs())).put("rows", s.rows())
                    .put("ioBlocks", s.ioBlocks()).put("ioMs", round(s.ioMs())).put("tempBlocksWritten", s.tempBlocksWritten())
                    .put("query", s.query());
        }
    }

    private static double round(double d) {
        return Math.round(d * 1000) / 1000.0;
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
