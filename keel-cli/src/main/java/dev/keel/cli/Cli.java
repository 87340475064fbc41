package dev.keel.cli;

import dev.keel.core.findings.FindingsRenderer;
import dev.keel.core.json.StableJson;
import dev.keel.core.progress.ProgressOutput;
import dev.keel.core.project.Project;
import dev.keel.core.project.ProjectLoader;
import dev.keel.core.project.Target;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What a command needs from the command line: the global options, the project, the target, and where to
 * write. Human text and JSON go to stdout; progress and status lines go to stderr, so a {@code --json}
 * stdout holds one document and nothing else.
 */
final class Cli {

    /** A plain mapper for one-line JSON records (history files). */
    static final com.fasterxml.jackson.databind.ObjectMapper JSON_LINE = new com.fasterxml.jackson.databind.ObjectMapper();

    private final KeelCommand root;
    private final CommandSpec spec;
    private Project project;

    Cli(CommandSpec spec) {
        this.spec = spec;
        this.root = (KeelCommand) spec.root().userObject();
    }

    boolean json() {
        return root.json;
    }

    boolean debug() {
        return root.debug;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A status line on stderr (never in --json output). */
    void status(String line) {
        err().println(line);
        err().flush();
    }

    Project project() {
        if (project == null) {
            project = ProjectLoader.load(root.project, Path.of("").toAbsolutePath(), System.getenv());
        }
        return project;
    }

    /** True when the command line names a target (--target or --url). */
    boolean targetChosen() {
        return root.target != null || root.url != null;
    }

    Target target() {
        return project().target(root.target, root.url);
    }

    /** Where progress goes: a live bar on a terminal, plain lines otherwise (KEEL_PROGRESS overrides). */
    ProgressOutput progress() {
        return ProgressOutput.to(err(), ProgressOutput.Mode.choose(System.console() != null, System.getenv()));
    }

    /** True when stdout is a terminal that takes colour (NO_COLOR unset). */
    boolean color() {
        return System.console() != null && System.getenv("NO_COLOR") == null && !"dumb".equals(System.getenv("TERM"));
    }

    /** The findings renderer for --format (else --json, else the terminal table). */
    FindingsRenderer findingsRenderer(InspectCommand.Format format) {
        return findingsRenderer(format, color());
    }

    /** As {@link #findingsRenderer(InspectCommand.Format)}; {@code colour} false for reports written to a file. */
    FindingsRenderer findingsRenderer(InspectCommand.Format format, boolean colour) {
        InspectCommand.Format fmt = format != null ? format : json() ? InspectCommand.Format.json : InspectCommand.Format.text;
        return switch (fmt) {
            case json -> FindingsRenderer.json();
            case sarif -> FindingsRenderer.sarif(KeelCommand.Version.version(), null);
            case text -> FindingsRenderer.text(colour, 100);
        };
    }

    void printJson(Object value) {
        StableJson.write(value, out());
    }

    static Map<String, Object> ordered(Object... keyValues) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
