package dev.keel.ops.bench;

import static java.util.Objects.requireNonNull;

import dev.keel.core.KeelException;
import dev.keel.embedded.Directories;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.connect.Connections;
import dev.keel.core.connect.Secrets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs a load test with pgbench: N clients for a duration, on the standard workload or a workload file's
 * weighted scripts. pgbench writes one log line per transaction ({@code --log}) into a private temporary
 * directory; the latencies in it give exact percentiles. pgbench's {@code --progress 1} lines go to
 * {@code progress} while it runs. The password reaches pgbench in PGPASSWORD only, never on its command line.
 *
 * <p>pgbench's built-in workload needs its four tables: {@link #prepareStandard} creates them at a scale when
 * they are missing, and re-creates them only when asked (that drops their rows).
 */
public final class LoadTest {

    /** The pgbench tables of the standard workload. */
    static final List<String> PGBENCH_TABLES = List.of("pgbench_accounts", "pgbench_branches", "pgbench_history",
            "pgbench_tellers");

    private static final Pattern TPS = Pattern.compile("(?m)^tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern FAILED = Pattern.compile("(?m)^number of failed transactions: (\\d+)");
    private static final Pattern SCRIPT_ERROR = Pattern.compile("pgbench: error: (.+?):(\\d+): (.*)");
    // Found anywhere in a line: pgbench's client threads write their "pgbench: " and "error: " prefixes in separate
    // writes to stderr, so two clients failing at once can interleave them ("pgbench: pgbench: error: error: client 1 ...").
    private static final Pattern ABORTED = Pattern.compile("client \\d+ script (\\d+) aborted in command (\\d+) query \\d+: (.*)");

    private LoadTest() {
    }

    /**
     * How to run.
     *
     * @param duration whole seconds, at least 1
     */
    public record Options(int clients, int jobs, Duration duration) {
        public Options {
            requireNonNull(duration, "null duration");
            if (clients < 1) {
                throw BenchException.usage("--clients must be 1 or more, was " + clients, null);
            }
            if (jobs < 1 || jobs > clients) {
                throw BenchException.usage("--jobs must be from 1 to the number of clients (" + clients + "), was " + jobs,
                        "pgbench runs the clients on that many threads");
            }
            if (duration.toSeconds() < 1) {
                throw BenchException.usage("--duration must be at least 1s, was " + duration.toMillis() + " ms", null);
            }
        }
    }

    /**
     * Makes sure pgbench's tables are there: created at {@code scale} (default 1) when none exist; re-created
     * when {@code init} (their rows are lost). Existing tables are used as they are: a {@code scale} different
     * from theirs, or only some of the four tables, is refused.
     *
     * @return the scale of the tables the run will use
     */
    public static int prepareStandard(ConnectionSpec spec, OptionalInt scale, boolean init, Path pgbench,
                                      Consumer<String> status) {
        requireNonNull(spec, "null spec");
        requireNonNull(scale, "null scale");
        requireNonNull(pgbench, "null pgbench");
        requireNonNull(status, "null status");
        if (scale.isPresent() && scale.getAsInt() < 1) {
            throw BenchException.usage("--scale must be 1 or more, was " + scale.getAsInt(), null);
        }
        int present;
        int existingScale = 0;
        try (Connection c = Connections.open(spec); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select count(*) from unnest(array['" + String.join("','", PGBENCH_TABLES)
                    + "']) t where to_regclass(t) is not null")) {
                rs.next();
                present = rs.getInt(1);
            }
            if (present == PGBENCH_TABLES.size()) {
                try (ResultSet rs = st.executeQuery("select count(*) from pgbench_branches")) {
                    rs.next();
                    existingScale = rs.getInt(1);
                }
            }
        } catch (SQLException e) {
            throw Connections.failure(spec, e);
        }
        if (!init) {
            if (present == PGBENCH_TABLES.size()) {
                if (scale.isPresent() && scale.getAsInt() != existingScale) {
                    throw BenchException.usage("pgbench's tables in " + spec.database() + " are at scale " + existingScale
                                    + ", not " + scale.getAsInt(),
                            "leave out --scale to use them, or add --init to re-create them at scale " + scale.getAsInt()
                                    + " (their rows are lost)");
                }
                return existingScale;
            }
            if (present > 0) {
                throw BenchException.usage("only " + present + " of pgbench's 4 tables (" + String.join(", ", PGBENCH_TABLES)
                        + ") exist in " + spec.database(), "add --init to re-create them (their rows are lost)");
            }
        }
        int s = scale.orElse(1);
        status.accept((present > 0 ? "re-creating" : "creating") + " pgbench's tables at scale " + s + " in "
                + spec.database());
        List<String> cmd = new ArrayList<>(List.of(pgbench.toString(), "--initialize", "--quiet", "--scale=" + s));
        cmd.addAll(connectionArgs(spec));
        Run r = run(cmd, spec, line -> { });
        if (r.exit != 0) {
            throw BenchException.runtime("pgbench --initialize failed: " + lastError(r.stderr), null, null);
        }
        return s;
    }

    /**
     * Runs the load test and measures it.
     *
     * @param scale the standard workload's scale (from {@link #prepareStandard}), empty for a workload file
     * @throws BenchException exit 2 when pgbench rejects the workload file (naming its file and line), exit 3
     *                        when pgbench cannot run or a client aborts (a statement failed)
     */
    public static BenchResult run(ConnectionSpec spec, Workload workload, Options options, OptionalInt scale, Path pgbench,
                                  Consumer<String> progress) {
        requireNonNull(spec, "null spec");
        requireNonNull(workload, "null workload");
        requireNonNull(options, "null options");
        requireNonNull(scale, "null scale");
        requireNonNull(pgbench, "null pgbench");
        requireNonNull(progress, "null progress");
        Path dir;
        try {
            dir = Files.createTempDirectory("keel-bench-");
        } catch (IOException e) {
            throw BenchException.runtime("cannot create a temporary directory for pgbench's logs: " + e.getMessage(), null, e);
        }
        try {
            List<String> cmd = new ArrayList<>(List.of(pgbench.toString(), "--client=" + options.clients(),
                    "--jobs=" + options.jobs(), "--time=" + options.duration().toSeconds(), "--progress=1", "--log",
                    "--log-prefix=" + dir.resolve("tx")));
            Map<String, Integer> scriptFiles = new LinkedHashMap<>();
            if (workload.isStandard()) {
                cmd.add("--builtin=tpcb-like");
            } else {
                cmd.add("--no-vacuum"); // pgbench would vacuum its own tables, which a workload file need not have
                for (int i = 0; i < workload.scripts().size(); i++) {
                    Workload.Script s = workload.scripts().get(i);
                    Path f = dir.resolve("script-" + i + ".sql");
                    write(f, String.join("\n", s.lines()) + "\n");
                    scriptFiles.put(f.toString(), i);
                    cmd.add("--file=" + f + "@" + s.weight());
                }
            }
            cmd.addAll(connectionArgs(spec));
            Instant started = Instant.now();
            Run r = run(cmd, spec, line -> {
                if (line.startsWith("progress: ")) {
                    progress.accept(line);
                }
            });
            if (r.exit != 0) {
                throw failure(workload, scriptFiles, r.stderr);
            }
            return measure(workload, options, scale, started, r.stdout, dir);
        } finally {
            Directories.deleteTreeQuietly(dir); // a leftover temporary file is no reason to fail a finished run
        }
    }

    static BenchException failure(Workload workload, Map<String, Integer> scriptFiles, String stderr) {
        for (String line : stderr.lines().toList()) {
            Matcher m = SCRIPT_ERROR.matcher(line);
            if (m.matches() && scriptFiles.containsKey(m.group(1))) {
                int script = scriptFiles.get(m.group(1));
                int source = workload.sourceLine(script, Integer.parseInt(m.group(2)));
                return BenchException.usage(workload.file().orElseThrow() + ":" + source + ": pgbench: " + m.group(3),
                        "fix the line; pgbench's meta-commands are \\set NAME EXPR, \\sleep N [us|ms|s], ...");
            }
            Matcher a = ABORTED.matcher(line);
            if (a.find()) {
                int script = Integer.parseInt(a.group(1));
                String name = script < workload.scripts().size() ? workload.scripts().get(script).name() : "#" + script;
                return BenchException.runtime("a pgbench client stopped: script " + name + ", its statement "
                        + (Integer.parseInt(a.group(2)) + 1) + ": " + Secrets.mask(a.group(3).strip()),
                        "fix the statement (every client stops at the first error)", null);
            }
        }
        return BenchException.runtime("pgbench failed: " + lastError(stderr), null, null);
    }

    private static String lastError(String stderr) {
        List<String> lines = stderr.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("progress: "))
                .toList();
        String first = lines.stream().filter(l -> l.startsWith("pgbench: error: ")).findFirst()
                .orElse(lines.isEmpty() ? "no output" : lines.get(lines.size() - 1));
        return Secrets.mask(first.replace("pgbench: error: ", ""));
    }

