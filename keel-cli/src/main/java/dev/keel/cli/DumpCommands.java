package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.progress.Progress;
import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import dev.keel.embedded.Binaries;
import dev.keel.embedded.BinaryLocator;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.ops.backup.BackupKeys;
import dev.keel.ops.backup.LocalRepository;
import dev.keel.ops.backup.LogicalBackups;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel dump} and {@code keel load}: thin adapters over {@link LogicalBackups}. */
final class DumpCommands {

    private DumpCommands() {
    }

    /** Where the unencrypted archive lives while a dump or load runs (mode 0700, removed afterwards). */
    static Path scratchRoot(Project project) {
        return project.keelDir().resolve("scratch");
    }

    /** pg_dump or pg_restore: the embedded server's own when the target is embedded, else PATH, else Debian's. */
    static Path tool(String name, Target target) {
        Binaries preferred = target.embeddedServer().map(EmbeddedPostgres::binaries).orElse(null);
        return BinaryLocator.clientProgram(name, preferred).orElseThrow(() -> new KeelException(
                name + " is not installed", "install it (Debian: apt-get install postgresql-client-15)",
                KeelException.RUNTIME, null));
    }

    static String tables(List<String> tables) {
        return tables.isEmpty() ? "all tables" : String.join(", ", tables);
    }

    static int jobs(Integer given) {
        return given == null ? LogicalBackups.defaultJobs() : given;
    }

    @Command(name = "dump", mixinStandardHelpOptions = true, header = "Take a logical backup of the target database.",
            description = {"Dump the target database, or some of its tables, with pg_dump's directory",
                "format in parallel, then store the archive compressed and encrypted in the",
                "backup repository as a backup of type dump. While pg_dump runs the archive",
                "is on disk unencrypted, in a private (0700) directory under .keel/scratch",
                "that is removed afterwards. Load it with keel load."})
    static final class Dump implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--table", paramLabel = "T",
                description = "only this table (a pg_dump -t pattern: orders, public.orders, 'public.order*'); repeatable")
        List<String> tables = new ArrayList<>();

        @Option(names = "--jobs", paramLabel = "N", description = "parallel pg_dump jobs, each a connection (default: cores, at most 4)")
        Integer jobs;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            LogicalBackups.DumpOptions options = new LogicalBackups.DumpOptions(tables, jobs(jobs));
            Project project = cli.project();
            LocalRepository repo = BackupCommands.repository(project);
            BackupKeys.currentPublicKey(repo); // no key yet: refuse before anything starts
            Target target = cli.target();
            ConnectionSpec cs = target.spec(cli::status);
            Path pgDump = tool("pg_dump", target);
            LogicalBackups.DumpResult r;
            try (Progress progress = new BackupCommands.LazyProgress(cli, "dump")) {
                r = LogicalBackups.dump(cs, options, pgDump, repo, BackupCommands.compression(project),
                        scratchRoot(project), progress);
            }
            if (cli.json()) {
                cli.printJson(Cli.ordered("id", r.id(), "database", r.database(), "tables", r.tables(),
                        "sizeBytes", r.rawBytes(), "storedBytes", r.storedBytes(), "millis", r.millis()));
            } else {
                cli.out().printf("Dump %s complete: database %s, %s, %s (%s stored), %d ms.%n", r.id(), r.database(),
                        tables(r.tables()), Progress.Unit.BYTES.format(r.rawBytes()),
                        Progress.Unit.BYTES.format(r.storedBytes()), r.millis());
            }
            return 0;
        }
    }

    @Command(name = "load", mixinStandardHelpOptions = true, header = "Load a logical backup into a database.",
            description = {"Decrypt a backup taken with keel dump (--key-file or KEEL_BACKUP_KEY) and",
                "load it with pg_restore into the target database, or into --database NAME",
                "on the target's server, created from template0 when it does not exist.",
                "Stops at the first error. Objects that already exist are an error unless",
                "--clean, which drops the dumped objects first. A dump holds no roles: the",
                "owners of its objects must exist on the server."})
    static final class Load implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--backup", paramLabel = "ID", description = "default: the latest complete dump (--latest)")
        String id;

        @Option(names = "--latest", description = "the latest complete backup of type dump (the default)")
        boolean latestFlag;

        @Option(names = "--database", paramLabel = "NAME", description = "load into this database of the target's server (default: the target's)")
        String database;

        @Option(names = "--clean", description = "drop the dumped objects before recreating them (pg_restore --clean --if-exists)")
        boolean clean;

        @Option(names = "--jobs", paramLabel = "N", description = "parallel pg_restore jobs, each a connection (default: cores, at most 4)")
        Integer jobs;

        @Option(names = "--key-file", paramLabel = "FILE", description = "private key (default: KEEL_BACKUP_KEY, else .keel/backup-private.key)")
        Path keyFile;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            if (id != null && latestFlag) {
                throw new KeelException("--backup and --latest cannot be used together", "give one of them",
                        KeelException.USAGE, null);
            }
            if (database != null && database.isBlank()) {
                throw new KeelException("--database is blank", "name the database to load into", KeelException.USAGE, null);
            }
            LogicalBackups.LoadOptions options = new LogicalBackups.LoadOptions(clean, jobs(jobs));
            Project project = cli.project();
            LocalRepository repo = BackupCommands.repository(project);
            String backup = id != null ? id : LogicalBackups.latest(repo).orElseThrow(() -> new KeelException(
                    "no complete dump in " + repo.root(), "run keel dump", KeelException.USAGE, null));
            LogicalBackups.checkLoadable(repo, backup); // a physical backup is refused before the key is needed
            PrivateKey key = BackupCommands.privateKey(project, keyFile);
            Target target = cli.target();
            ConnectionSpec cs = target.spec(cli::status);
            if (database != null) {
                cs = cs.withDatabase(database);
            }
            Path pgRestore = tool("pg_restore", target);
            LogicalBackups.LoadResult r;
            try (Progress progress = new BackupCommands.LazyProgress(cli, "load")) {
                r = LogicalBackups.load(repo, backup, key, cs, options, pgRestore, scratchRoot(project), progress);
            }
            if (cli.json()) {
                cli.printJson(Cli.ordered("backup", r.backupId(), "database", r.database(), "tables", r.tables(),
                        "millis", r.millis()));
            } else {
                cli.out().printf("Loaded %s into database %s%s: %s, %s, %d ms.%n", r.backupId(), r.database(),
                        r.created() ? " (created)" : "", tables(r.tables()), Progress.Unit.BYTES.format(r.rawBytes()),
                        r.millis());
            }
            return 0;
        }
    }
}
