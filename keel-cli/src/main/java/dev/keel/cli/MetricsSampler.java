package dev.keel.cli;

import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.connect.Connections;
import dev.keel.ops.insight.MetricsCollectors;
import dev.keel.ops.insight.MetricsExposition;
import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * For bench/collectors-overhead.sh only: {@code MetricsSampler INTERVAL_MS [FLAG_FILE]} scrapes the metrics
 * collectors (and renders the text exposition) every INTERVAL milliseconds on one kept connection, in one JVM,
 * until killed, so that the measured cost is the scrapes' and not JVM start-ups (as a {@code keel metrics} per
 * second would add). With FLAG_FILE it scrapes only while that file exists, so one warmed-up JVM serves the
 * rounds with and without sampling alike. Connects with libpq's variables (PGHOST, PGPORT, PGUSER,
 * PGPASSWORD, PGDATABASE). Prints "sampling backend PID" on stderr once connected (the script reads that
 * server process's CPU time), and the scrape count and mean time on exit.
 */
public final class MetricsSampler {

    private MetricsSampler() {
    }

    public static void main(String[] args) throws Exception {
        long interval = args.length > 0 ? Long.parseLong(args[0]) : 1000;
        java.nio.file.Path flag = args.length > 1 ? java.nio.file.Path.of(args[1]) : null;
        Map<String, String> env = System.getenv();
        ConnectionSpec spec = new ConnectionSpec(env.getOrDefault("PGHOST", "127.0.0.1"),
                Integer.parseInt(env.getOrDefault("PGPORT", "5432")), env.getOrDefault("PGDATABASE", "postgres"),
                env.getOrDefault("PGUSER", "postgres"), env.get("PGPASSWORD"), Map.of());
        AtomicLong scrapes = new AtomicLong();
        AtomicLong nanos = new AtomicLong();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.printf("scrapes %d, mean %.2f ms%n",
                scrapes.get(), scrapes.get() == 0 ? 0 : nanos.get() / 1e6 / scrapes.get())));
        try (Connection c = Connections.open(spec)) {
            try (var st = c.createStatement(); var rs = st.executeQuery("select pg_backend_pid()")) {
                rs.next();
                System.err.println("sampling backend " + rs.getInt(1));
            }
            System.err.flush();
            long next = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                long start = System.nanoTime();
                if (flag != null && !java.nio.file.Files.exists(flag)) {
                    Thread.sleep(interval);
                    next = System.nanoTime();
                    continue;
                }
                String text = MetricsExposition.text(MetricsCollectors.collect(c, problem -> { }));
                if (text.isEmpty()) {
                    throw new IllegalStateException("empty scrape");
                }
                nanos.addAndGet(System.nanoTime() - start);
                scrapes.incrementAndGet();
                next += interval * 1_000_000L;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000L, (int) (sleep % 1_000_000L));
                }
            }
        }
    }
}
