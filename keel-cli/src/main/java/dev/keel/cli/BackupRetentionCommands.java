package dev.keel.cli;

import dev.keel.core.ConfigException;
import dev.keel.core.KeelException;
import dev.keel.core.progress.Progress;
import dev.keel.core.project.Project;
import dev.keel.core.project.ProjectConfig;
import dev.keel.embedded.Binaries;
import dev.keel.ops.backup.LocalRepository;
import dev.keel.ops.backup.RestoredServer;
import dev.keel.ops.backup.Retention;
import dev.keel.ops.backup.VerifyHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keel backup expire} (retention), and what {@code keel backup verify} needs to run on a schedule and
 * show its history: thin adapters over {@link Retention} and {@link VerifyHistory}.
 */
final class BackupRetentionCommands {

    private BackupRetentionCommands() {
    }

    /** keel.yaml's backup.retention as a policy; the loader checked the values already. */
    static Retention.Policy policy(Project project) {
        ProjectConfig.RetentionConfig r = project.config().backup().retention();
        Retention.Policy policy = Retention.Policy.none();
        try {
            if (r.full() != null) {
                policy = policy.withKeepFull(r.full());
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(project.where("backup.retention.full") + ": " + e.getMessage(), null);
        }
        try {
            if (r.windowDuration().isPresent()) {
                policy = policy.withWindow(r.windowDuration().get());
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(project.where("backup.retention.window") + ": " + e.getMessage(), null);
        }
        return policy;
    }

    @Command(name = "expire", mixinStandardHelpOptions = true,
            header = "Delete the backups and WAL that backup.retention no longer keeps.",
            description = {"Keeps what keel.yaml's backup.retention says: the newest `full` full backups",
                "(with the incrementals on them), and every backup needed to recover to any time",
                "in the last `window` (with its parents). Deletes the other physical backups and",
                "the archived WAL before the oldest kept backup. Dumps, incomplete backups and",
                "timeline history files are never deleted; without backup.retention nothing is.",
                "Prints every backup and WAL range with the reason, and the bytes freed."})
    static final class Expire implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dry-run", description = "only show what would be deleted")
        boolean dryRun;

        @Override
        public Integer call() {
            Cli cli = new Cli(spec);
            Project project = cli.project();
            Retention.Policy policy = policy(project);
            LocalRepository repo = BackupCommands.repository(project);
            Retention.Plan plan = Retention.plan(repo, policy, Instant.now());
            if (!dryRun) {
                Retention.apply(repo, plan);
            }
            if (cli.json()) {
                List<Map<String, Object>> kept = new ArrayList<>();
                List<Map<String, Object>> deleted = new ArrayList<>();
                for (Retention.Decision d : plan.backups()) {
                    if (d.keep()) {
                        kept.add(Cli.ordered("id", d.id(), "reason", d.reason()));
                    } else {
                        deleted.add(Cli.ordered("id", d.id(), "reason", d.reason(), "storedBytes", d.storedBytes()));
                    }
                }
                cli.printJson(Cli.ordered("dryRun", dryRun, "kept", kept, "deleted", deleted,
                        "walDeleted", plan.walDeleted(), "walKept", plan.walKept(), "freedBytes", plan.freedBytes()));
                return 0;
            }
            printText(cli, repo, plan);
            return 0;
        }

        private void printText(Cli cli, LocalRepository repo, Retention.Plan plan) {
            var out = cli.out();
            if (plan.policy().isNone()) {
                out.println("No retention policy (backup.retention.full, backup.retention.window in keel.yaml): "
                        + "every backup and all WAL are kept.");
            } else {
                out.println("Retention: keep " + plan.policy().describe() + ".");
            }
            if (plan.backups().isEmpty()) {
                out.println("No backups in " + repo.root() + ".");
            }
            String delete = dryRun ? "would delete" : "delete";
            int width = Math.max(delete.length(), 4);
            for (Retention.Decision d : plan.backups()) {
                String size = d.keep() || d.storedBytes() == 0 ? "" : " (" + Progress.Unit.BYTES.format(d.storedBytes()) + ")";
                out.printf("  %-" + width + "s  %-24s  %s%s%n", d.keep() ? "keep" : delete, d.id(), d.reason(), size);
            }
            for (Retention.WalRange r : plan.wal()) {
                String objects = r.objects() == 1 ? "1 file" : r.objects() + " files";
                String span = r.objects() == 1 ? r.first() : r.first() + " .. " + r.last();
                String size = r.keep() || r.bytes() == 0 ? "" : ", " + Progress.Unit.BYTES.format(r.bytes());
                out.printf("  %-" + width + "s  WAL %s (%s%s): %s%n", r.keep() ? "keep" : delete, span, objects, size,
                        r.reason());
            }
            int backups = plan.deleted().size();
            String what = backups + (backups == 1 ? " backup" : " backups") + " and " + plan.walDeleted()
                    + (plan.walDeleted() == 1 ? " WAL file" : " WAL files");
            String freed = Progress.Unit.BYTES.format(plan.freedBytes());
            if (dryRun) {
                out.println("Dry run: would delete " + what + ", freeing " + freed + "; nothing was deleted.");
            } else {
                out.println("Deleted " + what + ", freed " + freed + ".");
            }
        }
    }

    /** {@code verify --schedule DURATION [--runs N]}: when to run, and the loop. */
    record Schedule(String text, Duration every, Integer runs) {

        interface Run {
            boolean once() throws Exception;
        }

        static Schedule parse(String text, Integer runs) {
            Duration every;
            try {
                every = ProjectConfig.parseDuration(text);
            } catch (IllegalArgumentException e) {
                throw new KeelException("--schedule: " + e.getMessage(), null, KeelException.USAGE, null);
            }
            if (runs != null && runs < 1) {
                throw new KeelException("--runs must be 1 or more, was " + runs, null, KeelException.USAGE, null);
            }
            return new Schedule(text, every, runs);
        }

        /**
         * Runs now, then every {@code every} after each run's start (at once when a run took longer), until
         * {@code runs} runs or an interrupt. A failure of the first run (no backup, no key) ends the schedule; a
         * later one is reported and the schedule goes on. Exit 1 when any run failed.
         */
        int run(Cli cli, Run verification) throws Exception {
            boolean allOk = true;
            for (int n = 1; ; n++) {
                Instant started = Instant.now();
                boolean ok;
                try {
                    ok = verification.once();
                } catch (KeelException e) {
                    if (n == 1) {
                        throw e;
                    }
                    cli.status("keel: verification run " + n + " failed: " + e.getMessage());
                    ok = false;
                }
                allOk &= ok;
                if (runs != null && n >= runs) {
                    return allOk ? 0 : 1;
                }
                Instant next = started.plus(every);
                cli.status("Next verification at " + next.truncatedTo(ChronoUnit.SECONDS) + " (every " + text
                        + "); Ctrl-C stops.");
                long millis = Duration.between(Instant.now(), next).toMillis();
                if (millis > 0) {
                    Thread.sleep(millis);
                }
            }
        }
    }

    /** A verify document: Keel's JSON layout, or one line when runs follow one another ({@code --schedule}). */
    static void printDoc(Cli cli, Map<String, Object> doc, boolean oneLine) throws Exception {
        if (oneLine) {
            cli.out().println(Cli.JSON_LINE.writeValueAsString(doc));
            cli.out().flush();
        } else {
            cli.printJson(doc);
        }
    }

    /** {@code verify --history}: the recorded runs, newest last; lines that are not runs are named on stderr. */
    static int printVerifyHistory(Cli cli, Path file) {
        VerifyHistory.History h = VerifyHistory.read(file);
        h.problems().forEach(p -> cli.status("keel: warning: " + p + "; skipped"));
        if (cli.json()) {
            cli.printJson(Cli.ordered("runs", h.runs().stream().map(VerifyHistory.Run::toMap).toList()));
        } else if (h.runs().isEmpty()) {
            cli.out().println("No verification runs recorded in " + file + ".");
        } else {
            String row = "%-20s  %-24s  %-6s  %9s  %12s%n";
            cli.out().printf(row, "VERIFIED AT (UTC)", "BACKUP", "RESULT", "RTO", "RPO");
            for (VerifyHistory.Run run : h.runs()) {
                cli.out().printf(row, run.verifiedAt().truncatedTo(ChronoUnit.SECONDS).toString().replace('T', ' '),
                        run.backup(), run.ok() ? "PASS" : "FAIL",
                        String.format(Locale.ROOT, "%.1f s", run.rtoMillis() / 1000.0), age(run.rpoSeconds()));
            }
        }
        return 0;
    }

    /** "45 s", "12 min", "3 h 12 min", "2 d 4 h": an age at the precision that matters. */
    static String age(long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        long minutes = seconds / 60;
        if (minutes < 60) {
            return minutes + " min";
        }
        long hours = minutes / 60;
        if (hours < 24) {
            return hours + " h " + minutes % 60 + " min";
        }
        return hours / 24 + " d " + hours % 24 + " h";
    }

    /**
     * While a verification runs, a shutdown hook that stops the scratch server if Keel is stopped (Ctrl-C):
     * pg_ctl starts the server in a session of its own, so it would outlive Keel. The next run removes the
     * scratch directory. BackupVerifier keeps the data directory in {@code scratch/data}.
     */
    static final class ScratchGuard {
        private final Thread hook;

        private ScratchGuard(Thread hook) {
            this.hook = hook;
        }

        static ScratchGuard install(Binaries binaries, Path scratch) {
            Path dataDir = scratch.resolve("data");
            Thread hook = new Thread(() -> {
                if (Files.exists(dataDir.resolve("postmaster.pid"))) {
                    RestoredServer.stop(binaries, dataDir);
                }
            }, "keel-verify-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            return new ScratchGuard(hook);
        }

        void remove() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down, and the hook runs
            }
        }
    }
}
