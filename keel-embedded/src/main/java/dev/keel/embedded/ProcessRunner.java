package dev.keel.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external program to completion and captures its output. PostgreSQL's server programs refuse to
 * run as root, so {@link #asServerUser(List)} wraps a command in {@code unshare -U} when Keel runs as root:
 * the program then sees itself as an unmapped user, and the files it writes stay owned by root.
 */
public final class ProcessRunner {

    /** The outcome of one run. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** The last non-blank line of stderr, else of stdout: what a tool said when it failed. */
        public String lastLine() {
            String text = stderr.isBlank() ? stdout : stderr;
            String[] lines = text.strip().split("\\R");
            return lines.length == 0 ? "" : lines[lines.length - 1].strip();
        }
    }

    private ProcessRunner() {
    }

    /** True when this JVM runs as the superuser. */
    public static boolean runningAsRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return uid instanceof Integer i && i == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** The command, prefixed so that PostgreSQL's server programs accept to run when we are root. */
    public static List<String> asServerUser(List<String> command) {
        if (!runningAsRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(command.size() + 2);
        wrapped.add("unshare");
        wrapped.add("-U");
        wrapped.addAll(command);
        return wrapped;
    }

    /** Runs a command, waiting at most {@code timeout}; stdin is closed. */
    public static Result run(List<String> command, Map<String, String> env, Path workDir, Duration timeout) {
        Objects.requireNonNull(command, "null command");
        ProcessBuilder pb = new ProcessBuilder(command);
        if (env != null) {
            pb.environment().putAll(env);
        }
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new EmbeddedException("cannot run " + command.get(0) + ": " + e.getMessage(),
                    "check that " + command.get(0) + " is installed and executable", e);
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new EmbeddedException(String.join(" ", command) + " did not finish within "
                        + timeout.toSeconds() + " s", null);
            }
            return new Result(process.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new EmbeddedException("interrupted while running " + command.get(0), null, e);
        }
    }

    // A thread per stream: the common pool has a single worker on two cores, and one blocked drain
    // would stall the other stream and then the child process.
    /** Reads a process's stream to its end on a daemon thread of its own; empty when reading fails. */
    public static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.complete("");
            }
        }, "keel-process-drain");
        t.setDaemon(true);
        t.start();
        return result;
    }
}
