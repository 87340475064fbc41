package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.FindingsRenderer;
import dev.keel.core.progress.Progress;
import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import dev.keel.schema.migrate.MigrationScaffold;
import dev.keel.schema.migrate.MigrationSettings;
import dev.keel.schema.migrate.MigrationState;
import dev.keel.schema.migrate.MigrationVersion;
import dev.keel.schema.migrate.Migrator;
import dev.keel.schema.migrate.ResolvedMigration;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The migration commands: thin adapters over {@link Migrator}. */
final class MigrationCommands {

    private MigrationCommands() {
    }

    static Migrator migrator(Cli cli, boolean outOfOrder) {
        Project project = cli.project();
        Target target = cli.target();
        MigrationSettings settings = MigrationSettings.from(project);
        if (outOfOrder) {
            settings = settings.withOutOfOrder(true);
        }
        return Migrator.of(() -> target.connect(cli::status), settings);
    }

    static MigrationVersion version(String text, String option) {
        if (text == null) {
            return null;
        }
        try {
            return MigrationVersion.parse(text);
        } catch (IllegalArgumentException e) {
            throw new KeelException(option + ": " + e.getMessage(), null, KeelException.USAGE, e);
        }
    }

    /** Prints each migration as it finishes, and a progress bar or lines on stderr. */
    static final class Reporter implements Migrator.Listener, AutoCloseable {
        private final Cli cli;
        private final String verb;
        private Progress progress;

        Reporter(Cli cli, String verb) {
            this.cli = cli;
            this.verb = verb;
        }

        @Override
        public void waitingForLock(String holder) {
            cli.status("waiting for another migration to finish (" + holder + ") ...");
        }

        @Override
        public void migrationStarted(ResolvedMigration m, int index, int total) {
            if (progress == null) {
                progress = Progress.start(verb, total, Progress.Unit.count("migrations"), cli.progress());
            }
            progress.message(m.script());
        }

        @Override
        public void retrying(ResolvedMigration m, int line, int attempt, Duration wait, String reason) {
            cli.status(String.format(Locale.ROOT, "%s:%d: %s; try %d again in %.1f s", m.script(), line, reason,
                    attempt + 1, wait.toMillis() / 1000.0));
        }

        @Override
        public void resumed(ResolvedMigration m, int skipped) {
            cli.status(m.script() + ": resuming after " + skipped + " statement(s) done by an interrupted run");
        }

        @Override
        public void migrationFinished(ResolvedMigration m, long millis) {
            progress.advance(1);
            if (!cli.json()) {
                cli.out().printf("  %-8s %s (%d ms)%n", verb.equals("undo") ? "undone" : "applied", m.script(), millis);
                cli.out().flush();
            }
        }

        @Override
        public void close() {
            if (progress != null) {
                progress.close();
            }
        }
    }

