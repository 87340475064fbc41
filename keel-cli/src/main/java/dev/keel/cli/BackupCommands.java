package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.progress.Progress;
import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import dev.keel.embedded.BinaryLocator;
import dev.keel.ops.backup.BackupCatalog;
import dev.keel.ops.backup.BackupKeys;
import dev.keel.ops.backup.BackupReader;
import dev.keel.ops.backup.BackupWriter;
import dev.keel.ops.backup.BaseBackups;
import dev.keel.ops.backup.BackupVerifier;
import dev.keel.ops.backup.RestoredServer;
import dev.keel.ops.backup.Compression;
import dev.keel.ops.backup.LocalRepository;
import dev.keel.ops.backup.Recovery;
import dev.keel.ops.backup.WalArchive;
import dev.keel.ops.backup.WalCommandLine;
import java.time.Duration;
import java.util.Optional;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keel backup ...} and {@code keel restore}: thin adapters over the backup library. */
final class BackupCommands {

    private BackupCommands() {
    }

    /** Progress that prints nothing until work really starts, so an early refusal stays one line. */
    static final class LazyProgress implements Progress {
        private final Cli cli;
        private final String task;
        private final long total;
        private Progress real;

        LazyProgress(Cli cli, String task) {
            this(cli, task, -1);
        }

        /** With {@code total} bytes expected (an estimate is fine), so the bar shows a percentage and an ETA. */
        LazyProgress(Cli cli, String task, long total) {
            this.cli = cli;
            this.task = task;
            this.total = total;
        }

        private Progress real() {
            if (real == null) {
                real = Progress.start(task, total, Progress.Unit.BYTES, cli.progress());
            }
            return real;
        }

        @Override
        public void advance(long n) {
            real().advance(n);
        }

        /**
         * Marks the work done: a total given beforehand is the backup's size or an estimate, and the last bytes
         * (the file list, the tar's padding) are not counted as they pass, so without this a finished restore
         * would end "stopped at 98%".
         */
        void finish() {
            if (real != null && total > 0) {
                real.set(total);
            }
        }

        @Override
        public void set(long done) {
            real().set(done);
        }

        @Override
        public void message(String status) {
            real().message(status);
        }

        @Override
        public void close() {
            if (real != null) {
                real.close();
            }
        }
    }

    static LocalRepository repository(Project project) {
        return new LocalRepository(project.backupRepository());
    }

    /** The project's {@code backup.compression}; loading keel.yaml refused any value it does not name. */
    static Compression compression(Project project) {
        return Compression.fromId(project.config().backup().compression());
    }

    /** How a full backup reads the server: {@code --engine} when given, else {@code backup.engine}. */
    static final String ENGINE_HELP = "auto (Keel reads the data directory itself where it can, else pg_basebackup), "
            + "pg_basebackup or direct. Default: backup.engine, else auto";

    static BaseBackups.Engine engine(Project project, String option) {
        return BaseBackups.Engine.of(option != null ? option : project.config().backup().engine());
    }

    /** A physical backup's throttle in kB/s: {@code --max-rate} when given, else {@code backup.max-rate}; 0 for none. */
    static long maxRateKb(Project project, String option) {
        return option != null ? rateOption(option) : project.config().backup().maxRateKb().orElse(0L);
    }

    /** A {@code --max-rate} value in kB/s; one that is not a rate, or out of range, is a usage error. */
    static long rateOption(String option) {
        try {
            return dev.keel.core.project.ProjectConfig.BackupConfig.parseRate(option);
        } catch (IllegalArgumentException e) {
            throw new KeelException("--max-rate: " + e.getMessage(), "for example --max-rate 50M", KeelException.USAGE,
                    null);
        }
    }

    /** The option both physical backup commands take, with the text they show for it. */
    static final String MAX_RATE_HELP = "the most the server sends per second, in kB/s or with a k or M suffix (50M; "
            + "compressed bytes where the backup is compressed as it is read). Where Keel reads the data directory "
            + "itself: a full backup's compressed bytes stored, an incremental's bytes read. Default: backup.max-rate, "
            + "else unlimited";

