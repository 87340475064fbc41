package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.schema.diff.CatalogDiff;
import dev.keel.schema.diff.Difference;
import dev.keel.schema.drift.DriftCheck;
import dev.keel.schema.migrate.MigrationSettings;
import dev.keel.schema.migrate.MigrationVersion;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel drift} and {@code keel diff}: thin adapters over {@link DriftCheck}. */
final class DriftCommands {

    private DriftCommands() {
    }

    static int report(Cli cli, List<Difference> differences, boolean ddlOnly, String none) {
        if (cli.json()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Difference d : differences) {
                rows.add(Cli.ordered("kind", d.kind(), "object", d.object(), "change", d.change().label(),
                        "detail", d.detail(), "ddl", d.ddl()));
            }
            cli.printJson(Cli.ordered("differences", rows));
        } else if (ddlOnly) {
            cli.out().println(CatalogDiff.ddl(differences));
        } else if (differences.isEmpty()) {
            cli.out().println(none);
        } else {
            for (Difference d : differences) {
                cli.out().printf("%-8s %-18s %s%n", d.change().label(), d.kind(), d.object());
                cli.out().printf("         %s%n", d.detail());
            }
            cli.out().println();
            cli.out().println("-- DDL that reconciles them (review before running; DROP statements included):");
            cli.out().println(CatalogDiff.ddl(differences));
            cli.out().printf("%d difference(s).%n", differences.size());
        }
        cli.out().flush();
        return differences.isEmpty() ? 0 : 1;
    }

    @Command(name = "drift", header = "Compare the target with what its migrations build.", mixinStandardHelpOptions = true,
            description = {"Compare the target with what its migrations build: replays the migrations (up to the",
                "target's current version) into a scratch database of the embedded server and lists every",
                "missing, extra or changed object with the DDL that reconciles it. Exit 1 on drift."})
    static final class Drift implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--ddl", description = "print only the reconciling SQL")
        boolean ddlOnly;

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            Target target = cli.target();
            MigrationSettings settings = MigrationSettings.from(project);
            MigrationVersion current = MigrationCommands.migrator(cli, false).currentVersion().orElse(null);
            EmbeddedPostgres scratch = ReviewCommands.scratchServer(cli, project);
            List<Difference> differences;
            try (Connection c = target.connect(cli::status)) {
                differences = DriftCheck.drift(scratch, settings.locations(), current, c, settings.ownTables());
            }
            return report(cli, differences, ddlOnly, "No drift: " + target.describe() + " matches its migrations"
                    + (current == null ? "" : " up to version " + current) + ".");
        }
    }

    @Command(name = "diff", header = "Compare two databases; give the DDL that turns one into the other.", mixinStandardHelpOptions = true,
            description = {"Compare two databases: lists what differs and the DDL that turns --from into --to.",
                "Exit 1 when they differ."})
    static final class Diff implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--from", required = true, paramLabel = "TARGET", description = "target name (or a postgresql:// URL)")
        String from;

        @Option(names = "--to", required = true, paramLabel = "TARGET", description = "target name (or a postgresql:// URL)")
        String to;

        @Option(names = "--ddl", description = "print only the reconciling SQL")
        boolean ddlOnly;

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            Target a = resolve(project, from);
            Target b = resolve(project, to);
            List<Difference> differences;
            try (Connection ca = a.connect(cli::status); Connection cb = b.connect(cli::status)) {
                differences = DriftCheck.diff(ca, cb, MigrationSettings.from(project).ownTables());
            }
            return report(cli, differences, ddlOnly, "No differences between " + a.describe() + " and " + b.describe() + ".");
        }

        private static Target resolve(Project project, String nameOrUrl) {
            boolean url = nameOrUrl.startsWith("postgres://") || nameOrUrl.startsWith("postgresql://")
                    || nameOrUrl.startsWith("jdbc:");
            if (nameOrUrl.isBlank()) {
                throw new KeelException("empty target", null, KeelException.USAGE, null);
            }
            return url ? project.target(null, nameOrUrl) : project.target(nameOrUrl, null);
        }
    }
}
