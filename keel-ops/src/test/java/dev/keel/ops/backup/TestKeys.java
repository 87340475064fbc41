package dev.keel.ops.backup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/** RSA key pairs shared by the tests (generating 3072-bit keys is slow), and small read/write helpers. */
final class TestKeys {

    static final KeyPair A = generate();
    static final KeyPair B = generate();

    private TestKeys() {
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(3072);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void writeBackup(Repository repo, String id, KeyPair key, Compression c, int chunkSize,
                            Map<String, byte[]> streams) {
        BackupWriter writer = BackupWriter.open(repo, id, key.getPublic(), c, chunkSize);
        streams.forEach((name, bytes) -> {
            try (OutputStream out = writer.stream(name)) {
                out.write(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        writer.complete(Map.of("kind", "test"));
    }

    static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
