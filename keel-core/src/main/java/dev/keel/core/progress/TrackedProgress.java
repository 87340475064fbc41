package dev.keel.core.progress;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The counting and throttling the bar and plain modes share. Counters are atomics, so any thread may
 * advance; each call checks the clock and, when a redraw is due, one thread wins a compare-and-set on the
 * next due time and draws under a lock. No background thread: a task that stops calling stops redrawing.
 */
abstract class TrackedProgress implements Progress {

    final String task;
    final long total;
    final Unit unit;

    private final ProgressOutput.Sink sink;
    private final LongSupplier clock;
    private final long startNanos;
    private final long intervalNanos;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong nextDrawNanos;
    private volatile String status = "";
    private final Object lock = new Object();
    private boolean closed; // guarded by lock

    TrackedProgress(String task, long total, Unit unit, ProgressOutput out, long intervalNanos) {
        this.task = task;
        this.total = total;
        this.unit = unit;
        this.sink = out.sink();
        this.clock = out.nanoClock();
        this.intervalNanos = intervalNanos;
        this.startNanos = clock.getAsLong();
        this.nextDrawNanos = new AtomicLong(startNanos + intervalNanos);
    }

    /** Writes the start text; called once, by {@link Progress#start}, after construction completes. */
    final TrackedProgress started() {
        synchronized (lock) {
            sink.write(begin(snapshot(startNanos)));
        }
        return this;
    }

    /** Text written when the task starts. */
    abstract String begin(Snapshot now);

    /** Text written when a redraw is due. */
    abstract String update(Snapshot now);

    /** Text written on close. */
    abstract String finish(Snapshot now);

    @Override
    public final void advance(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("advance must be 0 or more, was " + n);
        }
        done.addAndGet(n);
        tick();
    }

    @Override
    public final void set(long done) {
        if (done < 0) {
            throw new IllegalArgumentException("done must be 0 or more, was " + done);
        }
        this.done.set(done);
        tick();
    }

    @Override
    public final void message(String status) {
        this.status = requireNonNull(status, "null status").strip();
        tick();
    }

    @Override
    public final void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            sink.write(finish(snapshot(clock.getAsLong())));
        }
    }

    private void tick() {
        long now = clock.getAsLong();
        long due = nextDrawNanos.get();
        if (now - due >= 0 && nextDrawNanos.compareAndSet(due, now + intervalNanos)) {
            synchronized (lock) {
                if (!closed) {
                    sink.write(update(snapshot(now)));
                }
            }
        }
    }

    private Snapshot snapshot(long nowNanos) {
        return new Snapshot(done.get(), total, Math.max(0, nowNanos - startNanos), status);
    }

    /** The final line both modes print: "inspect: 10,000 tables in 3.2 s (3,125/s)". */
    final String finalLine(Snapshot now) {
        String elapsed = formatDuration(now.elapsedNanos());
        if (total >= 0 && now.done() < total) {
            return task + ": stopped at " + amounts(now) + " (" + now.percent() + "%) after " + elapsed;
        }
        String line = task + ": " + unit.formatWithNoun(now.done()) + " in " + elapsed;
        return now.elapsedNanos() > 0 ? line + " (" + unit.formatRate(now.perSecond()) + ")" : line;
    }

    /** "4,200/10,000 tables", "1.2 GiB/2.9 GiB", or without a total "4,200 tables". */
    final String amounts(Snapshot now) {
        if (total < 0) {
            return unit.formatWithNoun(now.done());
        }
        return unit.format(now.done()) + "/" + unit.formatWithNoun(total);
    }

    /** "0.4 s", "3.2 s", "42 s", "4 min 05 s", "1 h 02 min". */
    static String formatDuration(long nanos) {
        if (nanos < TimeUnit.SECONDS.toNanos(10)) {
            return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
        }
        long seconds = Math.round(nanos / 1e9);
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
        }
        long minutes = Math.round(seconds / 60.0);
        return String.format(Locale.ROOT, "%d h %02d min", minutes / 60, minutes % 60);
    }

    /** The state of a task at one instant, with the arithmetic the lines need. */
    record Snapshot(long done, long total, long elapsedNanos, String status) {

        /** Average rate since the start; 0 before any time has passed. */
        double perSecond() {
            return elapsedNanos == 0 ? 0 : done * 1e9 / elapsedNanos;
        }

        /** Whole percent done, 0 to 100; 100 for a task of size 0; -1 when the total is unknown. */
        int percent() {
            if (total < 0) {
                return -1;
            }
            if (total == 0 || done >= total) {
                return 100;
            }
            return (int) (done * 100.0 / total);
        }

        /** Nanoseconds left at the average rate so far; -1 when unknown (no total, no rate yet) or done. */
        long etaNanos() {
            if (total < 0 || done == 0 || elapsedNanos == 0 || done >= total) {
                return -1;
            }
            return (long) ((total - done) * ((double) elapsedNanos / done));
        }
    }
}