    /** Reads pgbench's summary (tps, failures) and its per-transaction logs (latency per script). */
    static BenchResult measure(Workload workload, Options options, OptionalInt scale, Instant started, String stdout,
                               Path dir) {
        Matcher tps = TPS.matcher(stdout);
        if (!tps.find()) {
            throw BenchException.runtime("pgbench printed no tps line; its output: " + stdout.strip().lines().reduce((a, b) -> b)
                    .orElse(""), null, null);
        }
        Matcher failedTotal = FAILED.matcher(stdout);
        int n = workload.scripts().size();
        long[][] latencies = new long[n][1024];
        int[] counts = new int[n];
        long[] failed = new long[n];
        long[] all = new long[1024];
        int allCount = 0;
        List<Path> logs;
        try (Stream<Path> files = Files.list(dir)) {
            logs = files.filter(p -> p.getFileName().toString().startsWith("tx.")).sorted(Comparator.naturalOrder()).toList();
        } catch (IOException e) {
            throw BenchException.runtime("cannot list pgbench's logs in " + dir + ": " + e.getMessage(), null, e);
        }
        for (Path log : logs) {
            try (BufferedReader in = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    // client_id transaction_no time script_no time_epoch time_us [schedule_lag] [retries]
                    String[] f = line.split(" ");
                    if (f.length < 4) {
                        continue;
                    }
                    int script = Integer.parseInt(f[3]);
                    if (script < 0 || script >= n) {
                        continue;
                    }
                    if (f[2].equals("skipped")) {
                        continue;
                    }
                    if (!Character.isDigit(f[2].charAt(0))) {
                        failed[script]++; // "failed", "serialization", "deadlock"
                        continue;
                    }
                    long us = Long.parseLong(f[2]);
                    if (counts[script] == latencies[script].length) {
                        latencies[script] = Arrays.copyOf(latencies[script], counts[script] * 2);
                    }
                    latencies[script][counts[script]++] = us;
                    if (allCount == all.length) {
                        all = Arrays.copyOf(all, allCount * 2);
                    }
                    all[allCount++] = us;
                }
            } catch (IOException | NumberFormatException e) {
                throw BenchException.runtime("cannot read pgbench's log " + log.getFileName() + ": " + e.getMessage(), null, e);
            }
        }
        double totalTps = Double.parseDouble(tps.group(1));
        long transactions = allCount;
        List<BenchResult.ScriptResult> scripts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Workload.Script s = workload.scripts().get(i);
            double share = transactions == 0 ? 0 : (double) counts[i] / transactions;
            scripts.add(new BenchResult.ScriptResult(s.name(), s.weight(), counts[i], failed[i], totalTps * share,
                    BenchResult.Latency.of(latencies[i], counts[i])));
        }
        long failedSum = Arrays.stream(failed).sum();
        long failedReported = failedTotal.find() ? Long.parseLong(failedTotal.group(1)) : failedSum;
        return new BenchResult(workload.name(), options.clients(), options.jobs(), options.duration().toSeconds(), scale,
                started, transactions, Math.max(failedSum, failedReported), totalTps, BenchResult.Latency.of(all, allCount),
                scripts);
    }

    // ---- the process ---------------------------------------------------------------------------------------

    private record Run(int exit, String stdout, String stderr) {
    }

    /** Runs pgbench, handing each stderr line to {@code onLine} as it comes; stdin is /dev/null. */
    private static Run run(List<String> cmd, ConnectionSpec spec, Consumer<String> onLine) {
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(spec.libpqEnvironment("keel bench"));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw BenchException.runtime("cannot run pgbench (" + cmd.get(0) + "): " + e.getMessage(),
                    "install it (Debian: apt-get install postgresql-15 or postgresql-client-15)", e);
        }
        CompletableFuture<String> out = dev.keel.embedded.ProcessRunner.drain(p.getInputStream());
        StringBuilder err = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                err.append(line).append('\n');
                onLine.accept(line);
            }
            return new Run(p.waitFor(), out.join(), err.toString());
        } catch (IOException e) {
            p.destroyForcibly();
            throw BenchException.runtime("cannot read pgbench's output: " + e.getMessage(), null, e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while pgbench ran", null, KeelException.RUNTIME, e);
        }
    }

    /** Host, port and user as options; the database as a quoted conninfo keyword (pgbench expands it). */
    static List<String> connectionArgs(ConnectionSpec spec) {
        String dbname = "dbname='" + spec.database().replace("\\", "\\\\").replace("'", "\\'") + "'";
        return List.of("--host=" + spec.host(), "--port=" + spec.port(), "--username=" + spec.user(), dbname);
    }

    private static void write(Path f, String text) {
        try {
            Files.writeString(f, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw BenchException.runtime("cannot write pgbench script " + f + ": " + e.getMessage(), null, e);
        }
    }
}
