package dev.keel.ops.backup;

import dev.keel.core.KeelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Point-in-time recovery: which backup and archived WAL reach a target, refusing targets the repository
 * cannot reach (naming the nearest points it can), and the recovery settings that make PostgreSQL replay the
 * archive exactly to the target and stop there.
 */
public final class Recovery {

    /** Where recovery should stop. */
    public sealed interface Target {
        /** Replay the whole archive. */
        record Latest() implements Target {
        }

        /** Stop before the first transaction that committed after {@code time}. */
        record Time(Instant time) implements Target {
        }

        /** Stop after the record at {@code lsn}. */
        record Lsn(long lsn) implements Target {
        }

        /** Stop at the restore point {@code name} (keel backup point). */
        record Name(String name) implements Target {
        }
    }

    /** A backup able to reach the target, and the reachable range it gives with the archive. */
    public record Plan(String backupId, Target target, Instant earliestTime, Instant latestTime, long latestLsn,
                       boolean useArchive) {
    }

    /** The end of recovery as the server's log reports it. */
    public record Outcome(String stoppedAt, String redoDoneAt, String lastTransactionTime) {
    }

    private record Physical(String id, Instant stopTime, long stopLsn, int timeline) {
    }

    private static final long SEGMENT = 16L * 1024 * 1024;
    private static final DateTimeFormatter PG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS'+00'");

    private Recovery() {
    }

