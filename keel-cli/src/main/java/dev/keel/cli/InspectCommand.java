package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.CatalogJson;
import dev.keel.core.catalog.CatalogOptions;
import dev.keel.core.catalog.CatalogReader;
import dev.keel.core.catalog.CatalogSummary;
import dev.keel.core.design.SchemaDesignRules;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.FindingsRenderer;
import dev.keel.core.findings.Severity;
import dev.keel.core.progress.Progress;
import dev.keel.core.project.Target;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel inspect}: reads the target's catalog; with {@code --lint}, checks its schema design. */
@Command(name = "inspect", header = "Read the target database into Keel's catalog and show a summary.", mixinStandardHelpOptions = true,
        description = {"Read the target database into Keel's catalog and show a summary (--json: the whole catalog,",
            "stable and sorted, so two snapshots diff line by line). With --lint, report schema-design findings."})
final class InspectCommand implements Callable<Integer> {

    /** Output formats of {@code --format}. */
    enum Format { text, json, sarif }

    @Spec
    CommandSpec spec;

    @Option(names = "--schema", paramLabel = "S", description = "only this schema (repeatable; default: all user schemas)")
    List<String> schemas = new ArrayList<>();

    @Option(names = "--no-stats", description = "leave out row estimates and sizes (for snapshots that diff cleanly)")
    boolean noStats;

    @Option(names = "--lint", description = "check schema design: primary keys, foreign-key indexes, time zones, identity, naming")
    boolean lint;

    @Option(names = "--fail-on", paramLabel = "LEVEL", defaultValue = "error",
            description = "with --lint: exit 1 when a finding is at or above LEVEL (error, warning, info; default: ${DEFAULT-VALUE})")
    String failOn;

    @Option(names = "--format", paramLabel = "FORMAT", description = "text, json or sarif (sarif: with --lint only)")
    Format format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write the report to FILE instead of stdout")
    Path output;

    @Override
    public Integer call() throws IOException {
        Cli cli = new Cli(spec);
        Format fmt = format != null ? format : cli.json() ? Format.json : Format.text;
        if (fmt == Format.sarif && !lint) {
            throw new KeelException("--format sarif needs --lint (SARIF reports findings)", null, KeelException.USAGE, null);
        }
        Severity threshold = parseSeverity(failOn);
        Target target = cli.target();
        Catalog catalog;
        try (Connection c = target.connect(cli::status);
             Progress progress = Progress.start("inspect", -1, Progress.Unit.count("queries"), cli.progress())) {
            progress.message(target.describe());
            catalog = CatalogReader.read(c, new CatalogOptions(schemas, !noStats), progress);
        } catch (SQLException e) {
            throw new KeelException("cannot close the connection: " + e.getMessage(), e);
        }
        try (Writer out = output == null ? null : Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            Writer w = out != null ? out : cli.out();
            if (!lint) {
                if (fmt == Format.json) {
                    CatalogJson.write(catalog, w);
                } else {
                    w.write(CatalogSummary.render(catalog));
                }
                w.flush();
                return 0;
            }
            Findings findings = SchemaDesignRules.check(catalog, dev.keel.schema.migrate.MigrationSettings.from(cli.project()).ownTables());
            FindingsRenderer renderer = cli.findingsRenderer(fmt, cli.color() && out == null);
            renderer.render(findings, w);
            w.flush();
            return findings.exitCode(threshold);
        }
    }

    static Severity parseSeverity(String text) {
        try {
            return Severity.parse(text);
        } catch (IllegalArgumentException e) {
            throw new KeelException("--fail-on: " + e.getMessage(), null, KeelException.USAGE, e);
        }
    }
}
