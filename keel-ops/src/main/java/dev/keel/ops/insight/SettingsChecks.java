package dev.keel.ops.insight;

import static dev.keel.ops.insight.Insight.MARKER;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import dev.keel.core.progress.Progress;
import dev.keel.core.sql.Identifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Settings far from sane for the machine, each with a suggested value, the reason, and the statement that sets
 * it where it is set now (ALTER DATABASE / ROLE for per-database and per-role values, else ALTER SYSTEM).
 *
 * <p>The suggestions follow pgtune's rules for a mixed workload: shared_buffers 25% of RAM, effective_cache_size
 * 75%, work_mem (RAM - shared_buffers) / (3 x max_connections), random_page_cost 1.1 on a non-rotating disk.
 * A setting is reported only when it is far from the suggestion (under half or well over it), so a tuned server
 * stays quiet. Without RAM (a remote server and no --memory) only the rules that need none run, and the
 * findings say so in their evidence. Checked on PostgreSQL 15 (pg_settings is unchanged in 13 to 17).
 */
final class SettingsChecks {

    static final long MB = 1L << 20;
    static final long GB = 1L << 30;
    /** PostgreSQL's default shared_buffers: a server left with it uses a sliver of its RAM. */
    static final long DEFAULT_SHARED_BUFFERS = 128 * MB;
    /** Below this work_mem, ordinary sorts and hashes spill to disk, whatever the machine. */
    static final long WORK_MEM_MIN = MB;
    static final long WORK_MEM_SUGGEST_MIN = 4 * MB;
    static final long WORK_MEM_SUGGEST_MAX = GB;
    /** Above this many connections, a pooler serves better than more server processes. */
    static final int MAX_CONNECTIONS_WARN = 500;
    static final int MAX_CONNECTIONS_SUGGEST = 200;
    /** random_page_cost above this is more than even a spinning disk costs. */
    static final double RANDOM_PAGE_COST_MAX = 4;
    static final double RANDOM_PAGE_COST_SSD = 1.1;

    static final List<String> NAMES = List.of("shared_buffers", "effective_cache_size", "work_mem", "random_page_cost",
            "max_connections", "autovacuum", "track_counts", "data_directory");

    private final Connection c;
    private final InsightOptions o;
    private final String database;
    private final String role;

    SettingsChecks(Connection c, InsightOptions o, String database, String role) {
        this.c = c;
        this.o = o;
        this.database = database;
        this.role = role;
    }

    /** One row of pg_settings; {@code bytes} is the value in bytes for memory settings, else -1. */
    record Setting(String name, String value, String unit, String source, String context, long bytes) {
        double number() {
            return Double.parseDouble(value);
        }

        boolean on() {
            return value.equals("on");
        }

        /** The value as SHOW prints it: 128MB, 64kB, 1.1. */
        String display() {
            return bytes >= 0 ? size(bytes) : value;
        }
    }

