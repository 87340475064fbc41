package dev.keel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.core.KeelException;
import dev.keel.core.findings.FindingsRenderer;
import dev.keel.core.project.Target;
import dev.keel.ops.insight.Explainer;
import dev.keel.ops.insight.Explanation;
import dev.keel.ops.insight.PlanNode;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keel explain SQL}: the statement's plan with its costly nodes marked and read out in plain words. */
@Command(name = "explain", header = "Show a statement's plan with the costly nodes marked and explained.",
        mixinStandardHelpOptions = true,
        description = {"Show the plan of one SQL statement as a tree, mark the costly nodes (!) and say in plain words",
            "what makes them costly: a sequential scan of a big table, row estimates off by more than 10x, sorts and",
            "hashes spilling to disk, nested loops over many rows. Without --analyze the statement is only planned.",
            "With --analyze it runs, inside a transaction that is rolled back; on targets other than the embedded",
            "server that also needs --force."})
final class ExplainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SQL", description = "the statement to explain")
    String sql;

    @Option(names = "--analyze", description = "run the statement for actual rows, times and spills (rolled back afterwards)")
    boolean analyze;

    @Option(names = "--force", description = "with --analyze: allow running the statement on a target other than the embedded server")
    boolean force;

    @Option(names = "--format", paramLabel = "FORMAT", description = "text, json or sarif (sarif: the findings only)")
    InspectCommand.Format format;

    @Option(names = "--fail-on", paramLabel = "LEVEL",
            description = "exit 1 when a finding is at or above LEVEL (error, warning, info); default: exit 0 whatever is found")
    String failOn;

    @Override
    public Integer call() throws SQLException {
        Cli cli = new Cli(spec);
        InspectCommand.Format fmt = format != null ? format : cli.json() ? InspectCommand.Format.json : InspectCommand.Format.text;
        if (force && !analyze) {
            throw new KeelException("--force is only for --analyze", null, KeelException.USAGE, null);
        }
        var threshold = failOn == null ? null : InspectCommand.parseSeverity(failOn);
        Target target = cli.target();
        if (analyze && !target.isEmbedded() && !force) {
            throw new KeelException("--analyze runs the statement on " + target.describe()
                    + "; Keel does that without asking only on the embedded server",
                    "Add --force to run it there (data changes are rolled back, but its load, locks and run time are real),"
                            + " or leave out --analyze to see the estimated plan.",
                    KeelException.USAGE, null);
        }
        Explanation explanation;
        try (Connection c = target.connect(cli::status)) {
            explanation = Explainer.explain(c, sql, analyze);
        }
        PrintWriter out = cli.out();
        switch (fmt) {
            case json -> cli.printJson(document(explanation));
            case sarif -> cli.findingsRenderer(fmt).render(explanation.findings(), out);
            case text -> {
                out.print(tree(explanation));
                out.println();
                cli.findingsRenderer(fmt).render(explanation.findings(), out);
            }
        }
        out.flush();
        return threshold == null ? 0 : explanation.findings().exitCode(threshold);
    }

    /** {"plan": PostgreSQL's plan, "analyzed", "rolledBack", "findings": [...], "summary": {...}}. */
    static JsonNode document(Explanation explanation) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode doc = mapper.createObjectNode();
        doc.set("plan", explanation.plan());
        doc.put("analyzed", explanation.analyzed());
        doc.put("rolledBack", explanation.rolledBack());
        try {
            JsonNode findings = mapper.readTree(FindingsRenderer.json().renderToString(explanation.findings()));
            doc.set("findings", findings.get("findings"));
            doc.set("summary", findings.get("summary"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the findings renderer wrote invalid JSON", e);
        }
        return doc;
    }

    /** The plan as an indented tree, costly nodes marked with "!" and their id, then timings and the rollback note. */
    static String tree(Explanation explanation) {
        StringBuilder text = new StringBuilder();
        Set<Integer> costly = explanation.costlyNodes();
        for (PlanNode node : explanation.root().walk()) {
            boolean mark = costly.contains(node.id());
            text.append(mark ? "! " : "  ").append("  ".repeat(node.depth())).append(node.depth() > 0 ? "-> " : "")
                    .append(node.label());
            node.text("Alias").filter(a -> node.relation().isPresent() && !node.relation().get().endsWith("." + a))
                    .ifPresent(a -> text.append(' ').append(a));
            text.append("  (est ").append(rows(node.planRows())).append(node.planRows() == 1 ? " row" : " rows");
            if (node.actualRows().isPresent()) {
                if (node.loops() == 0) {
                    text.append("; never executed");
                } else {
                    text.append("; actual ").append(rows(node.actualRows().getAsDouble()));
                    if (node.loops() > 1) {
                        text.append(" x ").append(rows(node.loops())).append(" loops");
                    }
                    node.actualTotalMs().ifPresent(ms -> text.append(", ").append(ms(ms)));
                }
            }
            text.append(')');
            if (mark) {
                text.append("  [#").append(node.id()).append(']');
            }
            text.append('\n');
        }
        JsonNode plan = explanation.plan();
        if (explanation.analyzed()) {
            text.append("Planning ").append(ms(plan.path("Planning Time").asDouble()))
                    .append(", execution ").append(ms(plan.path("Execution Time").asDouble())).append(".\n");
        } else {
            text.append("Estimates only: add --analyze to run the statement and see actual rows.\n");
        }
        if (explanation.rolledBack()) {
            text.append("The statement changes data: it ran inside a transaction that was rolled back, so nothing changed.\n");
        }
        return text.toString();
    }

    private static String rows(double n) {
        return String.format(Locale.ROOT, "%,d", Math.round(n));
    }

    private static String ms(double ms) {
        return String.format(Locale.ROOT, "%.3f ms", ms);
    }
}
