package dev.keel.server;

import dev.keel.core.KeelException;
import dev.keel.core.connect.Secrets;
import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs actions asynchronously, whether asked for over the API or due on a job's schedule. One worker thread runs
 * them one after the other: a backup and a verification competing for the disk and the target help nobody. The
 * newest {@value #KEPT} runs are kept in memory for {@code /api/actions} and each job's last run for {@code /api/jobs}.
 */
final class Runs implements AutoCloseable {

    static final int KEPT = 50;
    private static final Logger LOG = LoggerFactory.getLogger(Runs.class);

    /** One run of an action; mutable while it runs, read by the API threads. */
    static final class Run {
        final long id;
        final String action;
        final String trigger;
        final Instant queuedAt = Instant.now();
        volatile Instant startedAt;
        volatile Instant finishedAt;
        volatile String status = "queued";
        volatile Map<String, Object> result;
        volatile String error;

        Run(long id, String action, String trigger) {
            this.id = id;
            this.action = action;
            this.trigger = trigger;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("action", action);
            m.put("trigger", trigger);
            m.put("status", status);
            m.put("queuedAt", queuedAt.toString());
            m.put("startedAt", startedAt == null ? null : startedAt.toString());
            m.put("finishedAt", finishedAt == null ? null : finishedAt.toString());
            m.put("result", result);
            m.put("error", error);
            return m;
        }
    }

    private final Project project;
    private final Target target;
    private final Map<String, ServerAction> actions;
    private final Map<String, Duration> jobs;
    private final ScheduledExecutorService worker;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Run> runs = new ConcurrentHashMap<>();
    private final Map<String, Run> lastJobRun = new ConcurrentHashMap<>();

    Runs(Project project, Target target, Map<String, ServerAction> actions, Map<String, Duration> jobs) {
        this.project = project;
        this.target = target;
        this.actions = actions;
        this.jobs = jobs;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "keel-serve-actions");
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.worker = executor;
    }

    boolean knows(String action) {
        return actions.containsKey(action);
    }

    /** Starts the scheduled jobs: each first runs one interval after the start, then every interval after it ended. */
    void scheduleJobs() {
        jobs.forEach((name, every) -> worker.scheduleWithFixedDelay(() -> runNow(newRun(name, "job")),
                every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Queues {@code action}; the run is returned at once, queued. */
    Run submit(String action, String trigger) {
        Run run = newRun(action, trigger);
        worker.execute(() -> runNow(run));
        return run;
    }

    Optional<Run> run(long id) {
        return Optional.ofNullable(runs.get(id));
    }

    List<Map<String, Object>> recent() {
        List<Run> all = new ArrayList<>(runs.values());
        all.sort((a, b) -> Long.compare(b.id, a.id));
        return all.stream().map(Run::toMap).toList();
    }

    /** The jobs keel.yaml turned on, with their interval and last run. */
    List<Map<String, Object>> jobs() {
        List<Map<String, Object>> list = new ArrayList<>();
        jobs.forEach((name, every) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("every", every.toString());
            m.put("available", actions.containsKey(name));
            Run last = lastJobRun.get(name);
            m.put("lastRun", last == null ? null : last.toMap());
            list.add(m);
        });
        return list;
    }

    private Run newRun(String action, String trigger) {
        Run run = new Run(ids.incrementAndGet(), action, trigger);
        runs.put(run.id, run);
        if (runs.size() > KEPT) {
            runs.keySet().stream().min(Long::compare).ifPresent(runs::remove);
        }
        if (trigger.equals("job")) {
            lastJobRun.put(action, run);
        }
        return run;
    }

    private void runNow(Run run) {
        run.startedAt = Instant.now();
        run.status = "running";
        ServerAction action = actions.get(run.action);
        try {
            if (action == null) {
                throw new KeelException(run.action + " is not available in this build of keel serve");
            }
            run.result = action.run(project, target);
            run.status = "ok";
        } catch (Exception e) {
            // a failed run must not end the schedule: record it and carry on
            String remedy = e instanceof KeelException k ? k.remedy().map(r -> " — " + r).orElse("") : "";
            run.error = Secrets.mask(String.valueOf(e.getMessage()) + remedy);
            run.status = "failed";
            LOG.warn("{} ({}) failed: {}", run.action, run.trigger, run.error);
        } finally {
            run.finishedAt = Instant.now();
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