    List<Finding> run() throws SQLException {
        Map<String, Setting> settings = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(MARKER
                + "select name, setting, unit, source, context from pg_settings where name in ('"
                + String.join("', '", NAMES) + "')")) {
            while (rs.next()) {
                String unit = rs.getString(3);
                long unitBytes = unitBytes(unit);
                String value = rs.getString(2);
                long bytes = unitBytes > 0 ? Long.parseLong(value) * unitBytes : -1;
                settings.put(rs.getString(1), new Setting(rs.getString(1), value, unit, rs.getString(4), rs.getString(5), bytes));
            }
        }
        Setting dir = settings.get("data_directory");
        Machine machine = Machine.detect(HealthChecks.onThisMachine(c), o.memoryBytes(), dir == null ? null : dir.value());
        return evaluate(settings, machine, database, role);
    }

    static long unitBytes(String unit) {
        if (unit == null) {
            return -1;
        }
        return switch (unit) {
            case "B" -> 1;
            case "kB" -> 1024;
            case "8kB" -> 8192;
            case "MB" -> MB;
            default -> -1;
        };
    }

    /** The rules, on settings as read and the machine as detected. */
    static List<Finding> evaluate(Map<String, Setting> s, Machine m, String database, String role) {
        List<Finding> out = new ArrayList<>();
        Rules r = new Rules(s, m, database, role, out);
        r.autovacuum();
        r.sharedBuffers();
        r.effectiveCacheSize();
        r.workMem();
        r.randomPageCost();
        r.maxConnections();
        if (m.memoryBytes().isEmpty()) {
            out.add(Finding.of("insight.memory-unknown", Severity.INFO, "server memory",
                            "The server's RAM is unknown (" + m.memorySource() + "), so shared_buffers, effective_cache_size "
                                    + "and work_mem were checked only against fixed limits.",
                            "-- run again with the server's RAM, for example: keel insight --memory 16GB")
                    .withEvidence("memory", m.memorySource()));
        }
        return out;
    }

    private record Rules(Map<String, Setting> s, Machine m, String database, String role, List<Finding> out) {

        long ram() {
            return m.memoryBytes().orElse(-1);
        }

        void autovacuum() {
            for (String name : List.of("autovacuum", "track_counts")) {
                Setting v = s.get(name);
                if (v != null && !v.on()) {
                    out.add(finding(v, Severity.ERROR, "on", name.equals("autovacuum")
                            ? "autovacuum is off: dead rows pile up, tables and indexes bloat, statistics go stale and "
                                    + "transaction-id wraparound will eventually stop all writes"
                            : "track_counts is off: autovacuum cannot see which tables need vacuum or analyze, and the "
                                    + "statistics views stay empty"));
                }
            }
        }

        void sharedBuffers() {
            Setting v = s.get("shared_buffers");
            if (v == null || v.bytes() < 0) {
                return;
            }
            if (ram() > 0) {
                long suggested = nice(ram() / 4);
                if (v.bytes() < suggested / 2) {
                    out.add(finding(v, Severity.WARNING, size(suggested), String.format(Locale.ROOT,
                            "shared_buffers is %s, %.1f%% of the server's %s RAM; 25%% (%s) keeps more of the working "
                                    + "set in PostgreSQL's own cache", v.display(), 100.0 * v.bytes() / ram(), Progress.Unit.BYTES.format(ram()),
                            size(suggested))));
                } else if (v.bytes() > ram() * 4 / 10) {
                    out.add(finding(v, Severity.WARNING, size(suggested), String.format(Locale.ROOT,
                            "shared_buffers is %s, %.0f%% of the server's %s RAM; above 40%% it starves the operating "
                                    + "system's cache and work_mem", v.display(), 100.0 * v.bytes() / ram(), Progress.Unit.BYTES.format(ram()))));
                }
            } else if (v.bytes() <= DEFAULT_SHARED_BUFFERS) {
                out.add(finding(v, Severity.INFO, "25% of the server's RAM", "shared_buffers is still PostgreSQL's default "
                        + v.display() + ", sized for a laptop; a database server usually gives it 25% of its RAM"));
            }
        }

        void effectiveCacheSize() {
            Setting v = s.get("effective_cache_size");
            if (v == null || v.bytes() < 0 || ram() <= 0) {
                return;
            }
            long suggested = nice(ram() * 3 / 4);
            if (v.bytes() < ram() / 2) {
                out.add(finding(v, Severity.WARNING, size(suggested), String.format(Locale.ROOT,
                        "effective_cache_size is %s, %.0f%% of the server's %s RAM; the planner then thinks index scans "
                                + "read from disk and prefers sequential scans; 75%% (%s) matches a dedicated server",
                        v.display(), 100.0 * v.bytes() / ram(), Progress.Unit.BYTES.format(ram()), size(suggested))));
            } else if (v.bytes() > ram()) {
                out.add(finding(v, Severity.WARNING, size(suggested), String.format(Locale.ROOT,
                        "effective_cache_size is %s, more than the server's %s RAM: the planner counts on cache that "
                                + "does not exist", v.display(), Progress.Unit.BYTES.format(ram()))));
            }
        }

        /** pgtune: (RAM - shared_buffers) / (3 x max_connections), within 4MB and 1GB. */
        long workMemSuggestion() {
            Setting conns = s.get("max_connections");
            int n = conns == null ? 100 : (int) conns.number();
            long shared = ram() / 4;
            long w = (ram() - shared) / (3L * Math.max(1, n));
            return nice(Math.max(WORK_MEM_SUGGEST_MIN, Math.min(WORK_MEM_SUGGEST_MAX, w)));
        }

        void workMem() {
            Setting v = s.get("work_mem");
            if (v == null || v.bytes() < 0) {
                return;
            }
            long suggested = ram() > 0 ? workMemSuggestion() : WORK_MEM_SUGGEST_MIN;
            Setting conns = s.get("max_connections");
            int n = conns == null ? 100 : (int) conns.number();
            if (v.bytes() < WORK_MEM_MIN) {
                out.add(finding(v, Severity.WARNING, size(suggested), "work_mem is " + v.display()
                        + ": ordinary sorts, hashes and aggregates spill to temporary files on disk"
                        + (ram() > 0 ? "; " + size(suggested) + " is (RAM - shared_buffers) / (3 x " + n + " connections)"
                        : "; 4MB is PostgreSQL's default")));
            } else if (ram() > 0 && v.bytes() * n > ram()) {
                out.add(finding(v, Severity.WARNING, size(suggested), String.format(Locale.ROOT,
                        "work_mem is %s: %d connections each sorting at once could use %s, more than the server's %s RAM "
                                + "(and one query can use several work_mem)", v.display(), n, Progress.Unit.BYTES.format(v.bytes() * n), Progress.Unit.BYTES.format(ram()))));
            } else if (ram() > 0 && v.bytes() < suggested / 4) {
                out.add(finding(v, Severity.INFO, size(suggested), String.format(Locale.ROOT,
                        "work_mem is %s while the server's %s RAM allows %s per sort or hash for %d connections; bigger "
                                + "sorts and hashes then stay in memory", v.display(), Progress.Unit.BYTES.format(ram()), size(suggested), n)));
            }
        }

        void randomPageCost() {
            Setting v = s.get("random_page_cost");
            if (v == null) {
                return;
            }
            double cost = v.number();
            if (m.rotational().equals("no") && cost > 2) {
                out.add(finding(v, Severity.WARNING, "1.1", "random_page_cost is " + v.value() + " but the data directory "
                        + "is on a non-rotating disk (" + m.disk() + "), where random reads cost about as much as "
                        + "sequential ones; the planner then avoids index scans it should use"));
            } else if (cost > RANDOM_PAGE_COST_MAX) {
                boolean spinning = m.rotational().equals("yes");
                out.add(finding(v, Severity.WARNING, spinning ? "4" : "1.1", "random_page_cost is " + v.value()
                        + ", more than even a spinning disk's random reads cost (the default, 4, assumes one); "
                        + (spinning ? "4 suits the rotating disk the data directory is on (" + m.disk() + ")"
                        : "use 1.1 on SSD or network storage, 4 on spinning disks (disk: " + m.disk() + ")")));
            }
        }

        void maxConnections() {
            Setting v = s.get("max_connections");
            if (v != null && v.number() > MAX_CONNECTIONS_WARN) {
                out.add(finding(v, Severity.WARNING, String.valueOf(MAX_CONNECTIONS_SUGGEST), "max_connections is "
                        + v.value() + ": each connection is a process with its own memory, and hundreds of active ones "
                        + "contend for locks and CPU; a pooler (PgBouncer) in front serves many clients with "
                        + MAX_CONNECTIONS_SUGGEST + " or fewer server connections"));
            }
        }

        Finding finding(Setting v, Severity severity, String suggested, String reason) {
            String message = reason + ".";
            boolean runnable = !suggested.contains(" ");
            String remedy = runnable ? remedy(v, suggested, database, role)
                    : "-- set shared_buffers to " + suggested + " (keel insight --memory SIZE computes the value)";
            return Finding.of("insight.setting-" + v.name().replace('_', '-'), severity, v.name(), message, remedy)
                    .withEvidence("current", v.display())
                    .withEvidence("suggested", suggested)
                    .withEvidence("source", v.source())
                    .withEvidence("memory", m.memoryBytes().isPresent() ? Progress.Unit.BYTES.format(m.memoryBytes().getAsLong()) : "unknown")
                    .withEvidence("memorySource", m.memorySource())
                    .withEvidence("rotationalDisk", m.rotational());
        }
    }

    /**
     * The statement that changes a setting where its current value comes from: a per-database or per-role value
     * would hide an ALTER SYSTEM, so it is changed in place. Postmaster settings need a restart, the rest a reload.
     */
    static String remedy(Setting v, String value, String database, String role) {
        String assignment = v.name() + " = '" + value + "';";
        return switch (v.source()) {
            case "database" -> "ALTER DATABASE " + Identifiers.quote(database) + " SET " + assignment;
            case "user" -> "ALTER ROLE " + Identifiers.quote(role) + " SET " + assignment;
            case "database user" -> "ALTER ROLE " + Identifiers.quote(role) + " IN DATABASE " + Identifiers.quote(database) + " SET " + assignment;
            default -> "ALTER SYSTEM SET " + assignment + "\n"
                    + ("postmaster".equals(v.context()) ? "-- takes effect after a restart of the server" : "SELECT pg_reload_conf();");
        };
    }

    /** A quoted identifier, safe for any name. */

    /** Rounded down to whole GB from 2GB up, else to whole MB (at least 1MB): values people recognise. */
    static long nice(long bytes) {
        if (bytes >= 2 * GB) {
            return bytes / GB * GB;
        }
        return Math.max(MB, bytes / MB * MB);
    }

    /** A size as PostgreSQL writes it: 4GB, 512MB, 64kB. */
    static String size(long bytes) {
        if (bytes >= GB && bytes % GB == 0) {
            return bytes / GB + "GB";
        }
        if (bytes >= MB && bytes % MB == 0) {
            return bytes / MB + "MB";
        }
        if (bytes >= MB) {
            return Math.round(bytes / (double) MB) + "MB";
        }
        return Math.max(1, bytes / 1024) + "kB";
    }
}
