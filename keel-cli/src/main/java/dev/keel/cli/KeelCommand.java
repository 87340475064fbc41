package dev.keel.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The root command and the global options every subcommand inherits. */
@Command(name = "keel", mixinStandardHelpOptions = true, versionProvider = KeelCommand.Version.class,
        usageHelpAutoWidth = true,
        description = "Keel applies, verifies, observes, protects and syncs a PostgreSQL database.",
        footer = {"", "Exit codes: 0 ok, 1 findings or a failed check, 2 bad usage or configuration, 3 runtime failure.",
            "Docs: README.md in the Keel repository."})
public final class KeelCommand implements java.util.concurrent.Callable<Integer> {

    /**
     * The commands, in the order usage lists them. They are added by {@link Main#commandLine(String...)} rather than
     * declared in {@code @Command(subcommands)}: building all of their models takes about 0.1 s, and a command line
     * that names one needs only that one.
     */
    static final java.util.List<Class<?>> COMMANDS = java.util.List.of(InitCommand.class, DbCommand.class, InspectCommand.class, MigrationCommands.Migrate.class,
            MigrationCommands.Info.class, MigrationCommands.Validate.class, MigrationCommands.Repair.class,
            MigrationCommands.Baseline.class, MigrationCommands.Undo.class, DriftCommands.Drift.class,
            DriftCommands.Diff.class, ReviewCommands.Lint.class, ReviewCommands.PlanCommand.class, BackupCommands.Backup.class,
            BackupCommands.Restore.class, WalCommands.Wal.class, DumpCommands.Dump.class, DumpCommands.Load.class,
            DemoCommand.class, ExplainCommand.class, InsightCommand.class, AdviseCommands.Advise.class,
            HealthCommands.Health.class, HealthCommands.Metrics.class, MaintainCommands.Maintain.class, BenchCommand.class,
            CheckCommand.class, ServeCommand.class,
            CompletionCommand.class, HelpCommand.class);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Without a command: the usage on stderr, exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return dev.keel.core.KeelException.USAGE;
    }


    @Option(names = "--project", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "keel.yaml to use (default: ./keel.yaml or the nearest parent's)")
    Path project;

    @Option(names = "--target", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "target from keel.yaml (default: default-target, else the embedded server)")
    String target;

    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "connect to this URL instead (postgresql://user@host:5432/db or jdbc:postgresql://...)")
    String url;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "one JSON document on stdout, nothing else")
    boolean json;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "show stack traces and debug logs")
    boolean debug;

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"keel " + version(), "Java " + System.getProperty("java.version")};
        }

        static String version() {
            Properties p = new Properties();
            try (InputStream in = KeelCommand.class.getResourceAsStream("/keel-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException ignored) {
                // an unknown version is shown as such
            }
            return p.getProperty("version", "unknown");
        }
    }
}
