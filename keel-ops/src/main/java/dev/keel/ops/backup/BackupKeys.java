package dev.keel.ops.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;

/**
 * The key pairs backups are sealed to. Taking a backup needs only a public key, which lives in the
 * repository as {@code keys/<keyId>.pub}; {@code keys/current} names the newest. Restoring needs the private
 * key, which never enters the repository: it is a PEM (PKCS#8) file with mode 0600, or the same PEM text in
 * an environment variable. A key id is the first 16 hex digits of the SHA-256 of the public key's X.509 bytes.
 */
public final class BackupKeys {

    static final String KEYS_DIR = "keys/";
    static final String CURRENT = "keys/current";
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private BackupKeys() {
    }

    /**
     * Generates an RSA-3072 key pair, writes the private key to {@code privateKeyFile} (created with mode 0600,
     * never overwritten) and publishes the public key in the repository as its current key.
     *
     * @return the new key id
     */
    public static String keygen(Repository repository, Path privateKeyFile) {
        Objects.requireNonNull(repository, "null repository");
        Objects.requireNonNull(privateKeyFile, "null privateKeyFile");
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(3072);
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw BackupException.runtime("this JVM cannot generate RSA keys", null, e);
        }
        writePrivateKey(privateKeyFile, pair.getPrivate());
        String keyId = keyId(pair.getPublic());
        repository.put(KEYS_DIR + keyId + ".pub", pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        repository.put(CURRENT, (keyId + "\n").getBytes(StandardCharsets.UTF_8));
        return keyId;
    }

    private static void writePrivateKey(Path file, PrivateKey key) {
        byte[] pem = pem("PRIVATE KEY", key.getEncoded());
        Path absolute = file.toAbsolutePath();
        try {
            if (absolute.getParent() != null) {
                Files.createDirectories(absolute.getParent());
            }
            // The mode is set at creation, so the file is never readable by others, not even briefly.
            try (FileChannel channel = FileChannel.open(absolute,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
                ByteBuffer buffer = ByteBuffer.wrap(pem);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
        } catch (FileAlreadyExistsException e) {
            throw BackupException.usage("private key file " + file + " already exists",
                    "choose another file; Keel never overwrites a private key");
        } catch (UnsupportedOperationException e) {
            throw BackupException.usage("cannot create " + file + " with mode 0600 on this file system",
                    "write the private key to a POSIX file system");
        } catch (IOException e) {
            throw BackupException.runtime("could not write private key " + file + ": " + e.getMessage(), null, e);
        } finally {
            java.util.Arrays.fill(pem, (byte) 0);
        }
    }

    /** Loads a PEM (PKCS#8) private key from a file; refuses a file that group or others can read. */
    public static PrivateKey loadPrivateKey(Path file) {
        Objects.requireNonNull(file, "null file");
        try {
            if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                perms.removeAll(OWNER_ONLY);
                perms.remove(PosixFilePermission.OWNER_EXECUTE);
                if (!perms.isEmpty()) {
                    throw BackupException.usage("private key file " + file + " is readable by others ("
                            + PosixFilePermissions.toString(Files.getPosixFilePermissions(file)) + ")",
                            "chmod 600 " + file);
                }
            }
            return privateKeyFromPem(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw BackupException.usage("could not read private key file " + file + ": " + e.getMessage(),
                    "give the path of the file keygen wrote");
        }
    }

    /** Parses a PEM (PKCS#8) RSA private key, e.g. from an environment variable. */
    public static PrivateKey privateKeyFromPem(String pem) {
        Objects.requireNonNull(pem, "null pem");
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(unpem("PRIVATE KEY", pem)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw BackupException.usage("not a PEM (PKCS#8) RSA private key",
                    "give the file keygen wrote, which begins with -----BEGIN PRIVATE KEY-----");
        }
    }

    /** The public key {@code keys/<keyId>.pub} of the repository. */
    public static PublicKey publicKey(Repository repository, String keyId) {
        Objects.requireNonNull(keyId, "null keyId");
        byte[] pem = repository.get(KEYS_DIR + keyId + ".pub").orElseThrow(() -> BackupException.usage(
                "the repository has no public key " + keyId, "run keel backup keygen, or name a key listed under keys/"));
        try {
            PublicKey key = KeyFactory.getInstance("RSA").generatePublic(
                    new X509EncodedKeySpec(unpem("PUBLIC KEY", new String(pem, StandardCharsets.US_ASCII))));
            if (!keyId(key).equals(keyId)) {
                throw BackupException.runtime("keys/" + keyId + ".pub holds key " + keyId(key),
                        "the repository's key files were changed; restore them from a copy", null);
            }
            return key;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw BackupException.runtime("keys/" + keyId + ".pub is not a PEM RSA public key", null, e);
        }
    }

    /** The repository's current (newest) public key, the one new backups are sealed to. */
    public static PublicKey currentPublicKey(Repository repository) {
        Objects.requireNonNull(repository, "null repository");
        String keyId = repository.get(CURRENT)
                .map(b -> new String(b, StandardCharsets.UTF_8).trim())
                .orElseThrow(() -> BackupException.usage("the repository has no key yet",
                        "run keel backup keygen to create a key pair first"));
        return publicKey(repository, keyId);
    }

    /** The key id of a public key: the first 16 hex digits of the SHA-256 of its encoded bytes. */
    public static String keyId(PublicKey key) {
        Objects.requireNonNull(key, "null key");
        return HexFormat.of().formatHex(sha256(key.getEncoded()), 0, 8);
    }

    /** The key id of the public half of an RSA private key. */
    public static String keyId(PrivateKey key) {
        Objects.requireNonNull(key, "null key");
        if (!(key instanceof RSAPrivateCrtKey crt)) {
            throw BackupException.usage("the private key is not an RSA key with its public exponent",
                    "use the PKCS#8 file keygen wrote");
        }
        try {
            return keyId(KeyFactory.getInstance("RSA").generatePublic(
                    new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent())));
        } catch (GeneralSecurityException e) {
            throw BackupException.runtime("could not derive the public key", null, e);
        }
    }

    /**
     * Reseals a backup's data key to {@code newKey}, so {@code oldKey} can be retired; chunks are untouched.
     * The manifest is first rewritten with both sealed keys, and only once that is durable rewritten again
     * without the old one, so a crash at any point leaves a manifest some private key can open.
     */
    public static void rekey(Repository repository, String backupId, PrivateKey oldKey, PublicKey newKey) {
        Objects.requireNonNull(newKey, "null newKey");
        Manifest manifest = Manifest.read(repository, backupId);
        String newId = keyId(newKey);
        if (manifest.keyId().equals(newId)) {
            return;
        }
        byte[] dataKey = Sealing.open(manifest, oldKey);
        try {
            Manifest.SealedKey sealed = new Manifest.SealedKey(newId, Sealing.seal(dataKey, newKey));
            Manifest both = manifest.withSealedKey(sealed, java.util.List.of(manifest.sealedKey()));
            both.write(repository);
            Manifest transitional = Manifest.read(repository, backupId);
            if (!transitional.keyId().equals(newId)) {
                throw BackupException.runtime("rekey of backup " + backupId + " did not take effect",
                        "check whether another process rewrote the manifest", null);
            }
            both.withSealedKey(sealed, java.util.List.of()).write(repository);
        } finally {
            java.util.Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** SHA-256 of {@code bytes} (natively for bulk data, see {@link Crypto}). */
    static byte[] sha256(byte[] bytes) {
        try {
            return Crypto.sha256(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] unpem(String type, String pem) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("no " + begin);
        }
        return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to).replaceAll("\\s", ""));
    }
}
