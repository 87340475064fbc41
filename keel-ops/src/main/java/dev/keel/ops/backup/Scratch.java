package dev.keel.ops.backup;

import dev.keel.core.KeelException;
import dev.keel.embedded.Directories;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private directory (mode 0700) for unencrypted files that must touch the disk for a short while, such as
 * pg_dump's directory archive. It is deleted on {@link #close()}, on a normal JVM exit or Ctrl-C (a shutdown
 * hook, which also stops the tool writing into it), and, after a kill -9, by the next run in the same root:
 * each directory is named after the process that made it, and those of processes no longer alive are removed.
 */
final class Scratch implements AutoCloseable {

    private static final Pattern NAME = Pattern.compile("([a-z]+)-(\\d+)-[0-9]+");

    private final Path dir;
    private final Thread hook;
    private volatile Process process;

    private Scratch(Path dir) {
        this.dir = dir;
        this.hook = new Thread(this::cleanUp, "keel-scratch-cleanup");
    }

    /** Creates {@code root/<purpose>-<pid>-<n>} with mode 0700, after removing leftovers of dead processes. */
    static Scratch create(Path root, String purpose) {
        try {
            Files.createDirectories(root);
            removeLeftovers(root);
            Path dir = Files.createTempDirectory(root, purpose + "-" + ProcessHandle.current().pid() + "-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Scratch scratch = new Scratch(dir);
            Runtime.getRuntime().addShutdownHook(scratch.hook);
            return scratch;
        } catch (IOException | UnsupportedOperationException e) {
            throw new BackupException("cannot create a private scratch directory in " + root + ": " + e.getMessage(),
                    "check that " + root + " is writable, on a POSIX file system, and has free space",
                    KeelException.RUNTIME, e);
        }
    }

    Path dir() {
        return dir;
    }

    /** The tool writing into the directory, stopped before the directory is removed at JVM exit. */
    void attach(Process running) {
        this.process = running;
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running or has run
        }
        cleanUp();
    }

    private void cleanUp() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Directories.deleteTreeQuietly(dir);
    }

    private static void removeLeftovers(Path root) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                Matcher m = NAME.matcher(entry.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty()) {
                    Directories.deleteTreeQuietly(entry);
                }
            }
        }
    }
}
