package dev.keel.ops.backup;

import dev.keel.core.KeelException;
import dev.keel.embedded.Binaries;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.embedded.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Starts and stops a PostgreSQL server on a restored data directory: on 127.0.0.1 only, on a free (or given)
 * port, without Unix sockets, whatever the source's own settings said. The server replays the WAL the
 * backup holds and opens for connections.
 */
public final class RestoredServer {

    private RestoredServer() {
    }

    /** Starts the server and returns its port. */
    public static int start(Binaries binaries, Path dataDir, int port) {
        int p = port > 0 ? port : EmbeddedPostgres.freeLoopbackPort();
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        String options = "-p " + p + " -c listen_addresses=127.0.0.1 -c unix_socket_directories= "
                + "-c archive_mode=off -c shared_preload_libraries=";
        ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(List.of(
                binaries.program("pg_ctl").toString(), "start", "-D", dataDir.toString(), "-l", log.toString(),
                "-w", "-t", "300", "-o", options)), Map.of("LC_ALL", "C"), null, Duration.ofMinutes(6));
        if (!r.ok()) {
            String why = r.lastLine();
            try {
                why = java.nio.file.Files.readAllLines(log).stream().filter(l -> l.contains("FATAL:"))
                        .reduce((a, b) -> b).map(l -> l.substring(l.indexOf("FATAL:") + 6).strip()).orElse(why);
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // keep pg_ctl's own line
            }
            throw new BackupException("the restored server in " + dataDir + " did not start: " + why,
                    "see " + log, KeelException.RUNTIME, null);
        }
        return p;
    }

    /** Stops the server (fast shutdown); a server that is not running is fine. */
    public static void stop(Binaries binaries, Path dataDir) {
        ProcessRunner.run(ProcessRunner.asServerUser(List.of(binaries.program("pg_ctl").toString(), "stop", "-D",
                dataDir.toString(), "-m", "fast", "-w", "-t", "60")), Map.of("LC_ALL", "C"), null, Duration.ofSeconds(90));
    }
}