    /**
     * Parses a time as ISO-8601 ({@code 2026-11-25T15:04:05Z}, {@code 2026-11-25T16:04:05+01:00}) or as a
     * PostgreSQL timestamptz literal ({@code 2026-11-25 15:04:05.123+00}); a time without zone is UTC.
     */
    public static Instant parseTime(String text) {
        String t = text.strip();
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            // not ISO with offset
        }
        DateTimeFormatter pg = new DateTimeFormatterBuilder().appendPattern("yyyy-MM-dd")
                .optionalStart().appendLiteral('T').optionalEnd().optionalStart().appendLiteral(' ').optionalEnd()
                .appendPattern("HH:mm[:ss]").optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
                .optionalStart().appendLiteral(' ').optionalEnd()
                .optionalStart().appendPattern("[XXXXX][XXXX][XXX][X]").optionalEnd()
                .optionalStart().appendLiteral("UTC").optionalEnd()
                .parseDefaulting(ChronoField.OFFSET_SECONDS, 0).toFormatter();
        try {
            return OffsetDateTime.parse(t, pg).toInstant();
        } catch (DateTimeParseException e) {
            throw BackupException.usage("bad time '" + text + "'",
                    "use ISO-8601 (2026-11-25T15:04:05Z) or a PostgreSQL timestamp (2026-11-25 15:04:05+00)");
        }
    }

    /**
     * Chooses the backup for {@code target} (or checks {@code backupId}) and checks that the backup plus the
     * contiguous archived WAL after it reach the target; refuses otherwise, naming the reachable range.
     */
    public static Plan plan(Repository repository, Target target, String backupId) {
        Objects.requireNonNull(target, "null target");
        List<Physical> backups = physicalBackups(repository);
        if (backups.isEmpty()) {
            throw BackupException.usage("no complete physical backup in the repository", "run keel backup full first");
        }
        WalArchive archive = new WalArchive(repository);
        // A restore point can be in any segment, so a --name reads every header; the other targets only those of
        // the segments after the chosen backup (an archive of thousands of segments made every restore read them).
        Map<String, WalArchive.Entry> wal = new java.util.HashMap<>();
        if (target instanceof Target.Name) {
            for (WalArchive.Entry e : archive.list()) {
                wal.put(e.name(), e);
            }
        }
        java.util.function.Function<String, Optional<WalArchive.Entry>> archived = target instanceof Target.Name
                ? name -> Optional.ofNullable(wal.get(name)) : archive::entry;
        Physical oldest = backups.get(0);
        Physical chosen;
        if (backupId != null) {
            chosen = backups.stream().filter(b -> b.id().equals(backupId)).findFirst().orElseThrow(() -> BackupException.usage(
                    "backup " + backupId + " is not a complete physical backup", "run keel backup list"));
        } else {
            if (target instanceof Target.Time t) {
                if (!t.time().isAfter(oldest.stopTime())) {
                    throw BackupException.usage("time " + t.time() + " is before the oldest backup " + oldest.id()
                                    + " became consistent (" + oldest.stopTime() + ")",
                            "the earliest reachable time is just after " + oldest.stopTime());
                }
                chosen = newest(backups, b -> b.stopTime().isBefore(t.time()));
            } else if (target instanceof Target.Lsn l) {
                if (l.lsn() < oldest.stopLsn()) {
                    throw BackupException.usage("LSN " + WalArchive.formatLsn(l.lsn()) + " is before the oldest backup "
                                    + oldest.id() + " became consistent (" + WalArchive.formatLsn(oldest.stopLsn()) + ")",
                            "the earliest reachable LSN is " + WalArchive.formatLsn(oldest.stopLsn()));
                }
                chosen = newest(backups, b -> b.stopLsn() <= l.lsn());
            } else if (target instanceof Target.Name n) {
                Optional<Long> at = restorePoint(wal, n.name());
                if (at.isEmpty()) {
                    List<String> names = wal.values().stream().sorted(Comparator.comparing(WalArchive.Entry::name))
                            .flatMap(e -> e.restorePoints().stream()).map(WalArchive.RestorePoint::name)
                            .filter(x -> !x.equals("keel-wal-check")).distinct().toList();
                    throw BackupException.usage("no restore point named '" + n.name() + "' in the archived WAL",
                            names.isEmpty() ? "create one with keel backup point NAME"
                                    : "known restore points: " + String.join(", ", names.subList(Math.max(0, names.size() - 10), names.size())));
                }
                chosen = newest(backups, b -> b.stopLsn() <= at.get());
            } else {
                chosen = backups.get(backups.size() - 1);
            }
            if (chosen == null) {
                throw BackupException.usage("no backup precedes the target", "the oldest backup is " + oldest.id());
            }
        }
        // The archived segments after the backup's consistency point, without a gap.
        long lsn = chosen.stopLsn();
        Instant latestTime = chosen.stopTime();
        long latestLsn = chosen.stopLsn();
        boolean anyArchived = false;
        boolean scanned = true;
        Instant lastArchived = null;
        for (Optional<WalArchive.Entry> next = archived.apply(WalArchive.segmentName(chosen.timeline(), lsn, SEGMENT));
             next.isPresent(); next = archived.apply(WalArchive.segmentName(chosen.timeline(), lsn, SEGMENT))) {
            WalArchive.Entry e = next.get();
            anyArchived = true;
            latestLsn = e.endLsn();
            lastArchived = e.archivedAt();
            if (e.lastCommit() != null && e.lastCommit().isAfter(latestTime)) {
                latestTime = e.lastCommit();
            } else if (e.lastCommit() == null && e.restorePoints().isEmpty()) {
                scanned = scanned && e.firstCommit() != null;
            }
            lsn = e.endLsn();
        }
        if (!scanned && lastArchived != null && lastArchived.isAfter(latestTime)) {
            latestTime = lastArchived; // without pg_waldump only the archive time bounds what is reachable
        }
        String range = "reachable from backup " + chosen.id() + ": " + chosen.stopTime() + " to " + latestTime
                + " (LSN " + WalArchive.formatLsn(chosen.stopLsn()) + " to " + WalArchive.formatLsn(latestLsn) + ")";
        if (target instanceof Target.Time t && !t.time().isBefore(latestTime)) {
            throw BackupException.usage("time " + t.time() + " is after the newest archived commit (" + latestTime + ")",
                    range + "; use --latest to replay everything archived");
        }
        if (target instanceof Target.Lsn l && l.lsn() >= latestLsn) {
            throw BackupException.usage("LSN " + WalArchive.formatLsn(l.lsn()) + " is beyond the archived WAL",
                    range + "; use --latest to replay everything archived");
        }
        if (target instanceof Target.Name n) {
            long at = restorePoint(wal, n.name()).orElseThrow();
            if (at >= latestLsn || at < chosen.stopLsn()) {
                throw BackupException.usage("restore point '" + n.name() + "' (LSN " + WalArchive.formatLsn(at)
                        + ") is not reachable from backup " + chosen.id(), range);
            }
        }
        return new Plan(chosen.id(), target, chosen.stopTime(), latestTime, latestLsn, anyArchived);
    }

    /**
     * Makes a restored data directory replay the archive to {@code target}: recovery.signal, restore_command and
     * the target in postgresql.auto.conf, promotion once the target is reached, and archiving off (a restored
     * copy must not write into the source's archive). A null target only turns archiving off.
     */
    public static void configure(Path dataDir, Target target, String restoreCommand) {
        if (target == null) {
            try {
                Files.writeString(dataDir.resolve("postgresql.auto.conf"),
                        "\n# Written by keel restore: a restored copy must not archive into the source's repository.\n"
                                + "archive_mode = 'off'\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw BackupException.runtime("cannot write the settings into " + dataDir + ": " + e.getMessage(), null, e);
            }
            return;
        }
        StringBuilder conf = new StringBuilder("\n# Written by keel restore: replay the WAL archive");
        if (target instanceof Target.Time t) {
            conf.append(" to ").append(t.time()).append(".\nrecovery_target_time = '")
                    .append(PG_TIME.format(t.time().atOffset(ZoneOffset.UTC)))
                    .append("'\n");
        } else if (target instanceof Target.Lsn l) {
            conf.append(" to LSN ").append(WalArchive.formatLsn(l.lsn())).append(".\nrecovery_target_lsn = '")
                    .append(WalArchive.formatLsn(l.lsn())).append("'\n");
        } else if (target instanceof Target.Name n) {
            conf.append(" to restore point ").append(n.name()).append(".\nrecovery_target_name = '")
                    .append(n.name().replace("'", "''")).append("'\n");
        } else {
            conf.append(" to its end.\n");
        }
        conf.append("restore_command = '").append(restoreCommand.replace("'", "''")).append("'\n");
        if (!(target instanceof Target.Latest)) {
            conf.append("recovery_target_action = 'promote'\n");
        }
        conf.append("archive_mode = 'off'\n");
        try {
            Files.writeString(dataDir.resolve("postgresql.auto.conf"), conf, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Files.writeString(dataDir.resolve("recovery.signal"), "", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw BackupException.runtime("cannot write the recovery settings into " + dataDir + ": " + e.getMessage(), null, e);
        }
    }

    private static final Pattern STOPPING = Pattern.compile("recovery stopping (.*)$");
    private static final Pattern REDO_DONE = Pattern.compile("redo done at ([0-9A-F]+/[0-9A-F]+)");
    private static final Pattern LAST_TX = Pattern.compile("last completed transaction was at log time (.*)$");

    /**
     * Waits until the server started on a restored directory has finished recovery and is open for writes,
     * reading its log; a server that stops instead is reported with the log's last error.
     */
    public static Outcome awaitEnd(Path log, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            List<String> lines;
            try {
                lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            } catch (IOException e) {
                lines = List.of();
            }
            String stopping = null;
            String redo = null;
            String lastTx = null;
            boolean ready = false;
            for (String line : lines) {
                Matcher m;
                if ((m = STOPPING.matcher(line)).find()) {
                    stopping = m.group(1);
                } else if ((m = REDO_DONE.matcher(line)).find()) {
                    redo = m.group(1);
                } else if ((m = LAST_TX.matcher(line)).find()) {
                    lastTx = m.group(1);
                } else if (line.contains("database system is ready to accept connections")) {
                    ready = true;
                } else if (line.contains("FATAL:") && (line.contains("recovery") || line.contains("restore"))) {
                    throw new BackupException("recovery failed: " + line.substring(line.indexOf("FATAL:") + 6).strip(),
                            "see " + log, KeelException.RUNTIME, null);
                }
            }
            if (ready) {
                return new Outcome(stopping, redo, lastTx);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackupException("interrupted while waiting for recovery", null, KeelException.RUNTIME, e);
            }
        }
        throw new BackupException("recovery did not finish within " + timeout.toSeconds() + " s", "see " + log,
                KeelException.RUNTIME, null);
    }

    private static Optional<Long> restorePoint(Map<String, WalArchive.Entry> wal, String name) {
        return wal.values().stream().sorted(Comparator.comparing(WalArchive.Entry::name))
                .flatMap(e -> e.restorePoints().stream()).filter(p -> p.name().equals(name))
                .map(p -> WalArchive.parseLsn(p.lsn())).findFirst();
    }

    private static Physical newest(List<Physical> backups, java.util.function.Predicate<Physical> ok) {
        Physical best = null;
        for (Physical b : backups) {
            if (ok.test(b)) {
                best = b;
            }
        }
        return best;
    }

    /** Complete full and incremental backups that recorded their LSNs, oldest first. */
    private static List<Physical> physicalBackups(Repository repository) {
        List<Physical> out = new ArrayList<>();
        for (BackupCatalog.Backup b : BackupCatalog.list(repository)) {
            if (b.status() != BackupCatalog.Status.COMPLETE) {
                continue;
            }
            Map<String, String> m = BackupReader.metadataOf(repository, b.id());
            String type = m.getOrDefault("type", "full");
            if (!(type.equals("full") || type.equals("incr")) || m.getOrDefault("stopLsn", "").isEmpty()
                    || m.get("stopTime") == null) {
                continue;
            }
            out.add(new Physical(b.id(), Instant.parse(m.get("stopTime")), WalArchive.parseLsn(m.get("stopLsn")),
                    Integer.parseInt(m.getOrDefault("timeline", "1"))));
        }
        out.sort(Comparator.comparing(Physical::stopLsn));
        return out;
    }
}