    /** The bytes a restore of {@code id} writes: what the backup's source had (all of its chain). */
    static long restoreBytes(LocalRepository repo, String id) {
        Map<String, String> m = BackupReader.metadataOf(repo, id);
        String v = m.getOrDefault("sourceBytes", m.get("rawBytes"));
        try {
            return v == null ? -1 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Where keygen writes the private key by default, and where restore and verify look for it. */
    static Path defaultKeyFile(Project project) {
        return project.keelDir().resolve("backup-private.key");
    }

    /** Where this machine keeps the plain file lists of the backups it took (for incrementals without a key). */
    static Path stateDir(Project project) {
        return project.keelDir().resolve("backup-state");
    }

    /** The private key when one is given or present (--key-file, KEEL_BACKUP_KEY, the default file), else null. */
    static PrivateKey optionalPrivateKey(Project project, Path keyFile) {
        String env = System.getenv("KEEL_BACKUP_KEY");
        boolean present = keyFile != null || (env != null && !env.isBlank())
                || java.nio.file.Files.exists(defaultKeyFile(project));
        return present ? privateKey(project, keyFile) : null;
    }

    static PrivateKey privateKey(Project project, Path keyFile) {
        String env = System.getenv("KEEL_BACKUP_KEY");
        if (keyFile == null && env != null && !env.isBlank()) {
            return BackupKeys.privateKeyFromPem(env);
        }
        Path file = keyFile != null ? keyFile : defaultKeyFile(project);
        if (!java.nio.file.Files.exists(file)) {
            throw new KeelException("no private key at " + file, "pass --key-file FILE or set KEEL_BACKUP_KEY",
                    KeelException.USAGE, null);
        }
        return BackupKeys.loadPrivateKey(file);
    }

    @Command(name = "backup", mixinStandardHelpOptions = true, header = "Take, list and check encrypted physical backups.",
            description = "Take, list and check encrypted physical backups (see the README's Backups section).",
            subcommands = {Keygen.class, Full.class, BackupIncrCommands.Incr.class, ListBackups.class, Verify.class,
                WalCommands.Point.class, BackupRetentionCommands.Expire.class, BackupIncrCommands.Rekey.class})
    static final class Backup implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return KeelException.USAGE;
        }
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = {"Create a backup key pair: the private key to FILE (mode 0600), the public key into the",
                "repository. New backups are sealed to the newest public key; taking them needs no secret."})
    static final class Keygen implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--private-key", paramLabel = "FILE", description = "default: .keel/backup-private.key")
        Path file;

