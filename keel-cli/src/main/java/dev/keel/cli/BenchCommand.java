package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.project.ProjectConfig;
import dev.keel.core.project.Target;
import dev.keel.embedded.Binaries;
import dev.keel.embedded.BinaryLocator;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.ops.bench.BenchHistory;
import dev.keel.ops.bench.BenchResult;
import dev.keel.ops.bench.LoadTest;
import dev.keel.ops.bench.Workload;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel bench}: a thin adapter over {@link LoadTest} and {@link BenchHistory}. */
@Command(name = "bench", header = "Load-test the target with pgbench and compare with the previous run.",
        mixinStandardHelpOptions = true,
        description = {"Runs pgbench with N clients for a duration: its standard TPC-B-like workload (its tables are",
            "created at --scale when missing; existing ones are used as they are, re-created only with --init),",
            "or the weighted scripts of a workload file. Prints throughput, transactions, failures and exact",
            "latency percentiles (p50, p95, p99 of every transaction), per script when there are several.",
            "Each run is appended to .keel/bench/history.jsonl and compared with the previous run of the same",
            "target, workload and clients: tps more than 10%% lower or p95 more than 20%% higher is a regression",
            "(exit 1 unless --no-fail).",
            "",
            "Workload file (SQL with comment headers):",
            "  \\set id random(1, 100000)          shared by every script (optional)",
            "  -- script: lookup                  starts a script: one pgbench transaction",
            "  -- weight: 8                       relative frequency (default 1)",
            "  select * from orders where id = :id;",
            "  -- script: insert",
            "  -- weight: 2",
            "  insert into orders (customer_id) values (:id %% 100 + 1);",
            "A file without '-- script:' headers is one script. Lines are SQL or pgbench meta-commands.",
            "",
            "Exit codes: 0 done (no regression), 1 regression, 2 bad option or workload file, 3 pgbench failed."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--workload", paramLabel = "FILE", description = "SQL workload file (default: pgbench's standard workload)")
    Path workloadFile;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "4", description = "concurrent clients (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--jobs", paramLabel = "N", description = "pgbench threads (default: clients, at most the CPU count)")
    Integer jobs;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "30s", description = "how long to run: 30s, 5m (default: ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--scale", paramLabel = "N", description = "standard workload: scale of pgbench's tables when they are created (default: 1)")
    Integer scale;

    @Option(names = "--init", description = "standard workload: re-create pgbench's tables (their rows are lost)")
    boolean init;

    @Option(names = "--no-fail", description = "exit 0 even when the run is a regression (it is still flagged)")
    boolean noFail;

    @Override
    public Integer call() {
        Cli cli = new Cli(spec);
        Duration time;
        try {
            time = ProjectConfig.parseDuration(duration);
        } catch (IllegalArgumentException e) {
            throw new KeelException("--duration: " + e.getMessage(), null, KeelException.USAGE, null);
        }
        if (workloadFile != null && (scale != null || init)) {
            throw new KeelException("--scale and --init are for the standard workload, not --workload", null,
                    KeelException.USAGE, null);
        }
        int threads = jobs != null ? jobs : Math.max(1, Math.min(clients, Runtime.getRuntime().availableProcessors()));
        LoadTest.Options options = new LoadTest.Options(clients, threads, time);
        Workload workload = workloadFile == null ? Workload.standard() : Workload.parse(workloadFile);
        Path historyFile = cli.project().keelDir().resolve(BenchHistory.FILE);
        BenchHistory.History history = BenchHistory.read(historyFile);
        history.problems().forEach(p -> cli.status("keel: " + p));
        Target target = cli.target();
        Path pgbench = pgbench(target);
        ConnectionSpec cs = target.spec(cli::status);
        OptionalInt usedScale = OptionalInt.empty();
        if (workload.isStandard()) {
            usedScale = OptionalInt.of(LoadTest.prepareStandard(cs, scale == null ? OptionalInt.empty() : OptionalInt.of(scale),
                    init, pgbench, cli::status));
        }
        cli.status("keel bench: " + workload.name() + " on " + target.describe() + ", " + clients
                + (clients == 1 ? " client" : " clients") + ", " + time.toSeconds() + " s");
        BenchResult r = LoadTest.run(cs, workload, options, usedScale, pgbench, cli::status);
        String key = target.describe();
        Optional<BenchHistory.Comparison> cmp = history.previous(key, workload.name(), clients)
                .map(prev -> BenchHistory.compare(prev, r));
        boolean regression = cmp.map(BenchHistory.Comparison::regression).orElse(false);
        BenchHistory.append(historyFile, BenchHistory.Entry.of(key, r, regression));
        if (cli.json()) {
            Map<String, Object> doc = Cli.ordered("target", key);
            doc.putAll(r.toMap());
            doc.put("regression", regression);
            doc.put("comparedTo", cmp.map(BenchHistory.Comparison::toMap).orElse(null));
            cli.printJson(doc);
        } else {
            print(cli.out(), key, r, cmp);
        }
        return regression && !noFail ? 1 : 0;
    }

    /** pgbench: the embedded server's own when the target is embedded, else PATH, else Debian's. */
    static Path pgbench(Target target) {
        Binaries preferred = target.embeddedServer().map(EmbeddedPostgres::binaries).orElse(null);
        return BinaryLocator.clientProgram("pgbench", preferred).orElseThrow(() -> new KeelException(
                "pgbench is not installed", "install it (Debian: apt-get install postgresql-15; it ships pgbench)",
                KeelException.RUNTIME, null));
    }

    private static void print(PrintWriter out, String target, BenchResult r, Optional<BenchHistory.Comparison> cmp) {
        out.printf(Locale.ROOT, "%s on %s: %d clients, %d jobs, %d s%s%n", r.workload(), target, r.clients(), r.jobs(),
                r.durationSeconds(), r.scale().isPresent() ? ", scale " + r.scale().getAsInt() : "");
        out.printf(Locale.ROOT, "  %,d transactions, %d failed, %.1f tps%n", r.transactions(), r.failed(), r.tps());
        out.printf(Locale.ROOT, "  latency ms: p50 %.3f  p95 %.3f  p99 %.3f  (mean %.3f, max %.3f)%n", r.latency().p50(),
                r.latency().p95(), r.latency().p99(), r.latency().mean(), r.latency().max());
        if (r.scripts().size() > 1) {
            for (BenchResult.ScriptResult s : r.scripts()) {
                out.printf(Locale.ROOT, "  script %-16s weight %-3d %,9d transactions (%d failed) %9.1f tps   p50 %.3f  p95 %.3f  p99 %.3f ms%n",
                        s.name(), s.weight(), s.transactions(), s.failed(), s.tps(), s.latency().p50(), s.latency().p95(),
                        s.latency().p99());
            }
        }
        if (cmp.isEmpty()) {
            out.println("  first run of this workload on this target with " + r.clients() + " clients: nothing to compare with");
        } else {
            BenchHistory.Comparison c = cmp.get();
            String change = String.format(Locale.ROOT, "tps %+.1f%%, p95 %+.1f%%", c.tpsChange() * 100, c.p95Change() * 100);
            if (c.regression()) {
                out.println("  REGRESSION against the run of " + c.previous().startedAt() + ": " + String.join("; ", c.reasons()));
            } else {
                out.println("  compared with the run of " + c.previous().startedAt() + ": " + change + ", no regression");
            }
        }
        out.flush();
    }
}
