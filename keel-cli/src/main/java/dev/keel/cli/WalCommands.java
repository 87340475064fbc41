package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.progress.Progress;
import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.ops.backup.BackupKeys;
import dev.keel.ops.backup.LocalRepository;
import dev.keel.ops.backup.WalArchive;
import dev.keel.ops.backup.WalCommandLine;
import dev.keel.ops.backup.WalSetup;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keel wal ...} and {@code keel backup point}: thin adapters over the WAL archive library. */
final class WalCommands {

    private WalCommands() {
    }

    @Command(name = "wal", mixinStandardHelpOptions = true, header = "Continuous WAL archiving.",
            description = {"Archive PostgreSQL's write-ahead log into the backup repository, compressed, encrypted and",
                "checksummed, for point-in-time recovery (see the README's Backups section)."},
            subcommands = {Push.class, Fetch.class, Status.class, Setup.class})
    static final class Wal implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return KeelException.USAGE;
        }
    }

    @Command(name = "push", mixinStandardHelpOptions = true,
            description = {"Archive one WAL file (archive_command's %%p) and the segments ready after it; exit 0 only",
                "once they are durable. keel wal setup writes an archive_command that runs this with a lean JVM."})
    static final class Push implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "the WAL file (%%p)")
        Path file;

        @Option(names = "--ahead", paramLabel = "N", description = "also archive up to N ready segments (default ${DEFAULT-VALUE})")
        int ahead = WalCommandLine.DEFAULT_AHEAD;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            WalArchive.PushResult r = WalCommandLine.push(BackupCommands.repository(project), file,
                    BackupCommands.compression(project), WalCommandLine.waldump(), ahead);
            if (cli.json()) {
                cli.printJson(Cli.ordered("name", r.name(), "alreadyArchived", r.alreadyArchived(), "pushedAhead", r.pushedAhead()));
            } else {
                cli.out().println((r.alreadyArchived() ? "Already archived: " : "Archived ") + r.name()
                        + (r.pushedAhead().isEmpty() ? "" : " (and " + r.pushedAhead().size() + " ready segments after it)"));
            }
            return 0;
        }
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = {"Write an archived WAL file to DEST (restore_command's %%f %%p). Exit 1 when the archive has",
                "no such file, which tells PostgreSQL it reached the end of the archive."})
    static final class Fetch implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "the WAL file name (%%f)")
        String name;

        @Parameters(index = "1", paramLabel = "DEST", description = "where to write it (%%p)")
        Path dest;

        @Option(names = "--key-file", paramLabel = "FILE", description = "private key (default: KEEL_BACKUP_KEY, else .keel/backup-private.key)")
        Path keyFile;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            boolean found = WalCommandLine.fetch(BackupCommands.repository(project), name, dest,
                    BackupCommands.privateKey(project, keyFile));
            if (!found) {
                cli.err().println("keel: " + name + " is not in the archive");
            }
            return found ? 0 : 1;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"The archiver's state on the target (last archived segment, lag in segments, failures) and",
                "the archive in the repository (files, newest, size). --verify also checks every archived file's",
                "SHA-256 without the key. Exit 1 when archiving is failing or off, or a file is damaged."})
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--verify", description = "check every archived file against its SHA-256 (reads the whole archive)")
        boolean verify;

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            LocalRepository repo = BackupCommands.repository(project);
            List<WalArchive.Entry> entries = new WalArchive(repo).list();
            Optional<WalArchive.Entry> newest = entries.stream().filter(WalArchive.Entry::isSegment)
                    .max(java.util.Comparator.comparing(WalArchive.Entry::name));
            long stored = entries.stream().mapToLong(WalArchive.Entry::storedBytes).sum();
            WalSetup.Status s;
            try (Connection c = cli.target().connect(cli::status)) {
                s = WalSetup.status(c);
            }
            boolean failing = s.failing();
            boolean off = !s.archiving();
            List<String> problems = verify ? new WalArchive(repo).verify() : List.of();
            boolean intoRepo = s.archiveCommand().contains(repo.root().toString());
            if (cli.json()) {
                cli.printJson(Cli.ordered("archiveMode", s.archiveMode(), "archivesIntoRepository", intoRepo,
                        "lastArchivedWal", s.lastArchivedWal(), "lastArchivedTime", str(s.lastArchivedTime()),
                        "currentWal", s.currentWal(), "lagSegments", s.lagSegments(), "failedCount", s.failedCount(),
                        "lastFailedWal", s.lastFailedWal(), "lastFailedTime", str(s.lastFailedTime()), "failing", failing,
                        "repository", Cli.ordered("files", entries.size(), "newestSegment", newest.map(WalArchive.Entry::name).orElse(null),
                                "newestArchivedAt", newest.map(e -> e.archivedAt().toString()).orElse(null), "storedBytes", stored,
                                "verified", verify, "problems", problems)));
            } else {
                cli.out().printf("archive_mode %s; archive_command %s%n", s.archiveMode(),
                        intoRepo ? "archives into " + repo.root() : s.archiveCommand().isBlank() ? "not set"
                                : "does not archive into this project's repository (run keel wal setup)");
                cli.out().printf("last archived  %s at %s; current segment %s; lag %s%n",
                        orNone(s.lastArchivedWal()), orNone(str(s.lastArchivedTime())), orNone(s.currentWal()),
                        s.lagSegments() < 0 ? "unknown" : s.lagSegments() + " segment(s)");
                cli.out().printf("failures       %d%s%n", s.failedCount(), s.failedCount() == 0 ? ""
                        : " (last: " + s.lastFailedWal() + " at " + s.lastFailedTime() + (failing ? ", still failing" : ", since recovered") + ")");
                cli.out().printf("repository     %d files, %s stored, newest segment %s%s%n", entries.size(),
                        Progress.Unit.BYTES.format(stored), newest.map(WalArchive.Entry::name).orElse("none"),
                        newest.map(e -> " archived " + e.archivedAt()).orElse(""));
                if (verify) {
                    if (problems.isEmpty()) {
                        cli.out().println("verified       every archived file matches its SHA-256");
                    }
                    problems.forEach(p -> cli.out().println("problem        " + p));
                }
            }
            return failing || off || !problems.isEmpty() ? 1 : 0;
        }
    }

    @Command(name = "setup", mixinStandardHelpOptions = true,
            description = {"Show the settings the target needs to archive its WAL into the project's repository; with",
                "--apply, set them (ALTER SYSTEM, reload), say whether a restart is needed and, once they are live,",
                "prove archiving works with a test segment. The server must run on this machine (archive_command",
                "runs there, as the server's OS user, with Keel's Java and jar)."})
    static final class Setup implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--apply", description = "apply the settings (needs superuser or GRANT ALTER SYSTEM)")
        boolean apply;

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            LocalRepository repo = BackupCommands.repository(project);
            BackupKeys.currentPublicKey(repo); // archiving needs the repository's public key
            String command = WalCommandLine.archiveCommand(repo.root(), BackupCommands.compression(project));
            try (Connection c = cli.target().connect(cli::status)) {
                WalSetup.Configured r = WalSetup.configure(c, command, repo.root(), apply);
                if (cli.json()) {
                    List<Map<String, Object>> rows = new ArrayList<>();
                    for (WalSetup.Setting s : r.settings()) {
                        rows.add(Cli.ordered("name", s.name(), "current", s.current(), "wanted", s.wanted(),
                                "ok", s.ok(), "restartNeeded", s.restartNeeded() && !s.ok()));
                    }
                    cli.printJson(Cli.ordered("settings", rows, "applied", apply, "changed", r.applied() == null ? List.of() : r.applied().changed(),
                            "restartNeeded", r.applied() == null ? List.of() : r.applied().pendingRestart(),
                            "repositoryProblem", r.accessProblem(), "provedWith", r.proved()));
                } else {
                    for (WalSetup.Setting s : r.settings()) {
                        cli.out().printf("%-16s %s%n", s.name(), s.ok() ? "ok (" + s.current() + ")"
                                : "needs " + s.wanted() + (s.restartNeeded() ? " (restart)" : "") + ", now " + (s.current().isEmpty() ? "''" : s.current()));
                    }
                    if (r.accessProblem() != null) {
                        cli.out().println("problem: " + r.accessProblem());
                    }
                    if (!apply) {
                        cli.out().println(r.wasConfigured() ? "Archiving is configured."
                                : "Run keel wal setup --apply to set these (or set them in postgresql.conf).");
                    } else if (!r.applied().pendingRestart().isEmpty()) {
                        cli.out().println("Applied. Restart the server for " + String.join(", ", r.applied().pendingRestart())
                                + ", then run keel wal setup --apply again to prove archiving.");
                    } else {
                        cli.out().println("Archiving works: segment " + r.proved() + " was archived into " + repo.root() + ".");
                    }
                }
                return r.accessProblem() != null || (apply && r.proved() == null) || (!apply && !r.wasConfigured()) ? 1 : 0;
            }
        }
    }

    /**
     * On the embedded default, {@code keel backup} needs no setup: the embedded server archives from its start
     * (archive_mode on), and this points its archive_command at the project's repository the first time,
     * proving it with a test segment. Other targets are only checked; a warning says PITR needs keel wal setup.
     */
    static void ensureArchiving(Cli cli, Project project, Target target, LocalRepository repo) throws SQLException {
        try (Connection c = target.connect(cli::status)) {
            ensureArchiving(cli, project, target, repo, c);
        }
    }

    /**
     * As above on an open connection to the target. Returns true when it restarted the embedded server, which
     * broke {@code c}: the caller reconnects.
     */
    static boolean ensureArchiving(Cli cli, Project project, Target target, LocalRepository repo, Connection c)
            throws SQLException {
        String command = WalCommandLine.archiveCommand(repo.root(), BackupCommands.compression(project));
        if (WalSetup.configure(c, command, repo.root(), false).wasConfigured()) {
            return false;
        }
        if (!target.isEmbedded()) {
            cli.err().println("keel: note: the target does not archive WAL into " + repo.root()
                    + ", so this backup alone allows no point-in-time recovery — run keel wal setup");
            return false;
        }
        WalSetup.Configured done = WalSetup.configure(c, command, repo.root(), true);
        if (done.accessProblem() != null) {
            throw new KeelException("the embedded server cannot archive WAL: " + done.accessProblem(),
                    "fix the repository's owner, then run the command again", KeelException.RUNTIME, null);
        }
        boolean restarted = done.proved() == null; // archive_mode waits for a restart
        String segment = done.proved();
        if (restarted) {
            EmbeddedPostgres server = target.embeddedServer().orElseThrow();
            cli.status("restarting the embedded server to turn on WAL archiving");
            server.stop();
            server.start();
            try (Connection fresh = target.connect(cli::status)) {
                segment = WalSetup.prove(fresh, WalSetup.PROOF_TIMEOUT);
            }
        }
        cli.status("WAL archiving into " + repo.root() + " is on (proved with segment " + segment + ")");
        return restarted;
    }

    @Command(name = "point", mixinStandardHelpOptions = true,
            description = {"Create a named restore point on the target (pg_create_restore_point) and switch WAL so it is",
                "archived now; keel restore --name NAME recovers to it."})
    static final class Point implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "the restore point's name")
        String name;

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            if (name.isBlank() || name.length() > 63) {
                throw new KeelException("bad restore point name '" + name + "'", "use 1 to 63 characters", KeelException.USAGE, null);
            }
            WalSetup.RestorePoint p;
            try (Connection c = cli.target().connect(cli::status)) {
                p = WalSetup.restorePoint(c, name, Duration.ofSeconds(60));
            }
            if (cli.json()) {
                cli.printJson(Cli.ordered("name", p.name(), "lsn", p.lsn(), "segment", p.segment(), "archived", p.archived()));
            } else {
                cli.out().println("Restore point " + p.name() + " at LSN " + p.lsn() + (p.archived()
                        ? " (archived in " + p.segment() + ")"
                        : " — segment " + p.segment() + " is not archived yet; keel wal status shows the archiver"));
            }
            return 0;
        }
    }

    private static String str(Instant i) {
        return i == null ? null : i.toString();
    }

    private static String orNone(String s) {
        return s == null ? "none" : s;
    }
}