        @Override
        public Integer call() throws Exception {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            Path target = file != null ? file : defaultKeyFile(project);
            java.nio.file.Files.createDirectories(target.toAbsolutePath().getParent());
            String keyId = BackupKeys.keygen(repository(project), target);
            if (cli.json()) {
                cli.printJson(Cli.ordered("keyId", keyId, "privateKey", target.toString()));
            } else {
                cli.out().println("Key " + keyId + ": private key in " + target + " (mode 0600; keep it safe, away from the backups).");
            }
            return 0;
        }
    }

    /**
     * What a physical backup of the target needs, gathered before anything is written: WAL archiving checked (and
     * on the embedded default turned on), the connection, the server's version, the cluster's size for the
     * progress bar, and pg_basebackup. The connection stays open for the backup, which takes it over
     * ({@link BaseBackups}): each connection costs an authentication. Closing the source closes it.
     */
    record Source(ConnectionSpec spec, Connection connection, String version, long estimate, Path tool)
            implements AutoCloseable {
        static Source prepare(Cli cli, Project project, LocalRepository repo) throws SQLException {
            Path tool = BinaryLocator.clientProgram("pg_basebackup", null).orElseThrow(() -> new KeelException(
                    "pg_basebackup is not installed", "install it (Debian: apt-get install postgresql-client-15)",
                    KeelException.RUNTIME, null));
            Target target = cli.target();
            Connection c = target.connect(cli::status);
            try {
                if (WalCommands.ensureArchiving(cli, project, target, repo, c)) {
                    c.close();
                    c = target.connect(cli::status); // restarted
                }
                return new Source(target.spec(cli::status), c, c.getMetaData().getDatabaseProductVersion(),
                        BaseBackups.clusterBytes(c), tool);
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    @Command(name = "full", mixinStandardHelpOptions = true,
            description = "Take a full physical backup of the target (read from its data directory where Keel can, else "
                    + "streamed by pg_basebackup; compressed and encrypted as it goes).")
    static final class Full implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--max-rate", paramLabel = "RATE", description = MAX_RATE_HELP)
        String maxRate;

        @Option(names = "--engine", paramLabel = "ENGINE", description = ENGINE_HELP)
        String engine;

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            long rateKb = maxRateKb(project, maxRate); // a bad --max-rate: refused before anything starts
            BaseBackups.Engine how = engine(project, engine);
            LocalRepository repo = repository(project);
            BackupKeys.currentPublicKey(repo); // no key yet: refuse before anything starts
            BackupWriter.warmUp();
            BaseBackups.Result r;
            try (Source source = Source.prepare(cli, project, repo);
                 LazyProgress progress = new LazyProgress(cli, "backup", source.estimate())) {
                r = BaseBackups.full(source.spec(), source.connection(), source.tool(), repo, compression(project),
                        source.version(), progress, stateDir(project), rateKb, how);
                progress.finish();
            }
            if (cli.json()) {
                cli.printJson(Cli.ordered("id", r.id(), "startLsn", r.startLsn(), "stopLsn", r.stopLsn(),
                        "timeline", r.timeline(), "sizeBytes", r.rawBytes(), "millis", r.millis(), "engine", r.engine().id()));
            } else {
                cli.out().printf("Backup %s complete: %s, LSN %s to %s, %d ms (%s).%n", r.id(),
                        Progress.Unit.BYTES.format(r.rawBytes()), r.startLsn(), r.stopLsn(), r.millis(), r.engine().how());
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the repository's backups.")
    static final class ListBackups implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            LocalRepository repo = repository(cli.project());
            List<Map<String, Object>> rows = BackupCatalog.describe(repo);
            if (cli.json()) {
                cli.printJson(Cli.ordered("backups", rows));
            } else if (rows.isEmpty()) {
                cli.out().println("No backups in " + repo.root() + ".");
            } else {
                cli.out().printf("%-24s %-6s %-10s %-21s %-12s %-12s %10s %10s  %s%n", "ID", "TYPE", "STATUS", "STOP TIME",
                        "START LSN", "STOP LSN", "SIZE", "STORED", "PARENT");
                for (Map<String, Object> r : rows) {
                    cli.out().printf("%-24s %-6s %-10s %-21s %-12s %-12s %10s %10s  %s%n", r.get("id"), r.get("type"), r.get("status"),
                            r.get("stopTime") == null ? "" : r.get("stopTime").toString().substring(0, 19),
                            orBlank(r.get("startLsn")), orBlank(r.get("stopLsn")),
                            r.get("sizeBytes") == null ? "" : Progress.Unit.BYTES.format((Long) r.get("sizeBytes")),
                            r.get("storedBytes") == null ? "" : Progress.Unit.BYTES.format((Long) r.get("storedBytes")),
                            orBlank(r.get("parent")));
                }
            }
            return 0;
        }

        private static String orBlank(Object o) {
            return o == null ? "" : o.toString();
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, header = "Prove a backup by restoring it.",
            description = {"Restore a backup into a scratch directory, check its files against its backup_manifest",
                "(pg_verifybackup; for a tar the server compressed Keel writes the manifest) or, for such a backup",
                "from before 2026-11-26, against Keel's file list (every block's hash), start it on 127.0.0.1,",
                "run amcheck on every B-tree index of every database,",
                "and report the measured restore time (RTO) and the RPO (the newest archived WAL's age, else the backup's).",
                "--chunks-only: check the stored chunks' SHA-256 without the key. Exit 1 when a check fails.",
                "Each run is appended to .keel/backup-verify.jsonl; --history prints the recorded runs.",
                "--schedule 24h: verify the latest backup now, then every 24h until interrupted;",
                "--runs N stops after N runs (exit 1 if any failed); --json prints a line per run."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "ID", description = "the backup to verify (as --backup ID)")
        String positionalId;

        @Option(names = "--backup", paramLabel = "ID", description = "default: the latest complete backup")
        String id;

        @Option(names = "--latest", description = "the latest complete backup (the default)")
        boolean latestFlag;

        @Option(names = "--chunks-only", description = "only check the stored chunks (no key, no restore)")
        boolean chunksOnly;

        @Option(names = "--key-file", paramLabel = "FILE", description = "private key (default: KEEL_BACKUP_KEY, else .keel/backup-private.key)")
        Path keyFile;

        @Option(names = "--schedule", paramLabel = "DURATION",
                description = "verify now, then every DURATION (24h, 90m, 7d) until interrupted")
        String schedule;

        @Option(names = "--runs", paramLabel = "N", description = "with --schedule: stop after N runs")
        Integer runs;

        @Option(names = "--history", description = "print the recorded runs (newest last) instead of verifying")
        boolean history;

        @Override
        public Integer call() throws Exception {
            Cli cli = new Cli(spec);
            BackupReader.warmUp();
            Project project = cli.project();
            Path historyFile = project.keelDir().resolve(dev.keel.ops.backup.VerifyHistory.FILE_NAME);
            if (positionalId != null) {
                if (id != null && !id.equals(positionalId)) {
                    throw new KeelException("two backups given: " + positionalId + " and --backup " + id,
                            "name one backup", KeelException.USAGE, null);
                }
                id = positionalId;
            }
            if (latestFlag && id != null) {
                throw new KeelException("--latest and backup " + id + " both given", "name a backup or give --latest",
                        KeelException.USAGE, null);
            }
            if (history) {
                if (schedule != null || runs != null || chunksOnly || id != null) {
                    throw new KeelException("--history only prints the recorded runs",
                            "leave out --schedule, --runs, --chunks-only and --backup", KeelException.USAGE, null);
                }
                return BackupRetentionCommands.printVerifyHistory(cli, historyFile);
            }
            if (runs != null && schedule == null) {
                throw new KeelException("--runs needs --schedule", "e.g. keel backup verify --schedule 24h --runs 7",
                        KeelException.USAGE, null);
            }
            LocalRepository repo = repository(project);
            if (schedule == null) {
                return once(cli, project, repo, null, historyFile, false) ? 0 : 1;
            }
            BackupRetentionCommands.Schedule every = BackupRetentionCommands.Schedule.parse(schedule, runs);
            PrivateKey key = chunksOnly ? null : privateKey(project, keyFile); // a missing key fails now, not in a day
            return every.run(cli, () -> once(cli, project, repo, key, historyFile, true));
        }

        /** One verification of the chosen (else the latest) backup, with {@code key} or the usual one; true when it passed. */
        private boolean once(Cli cli, Project project, LocalRepository repo, PrivateKey key, Path historyFile,
                             boolean jsonLine) throws Exception {
            String backup = id != null ? id : latest(repo);
            if (chunksOnly) {
                List<String> problems = new ArrayList<>();
                for (String member : BaseBackups.chain(repo, backup)) { // an incremental needs its whole chain
                    BackupReader.verify(repo, member).forEach(p -> problems.add(member.equals(backup) ? p : member + ": " + p));
                }
                if (cli.json()) {
                    BackupRetentionCommands.printDoc(cli, Cli.ordered("backup", backup, "ok", problems.isEmpty(),
                            "problems", problems), jsonLine);
                } else if (problems.isEmpty()) {
                    cli.out().println("Backup " + backup + ": every chunk present and intact.");
                } else {
                    problems.forEach(p -> cli.out().println(p));
                }
                cli.out().flush();
                return problems.isEmpty();
            }
            PrivateKey privateKey = key != null ? key : privateKey(project, keyFile);
            dev.keel.embedded.Binaries binaries = project.embeddedServer().binaries();
            Path scratch = project.keelDir().resolve("verify-scratch");
            BackupVerifier.Result r;
            var guard = BackupRetentionCommands.ScratchGuard.install(binaries, scratch);
            try (LazyProgress progress = new LazyProgress(cli, "verify", restoreBytes(repo, backup))) {
                r = BackupVerifier.verify(repo, backup, privateKey, binaries, scratch, progress);
                if (r.ok()) {
                    progress.finish();
                }
            } finally {
                guard.remove();
            }
            var run = dev.keel.ops.backup.VerifyHistory.Run.of(r);
            dev.keel.ops.backup.VerifyHistory.append(historyFile, run);
            if (cli.json()) {
                BackupRetentionCommands.printDoc(cli, run.toMap(), jsonLine);
            } else {
                cli.out().printf("Backup %s: %s%n", r.backupId(), r.ok() ? "PASS" : "FAIL");
                cli.out().printf("  restored and started in %.1f s (RTO), %d databases, %d B-tree indexes checked with amcheck%n",
                        r.rtoMillis() / 1000.0, r.databases(), r.indexesChecked());
                cli.out().printf("  %d tables' row counts compared with their statistics%n", r.tablesCompared());
                cli.out().printf("  RPO: %d s (%s)%n", r.rpo().toSeconds(), r.rpo().equals(r.backupAge())
                        ? "the backup's age: no WAL archived since it" : "the age of the newest archived WAL");
                r.problems().forEach(p -> cli.out().println("  problem: " + p));
                cli.out().flush();
            }
            return r.ok();
        }
    }

    /** The newest complete physical (full or incremental) backup. */
    static String latest(LocalRepository repo) {
        return BackupCatalog.latestPhysical(repo)
                .orElseThrow(() -> new KeelException("no complete backup in " + repo.root(), "run keel backup full",
                        KeelException.USAGE, null));
    }

    static String describe(Recovery.Target target) {
        if (target instanceof Recovery.Target.Time t) {
            return "time " + t.time();
        } else if (target instanceof Recovery.Target.Lsn l) {
            return "LSN " + WalArchive.formatLsn(l.lsn());
        } else if (target instanceof Recovery.Target.Name n) {
            return "restore point " + n.name();
        }
        return "the end of the archive";
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a server started with keel restore --start.")
    static final class RestoreStop implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Parameters(paramLabel = "DIR", description = "the restored data directory")
        Path dir;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            RestoredServer.stop(cli.project().embeddedServer().binaries(), dir.toAbsolutePath());
            cli.out().println("Stopped the server in " + dir.toAbsolutePath() + ".");
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true, header = "Restore a backup into a data directory.",
            subcommands = {RestoreStop.class},
            description = {"Rebuild a data directory from a backup (decrypted with --key-file or KEEL_BACKUP_KEY) and",
                "configure recovery so PostgreSQL replays the WAL archive to --time, --lsn or --name and stops there",
                "(default: to the end of the archive). The backup is chosen to reach the target; targets the repository",
                "cannot reach are refused, naming the reachable range. The directory must be empty unless --force",
                "(replace it) or --delta (bring it to the backup in place, writing only the blocks that differ).",
                "--start starts it on 127.0.0.1, waits for recovery and prints its URL; keel restore stop DIR stops it."})
    static final class Restore implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--to", paramLabel = "DIR", description = "the data directory to create (required)")
        Path to;

        @Option(names = "--backup", paramLabel = "ID", description = "default: the latest complete backup (--latest)")
        String id;

        @Option(names = "--time", paramLabel = "T", description = "recover to this time (ISO-8601 or a PostgreSQL timestamptz)")
        String time;

        @Option(names = "--lsn", paramLabel = "L", description = "recover to this LSN (like 0/3000148)")
        String lsn;

        @Option(names = "--name", paramLabel = "N", description = "recover to this restore point (keel backup point)")
        String name;

        @Option(names = "--latest", description = "replay every archived WAL file (the default when the archive has any)")
        boolean latestFlag;

        @Option(names = "--key-file", paramLabel = "FILE", description = "private key (default: KEEL_BACKUP_KEY, else .keel/backup-private.key)")
        Path keyFile;

        @Option(names = "--force", description = "replace the contents of a non-empty directory")
        boolean force;

        @Option(names = "--delta", description = "bring a non-empty directory (an older copy of the cluster) to the "
                + "backup in place: remove what the backup does not hold, write only the blocks that differ")
        boolean delta;

        @Option(names = "--start", description = "start the restored server on 127.0.0.1 and print its URL")
        boolean start;

        @Option(names = "--port", paramLabel = "P", description = "with --start: this port (default: a free one)")
        int port;

        @Option(names = "--max-rate", paramLabel = "RATE",
                description = "write at most this much per second, in kB/s or with a k or M suffix (50M); default unlimited")
        String maxRate;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            if (to == null) {
                throw new KeelException("keel restore needs --to DIR", "name an empty directory for the data",
                        KeelException.USAGE, null);
            }
            BackupReader.warmUp(); // the crypto library loads while the project and repository are read
            if (force && delta) {
                throw new KeelException("--force and --delta exclude each other",
                        "--force replaces what DIR holds, --delta keeps what matches: give one", KeelException.USAGE, null);
            }
            if ((time != null ? 1 : 0) + (lsn != null ? 1 : 0) + (name != null ? 1 : 0) + (latestFlag ? 1 : 0) > 1) {
                throw new KeelException("--time, --lsn, --name and --latest exclude each other", "give one recovery target",
                        KeelException.USAGE, null);
            }
            Project project = cli.project();
            long maxBytes = maxRate == null ? 0 : rateOption(maxRate) * 1024; // refused before anything starts
            LocalRepository repo = repository(project);
            Path dataDir = to.toAbsolutePath().normalize();
            boolean archived = !new WalArchive(repo).isEmpty();
            Recovery.Target target = time != null ? new Recovery.Target.Time(Recovery.parseTime(time))
                    : lsn != null ? new Recovery.Target.Lsn(WalArchive.parseLsn(lsn))
                    : name != null ? new Recovery.Target.Name(name)
                    : latestFlag || archived ? new Recovery.Target.Latest() : null;
            if (target != null && !archived) {
                throw new KeelException("the repository has no archived WAL, so only a backup's own consistent state can be restored",
                        "drop --time/--lsn/--name/--latest, or set up archiving (keel wal setup)", KeelException.USAGE, null);
            }
            Recovery.Plan plan = target == null ? null : Recovery.plan(repo, target, id);
            String backup = plan != null ? plan.backupId() : id != null ? id : latest(repo);
            PrivateKey key = privateKey(project, keyFile);
            BaseBackups.Restored restored;
            try (LazyProgress progress = new LazyProgress(cli, "restore", restoreBytes(repo, backup))) {
                restored = BaseBackups.restore(repo, backup, key, dataDir, force, progress, maxBytes, delta);
                progress.finish();
            }
            Optional<Path> keyPath = keyFile != null ? Optional.of(keyFile)
                    : System.getenv("KEEL_BACKUP_KEY") != null ? Optional.empty()
                    : Optional.of(defaultKeyFile(project));
            Recovery.configure(dataDir, target, target == null ? null : WalCommandLine.restoreCommand(repo.root(), keyPath));
            String url = null;
            String recoveredTo = target == null ? BackupReader.metadataOf(repo, backup).get("stopLsn") : null;
            String lastTransaction = null;
            String stopped = null;
            if (start) {
                int p = RestoredServer.start(project.embeddedServer().binaries(), dataDir, port);
                url = "postgresql://127.0.0.1:" + p + "/postgres";
                if (target != null) {
                    Recovery.Outcome o = Recovery.awaitEnd(dataDir.resolveSibling(dataDir.getFileName() + ".log"), Duration.ofHours(2));
                    recoveredTo = o.redoDoneAt();
                    lastTransaction = o.lastTransactionTime();
                    stopped = o.stoppedAt();
                }
            }
            if (cli.json()) {
                cli.printJson(Cli.ordered("backup", backup, "dataDir", dataDir.toString(), "url", url,
                        "target", target == null ? null : describe(target), "recoveredTo", recoveredTo,
                        "lastTransactionTime", lastTransaction, "stopped", stopped, "keptBytes", restored.keptBytes(),
                        "writtenBytes", restored.writtenBytes()));
            } else {
                if (delta) {
                    // of the files' bytes: the backup's size also counts its tar headers and padding
                    cli.out().println("Delta: " + Progress.Unit.BYTES.format(restored.keptBytes()) + " of "
                            + Progress.Unit.BYTES.format(restored.keptBytes() + restored.writtenBytes())
                            + " were already in place.");
                }
                cli.out().println("Restored " + backup + " into " + dataDir + (target == null ? " (consistent at LSN " + recoveredTo + ")."
                        : start ? "; replayed the archive to " + describe(target) + ": LSN " + recoveredTo
                                + (lastTransaction == null ? "" : ", last transaction at " + lastTransaction) + "."
                        : "; PostgreSQL replays the archive to " + describe(target) + " when it starts."));
                if (url != null) {
                    cli.out().println("Running at " + url + " (the source's roles and passwords); stop it with: keel restore stop "
                            + dataDir);
                }
            }
            return 0;
        }
    }
}
