package dev.keel.ops.backup;

import dev.keel.core.KeelException;
import dev.keel.core.sql.Identifiers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server side of WAL archiving: which settings a target needs, applying them with ALTER SYSTEM, proving
 * that archiving works by archiving a test segment, and the archiver's status.
 */
public final class WalSetup {

    /** How often a quiet server still switches segments, so the archive is never more than this behind. */
    public static final String ARCHIVE_TIMEOUT = "60s";

    /** How long {@link #configure} waits for its test segment to reach the archive. */
    public static final Duration PROOF_TIMEOUT = Duration.ofMinutes(2);

    /** One setting: its value now and the value archiving needs. */
    public record Setting(String name, String current, String wanted, boolean restartNeeded) {
        public boolean ok() {
            return current.equals(wanted);
        }
    }

    /** What {@link #apply} changed, and which settings only take effect after a restart. */
    public record Applied(List<String> changed, List<String> pendingRestart) {
    }

    /** The archiver's state, from pg_stat_archiver and the current WAL position. */
    public record Status(String archiveMode, String archiveCommand, long archivedCount, String lastArchivedWal,
                         Instant lastArchivedTime, long failedCount, String lastFailedWal, Instant lastFailedTime,
                         String currentWal, long lagSegments) {

        /** Whether archive_mode is on (or always): the server hands finished segments to archive_command. */
        public boolean archiving() {
            return archiveMode.equals("on") || archiveMode.equals("always");
        }

        /** Whether the archiver's last attempt failed: a failure newer than the last success. */
        public boolean failing() {
            return lastFailedTime != null && (lastArchivedTime == null || lastFailedTime.isAfter(lastArchivedTime));
        }
    }

    private WalSetup() {
    }

    /** The settings archiving into the given archive_command needs, with their current values. */
    public static List<Setting> wanted(Connection c, String archiveCommand) throws SQLException {
        Map<String, String> now = settings(c, List.of("wal_level", "archive_mode", "archive_command", "archive_timeout"));
        List<Setting> out = new ArrayList<>();
        String level = now.get("wal_level");
        out.add(new Setting("wal_level", level, level.equals("minimal") ? "replica" : level, true));
        String mode = now.get("archive_mode");
        out.add(new Setting("archive_mode", mode, mode.equals("always") ? "always" : "on", true));
        out.add(new Setting("archive_command", now.get("archive_command"), archiveCommand, false));
        String timeout = now.get("archive_timeout");
        out.add(new Setting("archive_timeout", timeout, timeout.equals("0") ? ARCHIVE_TIMEOUT : timeout, false));
        return out;
    }

