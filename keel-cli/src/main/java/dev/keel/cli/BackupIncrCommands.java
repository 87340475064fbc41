package dev.keel.cli;

import dev.keel.core.progress.Progress;
import dev.keel.core.KeelException;
import dev.keel.core.project.Project;
import dev.keel.ops.backup.BackupKeys;
import dev.keel.ops.backup.BaseBackups;
import dev.keel.ops.backup.LocalRepository;
import dev.keel.ops.backup.Rekeying;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel backup incr} and {@code keel backup rekey}: thin adapters over the backup library. */
final class BackupIncrCommands {

    private BackupIncrCommands() {
    }

    @Command(name = "incr", mixinStandardHelpOptions = true, header = "Take an incremental physical backup.",
            description = {"Take a backup that stores only the 256 KiB blocks that changed since the",
                "latest full or incremental backup (every file read, from the data directory",
                "where Keel can, else through pg_basebackup, and compared block by block by",
                "XXH64; the WAL, backup_label and backup_manifest are always stored).",
                "It restores and verifies like a full backup, from its chain. Needs no key when",
                "this machine took the parent (its file list is kept in .keel/backup-state);",
                "otherwise the private key reads the parent's encrypted file list."})
    static final class Incr implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--parent", paramLabel = "ID", description = "default: the latest complete full or incremental backup")
        String parent;

        @Option(names = "--diff", description = "on the latest full backup (a differential backup: the chain to "
                + "restore stays two long)")
        boolean diff;

        @Option(names = "--key-file", paramLabel = "FILE", description = "private key (default: KEEL_BACKUP_KEY, else .keel/backup-private.key)")
        Path keyFile;

        @Option(names = "--max-rate", paramLabel = "RATE", description = BackupCommands.MAX_RATE_HELP)
        String maxRate;

        @Option(names = "--engine", paramLabel = "ENGINE", description = BackupCommands.ENGINE_HELP)
        String engine;

        @Override
        public Integer call() throws SQLException {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            long rateKb = BackupCommands.maxRateKb(project, maxRate); // a bad --max-rate: refused before anything starts
            BaseBackups.Engine how = BackupCommands.engine(project, engine);
            LocalRepository repo = BackupCommands.repository(project);
            BackupKeys.currentPublicKey(repo); // no key yet: refuse before anything starts
            dev.keel.ops.backup.BackupWriter.warmUp();
            if (diff && parent != null) {
                throw new KeelException("--diff and --parent both name the parent", "give one of them",
                        KeelException.USAGE, null);
            }
            if (diff) {
                parent = dev.keel.ops.backup.BackupCatalog.latestFull(repo).orElseThrow(() -> new KeelException(
                        "there is no complete full backup to take a differential backup on", "run keel backup full first",
                        KeelException.USAGE, null));
            }
            PrivateKey key = BackupCommands.optionalPrivateKey(project, keyFile); // only when the parent's list is not kept here
            if (parent == null && dev.keel.ops.backup.BackupCatalog.latestPhysical(repo).isEmpty()) {
                // refused before the server is started or its archiving touched
                throw new KeelException("there is no complete full backup to take an incremental backup on",
                        "run keel backup full first", KeelException.USAGE, null);
            }
            BaseBackups.IncrementalResult r;
            try (BackupCommands.Source source = BackupCommands.Source.prepare(cli, project, repo);
                 BackupCommands.LazyProgress progress = new BackupCommands.LazyProgress(cli, "backup", source.estimate())) {
                r = BaseBackups.incremental(source.spec(), source.connection(), source.tool(), repo, BackupCommands.compression(project),
                        source.version(), key, parent, progress, BackupCommands.stateDir(project), rateKb, how);
                progress.finish();
            }
            BaseBackups.Result b = r.backup();
            if (cli.json()) {
                cli.printJson(Cli.ordered("id", b.id(), "startLsn", b.startLsn(), "stopLsn", b.stopLsn(),
                        "timeline", b.timeline(), "sizeBytes", b.rawBytes(), "millis", b.millis(), "parent", r.parent(),
                        "changedFiles", r.changedFiles(), "skippedFiles", r.skippedFiles(), "storedBytes", r.storedBytes(),
                        "sourceBytes", r.sourceBytes(), "engine", b.engine().id()));
            } else {
                cli.out().printf("Backup %s complete (incremental on %s): %s stored of %s, %d files changed, %d unchanged, "
                                + "LSN %s to %s, %d ms (%s).%n", b.id(), r.parent(), Progress.Unit.BYTES.format(b.rawBytes()),
                        Progress.Unit.BYTES.format(r.sourceBytes()), r.changedFiles(), r.skippedFiles(), b.startLsn(),
                        b.stopLsn(), b.millis(), b.engine().how());
            }
            return 0;
        }
    }

    @Command(name = "rekey", mixinStandardHelpOptions = true, header = "Re-seal backups to the current key.",
            description = {"Re-seal backups' data keys to the repository's current public key (the",
                "newest keygen), so an old private key can be retired. Default: every",
                "complete backup not already sealed to it. Chunks are not rewritten.",
                "A wrong --old-key-file changes nothing; a rerun skips what is done."})
    static final class Rekey implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--old-key-file", paramLabel = "FILE", required = true,
                description = "the private key the backups are sealed to now")
        Path oldKeyFile;

        @Option(names = "--backup", paramLabel = "ID", description = "only this backup (repeatable)")
        List<String> ids = new ArrayList<>();

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            LocalRepository repo = BackupCommands.repository(project);
            PrivateKey oldKey = BackupKeys.loadPrivateKey(oldKeyFile);
            Rekeying.Result r = Rekeying.rekey(repo, ids, oldKey);
            if (cli.json()) {
                cli.printJson(Cli.ordered("keyId", r.keyId(), "rekeyed", r.rekeyed(), "skipped", r.skipped()));
            } else {
                r.rekeyed().forEach(id -> cli.out().println("Backup " + id + ": re-sealed to key " + r.keyId() + "."));
                r.skipped().forEach(id -> cli.out().println("Backup " + id + ": already sealed to key " + r.keyId() + "."));
                if (r.rekeyed().isEmpty() && r.skipped().isEmpty()) {
                    cli.out().println("No complete backups in " + repo.root() + ".");
                }
            }
            return 0;
        }
    }
}
