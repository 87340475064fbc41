package dev.keel.ops.backup;

import java.io.InterruptedIOException;

/**
 * Paces bytes to at most a rate ({@code keel restore --max-rate}): each {@link #acquire} waits until the bytes
 * acquired before it would have taken their time at that rate. Falling behind earns at most {@link #SLACK} of
 * credit: enough to make up for sleeps that overshoot (without it, a 2.1 GB restore at 500M took 4.8-4.9 s instead
 * of the rate's 4.6 s, bench/RESULTS.md), too little for a burst after a pause. Thread-safe; callers wait
 * outside the lock.
 */
final class Throttle {

    /** The clock a throttle reads and sleeps on; tests give their own. */
    interface Clock {
        long nanoTime();

        void sleepNanos(long nanos) throws InterruptedException;
    }

    private static final Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedException {
            long end = System.nanoTime() + nanos;
            for (long left = nanos; left > 0; left = end - System.nanoTime()) {
                java.util.concurrent.locks.LockSupport.parkNanos(left); // Thread.sleep rounds up to whole ms
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        }
    };

    /** The most credit a throttle that fell behind its schedule keeps. */
    static final long SLACK = 100_000_000L;

    /** No limit. */
    static final Throttle NONE = new Throttle(0);

    private final long bytesPerSecond;
    private final Clock clock;
    private boolean started;
    private long due; // when the bytes acquired so far may all have been written

    /** At most {@code bytesPerSecond}; 0 or less: no limit. */
    Throttle(long bytesPerSecond) {
        this(bytesPerSecond, SYSTEM);
    }

    Throttle(long bytesPerSecond, Clock clock) {
        this.bytesPerSecond = bytesPerSecond;
        this.clock = clock;
    }

    /** Waits until {@code bytes} more may go. */
    void acquire(long bytes) throws InterruptedIOException {
        if (bytesPerSecond <= 0) {
            return;
        }
        long wait;
        synchronized (this) {
            long now = clock.nanoTime();
            if (!started) {
                due = now;
                started = true;
            } else if (due < now - SLACK) {
                due = now - SLACK;
            }
            wait = due - now;
            due += (long) ((double) bytes * 1e9 / bytesPerSecond);
        }
        if (wait > 0) {
            try {
                clock.sleepNanos(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while throttled");
            }
        }
    }
}