    /** Applies the settings that differ (ALTER SYSTEM, then a reload); says which wait for a restart. */
    public static Applied apply(Connection c, List<Setting> settings) throws SQLException {
        List<String> changed = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            for (Setting s : settings) {
                if (!s.ok()) {
                    st.execute("alter system set " + s.name() + " = " + Identifiers.literal(s.wanted()));
                    changed.add(s.name());
                }
            }
            if (!changed.isEmpty()) {
                st.execute("select pg_reload_conf()");
            }
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                throw new BackupException("no right to change server settings: " + e.getMessage().lines().findFirst().orElse(""),
                        "run as a superuser, or: GRANT ALTER SYSTEM ON PARAMETER wal_level, archive_mode, archive_command, "
                                + "archive_timeout TO " + currentUser(c), KeelException.USAGE, e);
            }
            throw e;
        }
        List<String> pending = new ArrayList<>();
        for (Setting s : settings) {
            if (s.restartNeeded() && !s.ok()) {
                pending.add(s.name());
            }
        }
        // A reload is asynchronous: wait briefly until the server reports the new archive_command.
        for (int i = 0; i < 50 && changed.contains("archive_command"); i++) {
            Setting cmd = settings.stream().filter(s -> s.name().equals("archive_command")).findFirst().orElseThrow();
            if (settings(c, List.of("archive_command")).get("archive_command").equals(cmd.wanted())) {
                break;
            }
            sleep(100);
        }
        return new Applied(changed, pending);
    }

    /**
     * What {@link #configure} found and did: the settings as they were, what it applied ({@code null} unless asked
     * to), a problem with the repository's permissions ({@code null} if none), and the test segment that proved
     * archiving ({@code null} unless it applied the settings, they are live and the repository is writable).
     */
    public record Configured(List<Setting> settings, Applied applied, String accessProblem, String proved) {

        /** Every setting already had the wanted value. */
        public boolean wasConfigured() {
            return settings.stream().allMatch(Setting::ok);
        }
    }

    /**
     * Checks the settings archiving into {@code archiveCommand} needs and whether the server can write to
     * {@code repository}; with {@code apply}, applies them (ALTER SYSTEM, reload) and, once they are live and the
     * repository is writable, proves archiving with a test segment.
     */
    public static Configured configure(Connection c, String archiveCommand, Path repository, boolean apply)
            throws SQLException {
        List<Setting> settings = wanted(c, archiveCommand);
        String access = repositoryAccess(c, repository);
        if (!apply) {
            return new Configured(settings, null, access, null);
        }
        Applied applied = apply(c, settings);
        String proved = applied.pendingRestart().isEmpty() && access == null ? prove(c, PROOF_TIMEOUT) : null;
        return new Configured(settings, applied, access, proved);
    }

    /** A restore point: where it is, the segment holding it, and whether that segment reached the archive. */
    public record RestorePoint(String name, String lsn, String segment, boolean archived) {
    }

    /**
     * Proves that archiving works end to end: a restore point is written, its segment switched out and awaited in
     * the archive. Returns the segment archived; a failing archive_command or a timeout is an error.
     */
    public static String prove(Connection c, Duration timeout) throws SQLException {
        RestorePoint p = restorePoint(c, "keel-wal-check", timeout);
        if (!p.archived()) {
            throw new BackupException("segment " + p.segment() + " was not archived within " + timeout.toSeconds() + " s",
                    "check archive_mode (it needs a restart) and the server log", KeelException.RUNTIME, null);
        }
        return p.segment();
    }

    /**
     * Creates the named restore point (pg_create_restore_point), switches to a new segment so the point can be
     * archived now, and waits up to {@code wait} for the archiver to report that segment archived (not at all
     * when archiving is off). An archive_command that fails meanwhile is an error.
     */
    public static RestorePoint restorePoint(Connection c, String name, Duration wait) throws SQLException {
        String lsn;
        String segment;
        long failedBefore;
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select failed_count from pg_stat_archiver")) {
                rs.next();
                failedBefore = rs.getLong(1);
            }
            try (PreparedStatement ps = c.prepareStatement("select p::text, pg_walfile_name(p) from pg_create_restore_point(?) p")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    lsn = rs.getString(1);
                    segment = rs.getString(2);
                }
            }
            st.execute("select pg_switch_wal()");
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                throw new BackupException("no right to create restore points or switch WAL segments: "
                        + e.getMessage().lines().findFirst().orElse(""), "run as a superuser, or: GRANT EXECUTE ON FUNCTION "
                        + "pg_create_restore_point(text), pg_switch_wal() TO " + currentUser(c), KeelException.USAGE, e);
            }
            throw e;
        }
        Instant deadline = Instant.now().plus(wait);
        Status s = status(c);
        while (s.archiving() && !archived(s, segment) && Instant.now().isBefore(deadline)) {
            if (s.failedCount() > failedBefore) {
                throw new BackupException("archiving failed for " + s.lastFailedWal() + ": archive_command returned an error",
                        "see the server log for the command's message", KeelException.RUNTIME, null);
            }
            sleep(200);
            s = status(c);
        }
        return new RestorePoint(name, lsn, segment, archived(s, segment));
    }

    private static boolean archived(Status s, String segment) {
        return s.lastArchivedWal() != null && s.lastArchivedWal().compareTo(segment) >= 0;
    }

    public static Status status(Connection c) throws SQLException {
        Map<String, String> s = settings(c, List.of("archive_mode", "archive_command"));
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select archived_count, last_archived_wal, last_archived_time, failed_count, last_failed_wal,
                       last_failed_time, case when pg_is_in_recovery() then null else pg_walfile_name(pg_current_wal_lsn()) end
                from pg_stat_archiver""")) {
            rs.next();
            String last = rs.getString(2);
            String current = rs.getString(7);
            long lag = lagSegments(current, last);
            return new Status(s.get("archive_mode"), s.get("archive_command"), rs.getLong(1), last,
                    instant(rs.getTimestamp(3)), rs.getLong(4), rs.getString(5), instant(rs.getTimestamp(6)), current, lag);
        }
    }

    /**
     * When the server runs on this machine, checks that its OS user can write to the repository; returns a
     * problem with the command that fixes it, or null.
     */
    public static String repositoryAccess(Connection c, Path repository) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("show data_directory")) {
            rs.next();
            Path data = Path.of(rs.getString(1));
            if (!Files.isDirectory(data)) {
                return null; // not this machine's server: nothing to check from here
            }
            Object serverUid = Files.getAttribute(data, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            Path dir = Files.exists(repository) ? repository : repository.toAbsolutePath().getParent();
            Object repoUid = Files.getAttribute(dir, "unix:uid");
            if (!serverUid.equals(repoUid)) {
                String owner = Files.getOwner(data).getName();
                return "the repository " + dir + " is not owned by the server's OS user " + owner
                        + "; archive_command runs as that user: chown -R " + owner + " " + dir;
            }
            return null;
        } catch (SQLException | IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static Map<String, String> settings(Connection c, List<String> names) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select name, setting from pg_settings where name = any(?)")) {
            ps.setArray(1, c.createArrayOf("text", names.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        for (String n : names) {
            out.putIfAbsent(n, "");
        }
        return out;
    }

    private static String currentUser(Connection c) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select current_user")) {
            rs.next();
            return Identifiers.quote(rs.getString(1));
        } catch (SQLException e) {
            return "<role>";
        }
    }

    /**
     * Segments finished but not yet archived: the segment being written minus the last archived one, minus one.
     * The last archived file may be a backup label ({@code <segment>.<offset>.backup}), which stands for its
     * segment; -1 when unknown (nothing archived yet, only a timeline history file, or the server in recovery).
     */
    static long lagSegments(String current, String lastArchived) {
        if (current == null || lastArchived == null || lastArchived.length() < 24
                || !lastArchived.substring(0, 24).matches("[0-9A-F]{24}")) {
            return -1;
        }
        return Math.max(0, segno(current) - segno(lastArchived.substring(0, 24)) - 1);
    }

    private static long segno(String walName) {
        return Long.parseLong(walName.substring(8, 16), 16) * 0x100L + Long.parseLong(walName.substring(16, 24), 16);
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupException("interrupted", null, KeelException.RUNTIME, e);
        }
    }
}
