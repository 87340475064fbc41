package dev.keel.server;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Counts failed authentication attempts per client address in a sliding window. After {@code limit} failures
 * within the window the address is refused (429) until the oldest of them leaves the window, so guessing the
 * 256-bit token stays hopeless even without it.
 */
final class LoginLimiter {

    private final int limit;
    private final long windowMillis;
    private final LongSupplier clock;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    LoginLimiter(int limit, long windowMillis, LongSupplier clock) {
        this.limit = limit;
        this.windowMillis = windowMillis;
        this.clock = clock;
    }

    /** Seconds the address must wait, or 0 when it may try. */
    long retryAfterSeconds(String address) {
        Deque<Long> times = failures.get(address);
        if (times == null) {
            return 0;
        }
        synchronized (times) {
            long now = clock.getAsLong();
            while (!times.isEmpty() && times.peekFirst() <= now - windowMillis) {
                times.pollFirst();
            }
            if (times.size() < limit) {
                return 0;
            }
            return Math.max(1, (times.peekFirst() + windowMillis - now + 999) / 1000);
        }
    }

    void failed(String address) {
        Deque<Long> times = failures.computeIfAbsent(address, a -> new ArrayDeque<>());
        synchronized (times) {
            times.addLast(clock.getAsLong());
            while (times.size() > limit) {
                times.pollFirst();
            }
        }
    }
}
