package dev.keel.cli;

import dev.keel.core.ConfigException;
import dev.keel.core.KeelException;
import dev.keel.core.project.ProjectLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keel init}: writes a commented keel.yaml and a migrations folder. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create keel.yaml (commented) and db/migrations/ in DIR (default: the current directory).")
final class InitCommand implements Callable<Integer> {

    static final String TEMPLATE = """
            # keel.yaml: the Keel project file. Every key is optional; the README documents each one.
            name: %s

            # Targets are the databases Keel works on; pick one with --target NAME.
            # With no targets, Keel runs its own PostgreSQL under .keel/pg (the embedded default).
            # Keep secrets out of this file: ${VAR} and ${VAR:-default} read environment variables,
            # and PGPASSWORD / ~/.pgpass are honoured as in psql.
            #
            # default-target: dev
            # targets:
            #   dev:
            #     url: postgresql://app@localhost:5432/app
            #     password: ${PGPASSWORD}
            #   prod:
            #     url: postgresql://app@db.internal:5432/app?sslmode=verify-full
            #     password: ${PROD_DB_PASSWORD}

            # The embedded server (used when no target is configured, or with --target embedded).
            embedded:
              database: %s
              # port: 0          # 0 = keep the last port when free, else any free port
              # provider: auto   # auto | system (the machine's PostgreSQL) | zonky (bundled 15.x)

            # Migrations, in Flyway's naming: V1__create_things.sql, U1__create_things.sql, R__views.sql
            schema:
              locations: [db/migrations]
            """;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "DIR", description = "project directory (default: .)")
    Path dir;

    @Option(names = "--force", description = "overwrite an existing keel.yaml")
    boolean force;

    @Override
    public Integer call() {
        Cli cli = new Cli(spec);
        Path target = (dir == null ? Path.of("") : dir).toAbsolutePath().normalize();
        Path file = target.resolve(ProjectLoader.FILE_NAME);
        if (Files.exists(file) && !force) {
            throw new ConfigException(file + " already exists", "edit it, or run 'keel init --force' to overwrite it");
        }
        String name = target.getFileName() == null ? "app" : target.getFileName().toString()
                .toLowerCase().replaceAll("[^a-z0-9_]+", "_");
        try {
            Files.createDirectories(target.resolve("db/migrations"));
            Files.writeString(file, TEMPLATE.formatted(name, name), StandardCharsets.UTF_8);
            Path gitignore = target.resolve(".gitignore");
            String existing = Files.exists(gitignore) ? Files.readString(gitignore) : "";
            if (existing.lines().noneMatch(l -> l.strip().equals(".keel/") || l.strip().equals(".keel"))) {
                Files.writeString(gitignore, (existing.isEmpty() || existing.endsWith("\n") ? "" : "\n")
                        + "# Keel's local state: embedded database, password, backups\n.keel/\n",
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new KeelException("cannot write the project in " + target + ": " + e.getMessage(), e);
        }
        if (cli.json()) {
            cli.printJson(Cli.ordered("project", file.toString(), "migrations", target.resolve("db/migrations").toString()));
        } else {
            cli.out().println("Created " + file);
            cli.out().println("Created " + target.resolve("db/migrations") + "/");
            cli.out().println("Next: add V1__first_migration.sql there, then 'keel inspect' (starts the embedded database).");
        }
        return 0;
    }
}
