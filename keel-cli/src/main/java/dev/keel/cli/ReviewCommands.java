package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.CatalogOptions;
import dev.keel.core.catalog.CatalogReader;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.FindingsRenderer;
import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.schema.lint.LintContext;
import dev.keel.schema.migrate.MigrationSettings;
import dev.keel.schema.migrate.Migrator;
import dev.keel.schema.migrate.ResolvedMigration;
import dev.keel.schema.plan.Plan;
import dev.keel.schema.plan.PlannedStatement;
import dev.keel.schema.plan.Planner;
import dev.keel.schema.review.MigrationReview;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keel lint} and {@code keel plan}: thin adapters over {@link MigrationReview} and {@link Planner}. */
final class ReviewCommands {

    private ReviewCommands() {
    }

    static EmbeddedPostgres scratchServer(Cli cli, Project project) {
        EmbeddedPostgres server = project.embeddedServer();
        if (!server.status().running()) {
            cli.status("starting the embedded PostgreSQL in " + server.home() + " for the scratch copy");
            server.start();
        }
        return server;
    }

    static String display(Path p) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }

    @Command(name = "lint", header = "Lint migrations for locks, rewrites, scans and breaking changes.", mixinStandardHelpOptions = true,
            description = {"Lint migrations: static rules (locks, rewrites, scans, unsafe types, renames, ...) plus a",
                "measured run of each statement on a scratch copy in the embedded server (locks held, tables",
                "rewritten and scanned, time). Without FILES: the target's pending migrations.",
                "Exit 1 when a finding is at or above --fail-on."})
    static final class Lint implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILES", description = "migration files to lint (default: the pending ones)")
        List<Path> files = new ArrayList<>();

        @Option(names = "--all", description = "lint every V and R file, applied or not")
        boolean all;

        @Option(names = "--format", paramLabel = "FORMAT", description = "text, json or sarif")
        InspectCommand.Format format;

        @Option(names = "--fail-on", paramLabel = "LEVEL", defaultValue = "error",
                description = "exit 1 when a finding is at or above LEVEL: error, warning, info (default: ${DEFAULT-VALUE})")
        String failOn;

        @Option(names = "--pg-version", paramLabel = "MAJOR", description = "judge for this PostgreSQL major (default: the target's, else 15)")
        Integer pgVersion;

        @Option(names = "--no-measure", description = "static rules only: no scratch copy")
        boolean noMeasure;

        @Option(names = "--disable", paramLabel = "RULE", description = "skip this rule (repeatable), e.g. lint.prefer-identity")
        List<String> disabled = new ArrayList<>();

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            var threshold = InspectCommand.parseSeverity(failOn);
            Project project = cli.project();
            MigrationSettings settings = MigrationSettings.from(project);
            LintContext context = LintContext.defaults();
            List<Finding> extra = new ArrayList<>();
            List<Path> toLint = new ArrayList<>();
            for (Path f : files) {
                if (!Files.isRegularFile(f)) {
                    throw new KeelException("no such file: " + f, null, KeelException.USAGE, null);
                }
                toLint.add(f);
            }
            if (all) {
                for (ResolvedMigration m : Migrator.of(() -> { throw new IllegalStateException(); }, settings).resolve()) {
                    if (m.kind() != ResolvedMigration.Kind.UNDO) {
                        toLint.add(m.path());
                    }
                }
            }
            if (toLint.isEmpty() || cli.targetChosen()) {
                Target target = cli.target();
                Migrator migrator = MigrationCommands.migrator(cli, false);
                if (toLint.isEmpty()) {
                    migrator.pending(null).forEach(m -> toLint.add(m.path()));
                }
                try (Connection c = target.connect(cli::status)) {
                    context = LintContext.of(CatalogReader.read(c, CatalogOptions.defaults()));
                }
                extra.addAll(MigrationReview.editedAppliedFiles(migrator.validate()));
            }
            if (pgVersion != null) {
                context = context.withPgMajor(pgVersion);
            }
            try {
                context = context.withDisabledRules(disabled);
            } catch (IllegalArgumentException e) {
                throw new KeelException("--disable: " + e.getMessage().replaceFirst("^disabledRules: ", ""), null,
                        KeelException.USAGE, e);
            }
            EmbeddedPostgres scratch = noMeasure || toLint.isEmpty() ? null : scratchServer(cli, project);
            Findings findings = MigrationReview.lint(toLint, settings.locations(), context, scratch, ReviewCommands::display)
                    .plus(Findings.of(extra));
            FindingsRenderer renderer = cli.findingsRenderer(format);
            if (!cli.json() && format == null && toLint.isEmpty()) {
                cli.out().println("Nothing to lint: no pending migrations (name files, or use --all).");
            }
            renderer.render(findings, cli.out());
            return findings.exitCode(threshold);
        }
    }

    @Command(name = "plan", header = "Show what pending statements will do to the target, without changing it.", mixinStandardHelpOptions = true,
            description = {"Show what each pending statement will do to the target, without changing it: locks on",
                "existing tables, rewrite, scan (rows from the target's statistics) and an estimated duration,",
                "measured on a scratch copy in the embedded server."})
    static final class PlanCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            MigrationSettings settings = MigrationSettings.from(project);
            Migrator migrator = MigrationCommands.migrator(cli, false);
            List<ResolvedMigration> pending = migrator.pending(null);
            var current = migrator.currentVersion().orElse(null);
            Catalog catalog;
            try (Connection c = cli.target().connect(cli::status)) {
                catalog = CatalogReader.read(c, CatalogOptions.defaults());
            }
            Plan plan = pending.isEmpty() ? new Plan(List.of())
                    : Planner.plan(scratchServer(cli, project), settings.locations(), current, pending, catalog);
            if (cli.json()) {
                cli.printJson(plan);
                return 0;
            }
            if (plan.statements().isEmpty()) {
                cli.out().println("Nothing pending: the schema is at version " + (current == null ? "none" : current) + ".");
                return 0;
            }
            for (PlannedStatement s : plan.statements()) {
                cli.out().printf("%s:%d  %s%n", display(Path.of(s.file())), s.line(), oneLine(s.statement()));
                String locks = s.locks().isEmpty() ? "none on existing tables" : String.join(", ",
                        s.locks().stream().map(l -> l.relation() + " " + l.mode()).toList());
                cli.out().printf("    locks: %s%n", locks);
                cli.out().printf(Locale.ROOT, "    rewrite: %s  scan: %s  rows: %s  estimate: %s%n", s.rewrite() ? "yes" : "no",
                        s.scan() ? "yes" : "no", s.rows() == null ? "unknown" : String.format(Locale.ROOT, "%,d", s.rows()),
                        millis(s.estimateMillis()));
                if (!s.message().isEmpty()) {
                    cli.out().printf("    note: %s%n", s.message());
                }
            }
            cli.out().printf("Total estimate: %s for %d statement(s).%n", millis(plan.estimateMillis()), plan.statements().size());
            return 0;
        }

        private static String oneLine(String sql) {
            String s = sql.replaceAll("\\s+", " ").strip();
            return s.length() > 90 ? s.substring(0, 89) + "…" : s;
        }

        private static String millis(long ms) {
            return ms < 1000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
    }
}
