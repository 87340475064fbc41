package dev.keel.core.progress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.progress.Progress.Unit;
import dev.keel.core.progress.ProgressOutput.Mode;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ProgressConcurrencyTest {

    @Test
    void advance_fromManyThreadsCountsEveryUnitAndDrawsWholeLines() throws Exception {
        StringWriter text = new StringWriter();
        int threads = 8;
        int perThread = 20_000;
        ProgressOutput out = ProgressOutput.to(text, Mode.PLAIN).withPlainInterval(java.time.Duration.ofMillis(1));
        CountDownLatch go = new CountDownLatch(1);

        try (Progress progress = Progress.start("generate", (long) threads * perThread, Unit.count("rows"), out)) {
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread worker = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    for (int i = 0; i < perThread; i++) {
                        progress.advance(1);
                    }
                });
                worker.start();
                workers.add(worker);
            }
            go.countDown();
            for (Thread worker : workers) {
                worker.join();
            }
        }

        List<String> lines = text.toString().lines().toList();
        assertThat(lines.get(lines.size() - 1)).startsWith("generate: 160,000 rows in ");
        assertThat(lines).allSatisfy(line -> assertThat(line).startsWith("generate: "));
    }
}