    @Command(name = "migrate", header = "Apply pending migrations to the target.", mixinStandardHelpOptions = true,
            description = {"Apply pending migrations (V files in version order, then new or changed R files) to the target.",
                "Flyway's file names and history table (flyway_schema_history); one migrator at a time;",
                "every statement with lock_timeout and retries."},
            subcommands = {MigrationCommands.New.class})
    static final class Migrate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--to", paramLabel = "VERSION",
                description = "stop at this version (Flyway's -target; --target picks the database)")
        String to;

        @Option(names = "--out-of-order", description = "also apply pending versions older than the newest applied one")
        boolean outOfOrder;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            Migrator migrator = migrator(cli, outOfOrder);
            Migrator.MigrateResult result;
            try (Reporter reporter = new Reporter(cli, "migrate")) {
                result = migrator.migrate(version(to, "--to"), reporter);
            }
            String current = result.currentVersion() == null ? "none" : result.currentVersion().toString();
            if (cli.json()) {
                cli.printJson(Cli.ordered("applied", result.applied().stream().map(ResolvedMigration::script).toList(),
                        "currentVersion", result.currentVersion() == null ? null : current, "millis", result.millis()));
            } else if (result.applied().isEmpty()) {
                cli.out().println("Schema is up to date at version " + current + ".");
            } else {
                cli.out().printf("Applied %d migration(s) in %d ms; schema is now at version %s.%n",
                        result.applied().size(), result.millis(), current);
            }
            return 0;
        }
    }

    @Command(name = "new", mixinStandardHelpOptions = true,
            description = "Write the next V file and its U file in the first migrations folder.")
    static final class New implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "what the migration does, e.g. add_order_notes")
        String name;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            List<Path> written = MigrationScaffold.create(cli.project().migrationLocations(), name);
            if (cli.json()) {
                cli.printJson(Cli.ordered("versioned", written.get(0).toString(), "undo", written.get(1).toString()));
            } else {
                written.forEach(p -> cli.out().println("Created " + p));
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "List every migration, applied and pending, with its state (as flyway info does).")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            List<MigrationState> states = migrator(cli, false).info();
            if (cli.json()) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (MigrationState s : states) {
                    rows.add(s.toMap());
                }
                cli.printJson(Cli.ordered("migrations", rows));
                return 0;
            }
            if (states.isEmpty()) {
                cli.out().println("No migrations found and none applied.");
                return 0;
            }
            DateTimeFormatter time = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
            String format = "%-9s %-32s %-9s %-19s %-14s%n";
            cli.out().printf(format, "VERSION", "DESCRIPTION", "TYPE", "INSTALLED ON", "STATE");
            for (MigrationState s : states) {
                String desc = s.description().length() > 32 ? s.description().substring(0, 31) + "…" : s.description();
                cli.out().printf(format, s.version() == null ? "" : s.version(), desc, s.type(),
                        s.installedOn() == null ? "" : time.format(s.installedOn()), s.state().label());
            }
            cli.out().flush();
            return 0;
        }
    }

    @Command(name = "validate", header = "Check the history table against the migration files.", mixinStandardHelpOptions = true,
            description = {"Check the history table against the files: edited or missing applied files, failed",
                "migrations and ignored versions are errors; pending migrations are info."})
    static final class Validate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--fail-on", paramLabel = "LEVEL", defaultValue = "error",
                description = "exit 1 when a finding is at or above LEVEL (default: ${DEFAULT-VALUE})")
        String failOn;

        @Option(names = "--format", paramLabel = "FORMAT", description = "text, json or sarif")
        InspectCommand.Format format;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            var threshold = InspectCommand.parseSeverity(failOn);
            Findings findings = migrator(cli, false).validate();
            FindingsRenderer renderer = cli.findingsRenderer(format);
            renderer.render(findings, cli.out());
            return findings.exitCode(threshold);
        }
    }

    @Command(name = "repair", mixinStandardHelpOptions = true,
            description = "Remove failed rows from the history table and accept edits of applied files (new checksums).")
    static final class Repair implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            Migrator.RepairResult r = migrator(cli, false).repair();
            if (cli.json()) {
                cli.printJson(Cli.ordered("failedRowsRemoved", r.failedRowsRemoved(), "realigned", r.realigned()));
            } else {
                cli.out().printf("Removed %d failed row(s); realigned %d checksum(s)%s.%n", r.failedRowsRemoved(),
                        r.realigned().size(), r.realigned().isEmpty() ? "" : ": " + String.join(", ", r.realigned()));
            }
            return 0;
        }
    }

    @Command(name = "baseline", mixinStandardHelpOptions = true,
            description = "Record an existing database as being at VERSION: older migrations will not be applied.")
    static final class Baseline implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--version", paramLabel = "VERSION", defaultValue = "1", description = "default: ${DEFAULT-VALUE}")
        String baselineVersion;

        @Option(names = "--description", paramLabel = "TEXT", description = "default: << Flyway Baseline >>")
        String description;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            MigrationVersion v = version(baselineVersion, "--version");
            migrator(cli, false).baseline(v, description);
            if (cli.json()) {
                cli.printJson(Cli.ordered("baseline", v.toString()));
            } else {
                cli.out().println("Baselined at version " + v + ".");
            }
            return 0;
        }
    }

    @Command(name = "undo", header = "Undo applied migrations by running their U files.", mixinStandardHelpOptions = true,
            description = {"Undo applied migrations newer than --to (default: only the newest) by running their",
                "U files in reverse order; recorded in the history table (see schema.undo-record)."})
    static final class Undo implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--to", paramLabel = "VERSION", description = "undo every applied version newer than this")
        String to;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            List<ResolvedMigration> undone;
            try (Reporter reporter = new Reporter(cli, "undo")) {
                undone = migrator(cli, false).undo(version(to, "--to"), reporter);
            }
            if (cli.json()) {
                cli.printJson(Cli.ordered("undone", undone.stream().map(ResolvedMigration::script).toList()));
            } else {
                cli.out().printf("Undid %d migration(s).%n", undone.size());
            }
            return 0;
        }
    }
}
