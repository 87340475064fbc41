package dev.keel.ops.backup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The plain file lists of the backups this machine took, kept beside the project ({@code .keel/backup-state},
 * mode 0600), so that an incremental backup can compare against its parent without the private key: taking
 * backups stays a job that needs no secret. The repository holds only the encrypted list, because block
 * hashes of small, guessable files (pg_hba.conf, a password in postgresql.auto.conf) could be confirmed by
 * anyone who reads the repository; the machine taking backups can read the database anyway. A cached list is
 * used only when its SHA-256 equals the one the parent's manifest recorded.
 */
final class FileListCache {

    /** The metadata key under which a backup records the SHA-256 of its plain file list. */
    static final String SHA_KEY = "fileListSha256";

    private FileListCache() {
    }

    /** An output stream that also copies everything into {@code copy}. */
    static OutputStream tee(OutputStream out, ByteArrayOutputStream copy) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                copy.write(b, off, len);
            }

            @Override
            public void write(int b) throws IOException {
                out.write(b);
                copy.write(b);
            }
        };
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(BackupKeys.sha256(bytes));
    }

    /** Keeps backup {@code id}'s list in {@code stateDir} (nothing when null); a failure only costs the next incremental the key. */
    static void store(Path stateDir, String id, byte[] list) {
        if (stateDir == null) {
            return;
        }
        try {
            Files.createDirectories(stateDir);
            Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
            Path temp = stateDir.resolve("." + id + ".files.tmp");
            Files.write(temp, list);
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            Files.move(temp, stateDir.resolve(id + ".files"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort: the repository holds the authoritative, encrypted list
        }
    }

    /** The cached list of backup {@code id}, when present and equal to what its manifest recorded. */
    static Optional<Map<String, FileList.Entry>> load(Path stateDir, Repository repository, String id) {
        if (stateDir == null) {
            return Optional.empty();
        }
        Path file = stateDir.resolve(id + ".files");
        String expected = BackupReader.metadataOf(repository, id).get(SHA_KEY);
        if (expected == null || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (!sha256(bytes).equals(expected)) {
                return Optional.empty(); // stale or altered: fall back to the repository's list
            }
            return Optional.of(FileList.read(new ByteArrayInputStream(bytes), id));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
