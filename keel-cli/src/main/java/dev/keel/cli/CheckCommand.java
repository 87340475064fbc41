package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import dev.keel.server.check.CheckContext;
import dev.keel.server.check.CheckHistory;
import dev.keel.server.check.CheckHtml;
import dev.keel.server.check.CheckItem;
import dev.keel.server.check.CheckReport;
import dev.keel.server.check.CheckRun;
import dev.keel.server.check.CheckStatus;
import dev.keel.server.check.Checklist;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel check}: a thin adapter over {@link Checklist} and {@link CheckHistory}. */
@Command(name = "check", header = "Score the project against the blueprint's implementation checklist.",
        mixinStandardHelpOptions = true,
        description = {"Evaluates every item of the blueprint's implementation checklist (planning, development,",
            "testing, deployment, operational) against the target and the project: pass, fail, not configured",
            "(keel.yaml does not say what the item needs) or not available (the capability is not in this",
            "version; never a pass). Each item comes with its evidence and the next step to take.",
            "Every run is appended to .keel/check/history.jsonl; the report shows the trend of failing items.",
            "",
            "keel.yaml: extensions: [..] (installed on the target), slo: {rpo: 5m, rto: 1h},",
            "check: {window: 7d, backup-max-age: 1d, verify-interval: 1d, optional: [item names]}.",
            "Every item is required unless check.optional lists it.",
            "",
            "Exit codes: 0 no required item fails, 1 a required item fails (with --fail-on not-configured also",
            "when one is not configured), 2 bad option or keel.yaml, 3 the report could not be written."})
final class CheckCommand implements Callable<Integer> {

    /** What fails the run. */
    enum FailOn {
        /** A required item fails (the default). */
        fail,
        /** A required item fails or is not configured. */
        not_configured,
        /** Nothing: always exit 0 when the report was made. */
        none;

        static FailOn parse(String text) {
            return switch (text) {
                case "fail" -> fail;
                case "not-configured" -> not_configured;
                case "none" -> none;
                default -> throw new KeelException("--fail-on: '" + text + "' is not fail, not-configured or none", null,
                        KeelException.USAGE, null);
            };
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--html", paramLabel = "FILE", description = "also write the report as a self-contained HTML page")
    Path html;

    @Option(names = "--fail-on", paramLabel = "WHAT", defaultValue = "fail",
            description = "fail (default): exit 1 when a required item fails; not-configured: also when one is not configured; none: never")
    String failOn;

    @Override
    public Integer call() {
        Cli cli = new Cli(spec);
        FailOn threshold = FailOn.parse(failOn);
        Project project = cli.project();
        Target target = cli.target();
        CheckContext ctx = new CheckContext(project, target, cli::status, () -> ReviewCommands.scratchServer(cli, project),
                Instant.now());
        if (cli.json()) {
            cli.status("keel check: " + target.describe());
        }
        CheckRun checked = CheckRun.evaluate(ctx, true, p -> cli.status("keel: " + p));
        CheckReport report = checked.report();
        CheckHistory.Trend trend = checked.trend();

        if (html != null) {
            try {
                Path parent = html.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.writeString(html, CheckHtml.render(report, trend), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new KeelException("cannot write " + html + ": " + e.getMessage(), "check that the directory is writable",
                        KeelException.RUNTIME, e);
            }
            cli.status("keel check: report written to " + html);
        }
        if (cli.json()) {
            cli.printJson(checked.document());
        } else {
            print(cli.out(), report, trend);
        }
        boolean failed = switch (threshold) {
            case fail -> report.failed(false);
            case not_configured -> report.failed(true);
            case none -> false;
        };
        return failed ? 1 : 0;
    }

    private static void print(PrintWriter out, CheckReport report, CheckHistory.Trend trend) {
        out.println("keel check: " + report.target());
        String phase = null;
        for (CheckItem i : report.items()) {
            if (!i.phase().equals(phase)) {
                phase = i.phase();
                out.println();
                out.println(phase.toUpperCase(java.util.Locale.ROOT));
            }
            out.printf("  %s %-16s %s%s%n", i.status().symbol(), i.status().label(), i.item(), i.required() ? "" : " (optional)");
            out.println("      " + i.evidence());
            if (!i.next().isEmpty() && i.status() != CheckStatus.PASS) {
                out.println("      next: " + i.next());
            }
        }
        out.println();
        Map<String, Object> s = report.summary();
        out.printf("%s pass, %s fail (%s required), %s not configured, %s not available.%n", s.get("pass"), s.get("fail"),
                s.get("requiredFailing"), s.get("not-configured"), s.get("not-available"));
        if (trend.points().size() > 1) {
            out.println("Failing items over " + trend.points().size() + " runs: " + trend.points().stream()
                    .map(p -> String.valueOf(p.fail())).reduce((a, b) -> a + " → " + b).orElse("") + " (" + trend.direction() + ").");
        }
    }
}
