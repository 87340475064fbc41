package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThrottleTest {

    /** A clock that only moves when it is slept on, or told to. */
    static class FakeClock implements Throttle.Clock {
        long now = 5_000_000_000L;
        final List<Long> sleeps = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleepNanos(long nanos) {
            sleeps.add(nanos);
            now += nanos;
        }
    }

    @Test
    void bytesGoNoFasterThanTheRate_countedFromTheFirst() throws Exception {
        FakeClock clock = new FakeClock();
        Throttle t = new Throttle(1_000_000, clock);

        t.acquire(1_000_000); // the first goes at once
        t.acquire(500_000); // ...the next waits for the first's second
        t.acquire(500_000);

        assertThat(clock.sleeps).containsExactly(1_000_000_000L, 500_000_000L);
        assertThat(clock.now - 5_000_000_000L).isEqualTo(1_500_000_000L); // 2 MB in 1.5 s + the last's 0.5 s ahead
    }

    @Test
    void timeSpentIdle_earnsNoMoreThanTheSlack() throws Exception {
        FakeClock clock = new FakeClock();
        Throttle t = new Throttle(1_000_000, clock);
        t.acquire(1_000_000);
        clock.now += 10_000_000_000L; // ten idle seconds

        t.acquire(1_000_000);
        t.acquire(1_000_000);

        assertThat(clock.sleeps).containsExactly(1_000_000_000L - Throttle.SLACK);
    }

    @Test
    void sleepsThatOvershoot_areMadeUp_soTheAverageHoldsTheRate() throws Exception {
        FakeClock clock = new FakeClock() {
            @Override
            public void sleepNanos(long nanos) {
                super.sleepNanos(nanos + 1_000_000); // every sleep 1 ms late
            }
        };
        Throttle t = new Throttle(500L << 20, clock);
        long start = clock.now;
        for (int i = 0; i < 1000; i++) {
            t.acquire(1 << 20); // 2 ms each at this rate
        }
        assertThat(clock.now - start).isBetween(1_990_000_000L, 2_010_000_000L);
    }

    @Test
    void noRate_neverWaits() throws Exception {
        FakeClock clock = new FakeClock();
        Throttle t = new Throttle(0, clock);
        for (int i = 0; i < 100; i++) {
            t.acquire(1L << 40);
        }
        assertThat(clock.sleeps).isEmpty();
    }
}
