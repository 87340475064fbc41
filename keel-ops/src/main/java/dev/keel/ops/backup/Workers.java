package dev.keel.ops.backup;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The threads backups and restores spread their work over: one per core, at most four. */
final class Workers {

    private Workers() {
    }

    /** One per core, at most four: beyond that the disk and the repository are the limit. */
    static int count() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    /** A pool of {@code threads} daemon threads named {@code name}, which never keep the JVM alive. */
    static ExecutorService pool(int threads, String name) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
