package dev.keel.server;

import static java.util.Objects.requireNonNull;

import dev.keel.core.KeelException;
import dev.keel.core.connect.Secrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The server's bearer token: 32 random bytes, base64url, created on the first start in {@code .keel/server-token}
 * with mode 0600 and reused afterwards. It is registered with {@link Secrets} so that masking hides it wherever it
 * might turn up, and compared in constant time.
 */
public final class ServerToken {

    public static final String FILE_NAME = "server-token";

    private final String value;
    private final Path file;
    private final boolean created;

    private ServerToken(String value, Path file, boolean created) {
        this.value = value;
        this.file = file;
        this.created = created;
        Secrets.register(value);
    }

    /** The token in {@code file}, or a new one written there (0600) when the file does not exist. */
    public static ServerToken loadOrCreate(Path file) {
        requireNonNull(file, "null file");
        try {
            if (Files.exists(file)) {
                return new ServerToken(read(file), file, false);
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            byte[] bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            String value = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            try {
                // created 0600 at once, so there is no moment in which others could read it
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException raced) {
                return new ServerToken(read(file), file, false);
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(file);
            }
            Files.writeString(file, value + "\n", StandardCharsets.US_ASCII);
            return new ServerToken(value, file, true);
        } catch (IOException e) {
            throw new KeelException("cannot read or create the server token " + file + ": " + e.getMessage(),
                    "check that the directory is writable by this user", KeelException.RUNTIME, e);
        }
    }

    private static String read(Path file) throws IOException {
        String value = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (value.length() < 16) {
            throw new KeelException("the server token in " + file + " is too short to be safe",
                    "delete the file; keel serve creates a new token on its next start", KeelException.RUNTIME, null);
        }
        return value;
    }

    /** The token itself: print it once, when {@link #created()}, and never log it. */
    public String value() {
        return value;
    }

    public Path file() {
        return file;
    }

    /** True when this start created the token (the only time the CLI prints it). */
    public boolean created() {
        return created;
    }

    /** Deletes the file when this start created it, so that a start that failed leaves no token nobody was shown. */
    void discardIfCreated() {
        if (created) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // the next start reuses it; the file still holds a valid token
            }
        }
    }

    /** Whether {@code candidate} is the token, in time independent of where they differ. */
    boolean matches(String candidate) {
        if (candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "ServerToken[" + file + "]";
    }
}
