package dev.keel.ops.backup;

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

    /**
     * The plain copy of a list as it is written: its SHA-256, and the list itself streamed into a temporary file of
     * the state directory (none without one), so that a list of millions of blocks is never held in memory twice.
     * {@link #keep} puts the file in place once the backup is complete; {@link #close} removes it otherwise. Keeping
     * it is best effort: a failure only costs the next incremental the key.
     */
    static final class Copy implements AutoCloseable {
        private final java.security.MessageDigest sha = sha256Digest();
        private final Path stateDir;
        private final String id;
        private Path temp;
        private OutputStream file;

        private Copy(Path stateDir, String id) {
            this.stateDir = stateDir;
            this.id = id;
            if (stateDir == null) {
                return;
            }
            try {
                Files.createDirectories(stateDir);
                Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
                try (var stale = Files.newDirectoryStream(stateDir, ".*.files.tmp")) {
                    for (Path p : stale) { // left by a backup that was killed (one backup at a time per project)
                        Files.deleteIfExists(p);
                    }
                }
                temp = stateDir.resolve("." + id + ".files.tmp");
                file = new java.io.BufferedOutputStream(Files.newOutputStream(Files.createFile(temp,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))), 1 << 16);
            } catch (IOException | UnsupportedOperationException e) {
                drop();
            }
        }

        /** A copy of backup {@code id}'s list, kept in {@code stateDir} (may be null: only the SHA-256 is taken). */
        static Copy of(Path stateDir, String id) {
            return new Copy(stateDir, id);
        }

        /** {@code out}, with everything written to it also copied here. */
        OutputStream tee(OutputStream out) {
            return new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    copy(b, off, len);
                }

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }
            };
        }

        private void copy(byte[] b, int off, int len) {
            sha.update(b, off, len);
            if (file != null) {
                try {
                    file.write(b, off, len);
                } catch (IOException e) {
                    drop();
                }
            }
        }

        /** The SHA-256 of the list, once it is written whole; call once. */
        String sha256() {
            return HexFormat.of().formatHex(sha.digest());
        }

        /** Keeps the list as backup {@code id}'s, for incrementals on it. */
        void keep() {
            if (file == null) {
                return;
            }
            try {
                file.close();
                file = null;
                Files.move(temp, stateDir.resolve(id + ".files"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                temp = null;
            } catch (IOException e) {
                drop();
            }
        }

        @Override
        public void close() {
            drop();
        }

        private void drop() {
            if (file != null) {
                try {
                    file.close();
                } catch (IOException ignored) {
                    // removed below
                }
                file = null;
            }
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a stray temporary file; the next copy removes it
                }
                temp = null;
            }
        }
    }

    private static java.security.MessageDigest sha256Digest() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
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
        java.security.MessageDigest sha = sha256Digest();
        Map<String, FileList.Entry> list;
        try (java.io.InputStream in = new java.security.DigestInputStream(new java.io.BufferedInputStream(
                Files.newInputStream(file), 1 << 16), sha)) {
            list = FileList.read(new java.io.FilterInputStream(in) {
                @Override
                public void close() {
                    // left open: what follows the last entry is digested below
                }
            }, id);
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable or not a list: the repository's list is read instead
        }
        // compared after parsing, so the file is read once and never held whole
        return HexFormat.of().formatHex(sha.digest()).equals(expected) ? Optional.of(list) : Optional.empty();
    }
}
