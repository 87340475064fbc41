package dev.keel.cli;

import dev.keel.core.ConfigException;
import dev.keel.core.KeelException;
import dev.keel.core.progress.Progress;
import dev.keel.core.project.Project;
import dev.keel.embedded.BinaryLocator;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.embedded.ServerStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keel db ...}: the project's embedded PostgreSQL under .keel/pg. */
@Command(name = "db", mixinStandardHelpOptions = true,
        description = "Manage the project's embedded PostgreSQL (kept under .keel/pg, listening on 127.0.0.1 only).",
        subcommands = {DbCommand.Start.class, DbCommand.Stop.class, DbCommand.Status.class, DbCommand.Url.class,
            DbCommand.Psql.class, DbCommand.Destroy.class})
final class DbCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return KeelException.USAGE;
    }


    static Object statusJson(ServerStatus s, Project p) {
        return Cli.ordered("initialized", s.initialized(), "running", s.running(),
                "pid", s.pid().isPresent() ? s.pid().getAsInt() : null, "port", s.port(),
                "provider", s.provider().label(), "version", s.version(), "binDir", s.binDir() == null ? null : s.binDir().toString(),
                "dataDir", s.dataDir().toString(), "sizeBytes", s.sizeBytes(), "database", p.embeddedDatabase(),
                "user", EmbeddedPostgres.SUPERUSER);
    }

    static void printStatus(Cli cli, ServerStatus s, Project p) {
        var out = cli.out();
        out.printf("state       %s%n", s.running() ? "running (pid " + s.pid().getAsInt() + ")"
                : s.initialized() ? "stopped" : "not initialised (run 'keel db start')");
        if (s.initialized()) {
            out.printf("provider    %s%s%n", s.provider().label(), s.binDir() == null ? "" : " (" + s.binDir() + ")");
            out.printf("version     PostgreSQL %s%n", s.version());
            out.printf("port        %s%n", s.port() > 0 ? "127.0.0.1:" + s.port() : "-");
            out.printf("database    %s (user %s)%n", p.embeddedDatabase(), EmbeddedPostgres.SUPERUSER);
            out.printf("data dir    %s%n", s.dataDir());
            out.printf("size        %s%n", Progress.Unit.BYTES.format(s.sizeBytes()));
        }
        out.flush();
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start the embedded PostgreSQL (initialise it the first time). A no-op when running.")
    static final class Start implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            Project p = cli.project();
            EmbeddedPostgres server = p.embeddedServer();
            boolean wasRunning = server.status().running();
            if (!wasRunning && !cli.json()) {
                cli.status(server.initialized() ? "Starting the embedded PostgreSQL in " + server.home() + " ..."
                        : "Initialising the embedded PostgreSQL in " + server.home() + " ...");
            }
            ServerStatus s = server.start();
            server.ensureDatabase(p.embeddedDatabase());
            if (cli.json()) {
                cli.printJson(statusJson(s, p));
            } else {
                cli.out().println(wasRunning ? "Already running." : "Started.");
                printStatus(cli, s, p);
            }
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the embedded PostgreSQL (fast shutdown).")
    static final class Stop implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            EmbeddedPostgres server = cli.project().embeddedServer();
            boolean wasRunning = server.status().running();
            server.stop();
            if (cli.json()) {
                cli.printJson(Cli.ordered("stopped", wasRunning, "running", false));
            } else {
                cli.out().println(wasRunning ? "Stopped." : "Not running.");
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show provider, version, port, data directory and size of the embedded PostgreSQL.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            Project p = cli.project();
            ServerStatus s = p.embeddedServer().status();
            if (cli.json()) {
                cli.printJson(statusJson(s, p));
            } else {
                printStatus(cli, s, p);
            }
            return 0;
        }
    }

    @Command(name = "url", mixinStandardHelpOptions = true,
            description = {"Print the embedded database's connection URL (the password is never printed:",
                "it is in .keel/pg/password, mode 0600; 'keel db psql' uses it for you)."})
    static final class Url implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--jdbc", description = "print the JDBC form")
        boolean jdbc;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            Project p = cli.project();
            EmbeddedPostgres server = p.embeddedServer();
            ServerStatus s = server.status();
            if (!s.running()) {
                throw new KeelException("the embedded PostgreSQL is not running", "run 'keel db start'",
                        KeelException.RUNTIME, null);
            }
            String uri = "postgresql://" + EmbeddedPostgres.SUPERUSER + "@127.0.0.1:" + s.port() + "/" + p.embeddedDatabase();
            String jdbcUrl = "jdbc:postgresql://127.0.0.1:" + s.port() + "/" + p.embeddedDatabase() + "?user="
                    + EmbeddedPostgres.SUPERUSER;
            if (cli.json()) {
                cli.printJson(Cli.ordered("url", uri, "jdbcUrl", jdbcUrl, "user", EmbeddedPostgres.SUPERUSER,
                        "passwordFile", server.passwordFile().toString()));
            } else {
                cli.out().println(jdbc ? jdbcUrl : uri);
            }
            return 0;
        }
    }

    @Command(name = "psql", mixinStandardHelpOptions = true,
            description = "Open psql on the embedded database (starting the server if needed); extra arguments go to psql.")
    static final class Psql implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "PSQL_ARGS", description = "arguments passed to psql, e.g. -c 'select 1'")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Cli cli = new Cli(spec);
            Project p = cli.project();
            EmbeddedPostgres server = p.embeddedServer();
            if (!server.status().running()) {
                cli.status("Starting the embedded PostgreSQL in " + server.home() + " ...");
                server.start();
            }
            server.ensureDatabase(p.embeddedDatabase());
            Path psql = BinaryLocator.clientProgram("psql", server.binaries()).orElseThrow(() -> new KeelException(
                    "psql is not installed", "install it (Debian: apt-get install postgresql-client-15)",
                    KeelException.RUNTIME, null));
            List<String> cmd = new ArrayList<>(List.of(psql.toString(), "-h", "127.0.0.1", "-p",
                    String.valueOf(server.port()), "-U", EmbeddedPostgres.SUPERUSER, "-d", p.embeddedDatabase()));
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            pb.environment().put("PGPASSWORD", server.password());
            return pb.start().waitFor();
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Stop the embedded PostgreSQL and delete .keel/pg with every database in it.")
    static final class Destroy implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-y", "--yes"}, description = "do not ask for confirmation")
        boolean yes;

        @Override
        public Integer call() throws IOException {
            Cli cli = new Cli(spec);
            EmbeddedPostgres server = cli.project().embeddedServer();
            if (!server.initialized() && !java.nio.file.Files.exists(server.home())) {
                cli.out().println("Nothing to destroy: " + server.home() + " does not exist.");
                return 0;
            }
            if (!yes) {
                if (System.console() == null) {
                    throw new ConfigException("'keel db destroy' deletes " + server.home() + " and needs confirmation",
                            "run it in a terminal, or add --yes");
                }
                cli.err().print("Delete " + server.home() + " and every database in it? Type 'yes' to confirm: ");
                cli.err().flush();
                String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (answer == null || !answer.strip().equalsIgnoreCase("yes")) {
                    cli.out().println("Cancelled; nothing deleted.");
                    return 1;
                }
            }
            server.destroy();
            if (cli.json()) {
                cli.printJson(Cli.ordered("destroyed", server.home().toString()));
            } else {
                cli.out().println("Destroyed " + server.home());
            }
            return 0;
        }
    }
}
