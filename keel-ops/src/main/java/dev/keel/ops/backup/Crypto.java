package dev.keel.ops.backup;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Provider;
import java.util.Optional;
import javax.crypto.Cipher;

/**
 * Where the bulk cryptography of backups comes from: AES-256-GCM for every chunk and SHA-256 of every chunk file.
 * Amazon Corretto Crypto Provider (ACCP: AWS-LC, native) when it loads on this platform, else the JDK's own.
 *
 * <p>Why not the JDK's: HotSpot uses the CPU's AES and carry-less multiply instructions for GCM only from callers
 * its C2 compiler has compiled, and a backup hands it a few dozen 4 MiB chunks, not the thousands of calls C2 waits
 * for. bench/gcm-jit.sh: 100 MB sealed in 4 MiB chunks in a fresh JVM, with the old warm-up beside it, takes
 * 1.4-1.7 s with the JDK's provider and 0.11-0.17 s with ACCP; a backup with the JDK's GCM spent 0.9 CPU s in
 * GHASH's plain Java loop (perf). ACCP takes about 0.1 s to load, so it is used only where it pays: once a caller
 * has said bulk work lies ahead ({@link #wantNative}, which {@link Warmup} calls at the start of every backup, restore,
 * verify and dump, and loads it on a background thread), for inputs of {@value #BULK} bytes or more. A WAL push or
 * fetch (one segment, a JVM of its own), key ids and manifests use the JDK's: measured on a pgbench segment, a push
 * took 0.35-0.39 s with the JDK's GCM and 0.48-0.55 s loading ACCP for it (bench/RESULTS.md). Either way the output is standard AES-GCM
 * and SHA-256, so backups read the same.
 */
final class Crypto {

    /** The smallest input worth the native provider once bulk work was announced. */
    static final int BULK = 64 * 1024;

    private static final Object LOCK = new Object();
    private static volatile boolean wanted;
    private static volatile Optional<Provider> provider;

    private Crypto() {
    }

    /** Bulk work lies ahead: from now on large inputs go to the native provider (loaded on first use). */
    static void wantNative() {
        wanted = true;
    }

    /** ACCP when it loaded and passed its self-test on this machine, loading it if needed; empty means the JDK's. */
    static Optional<Provider> provider() {
        Optional<Provider> p = provider;
        if (p == null) {
            synchronized (LOCK) {
                p = provider;
                if (p == null) {
                    p = load();
                    provider = p;
                }
            }
        }
        return p;
    }

    /** The provider for an input of {@code bytes}: native only after {@link #wantNative} and for bulk inputs. */
    static Optional<Provider> forInput(long bytes) {
        return wanted && bytes >= BULK ? provider() : Optional.empty();
    }

    private static Optional<Provider> load() {
        try {
            AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
            if (accp.getLoadingError() != null) {
                return Optional.empty();
            }
            accp.assertHealthy();
            return Optional.of(accp);
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty(); // no native library for this platform: the JDK's code is correct, only slower
        }
    }

    /** A new AES/GCM/NoPadding cipher for an input of {@code bytes}. */
    static Cipher gcm(long bytes) throws GeneralSecurityException {
        Optional<Provider> p = forInput(bytes);
        return p.isPresent() ? Cipher.getInstance("AES/GCM/NoPadding", p.get()) : Cipher.getInstance("AES/GCM/NoPadding");
    }

    /**
     * An RSA-OAEP cipher initialised to decrypt with {@code key}: the native provider's once bulk work was announced
     * (a restore or verify starts loading it before reading the project, so it is there by the time a data key is
     * unsealed), else the JDK's. The restore's JVM runs C1 only, where the JDK's RSA-3072 private operation takes
     * tens of milliseconds (no Montgomery intrinsics).
     */
    static Cipher rsaOaep(java.security.PrivateKey key, javax.crypto.spec.OAEPParameterSpec oaep)
            throws GeneralSecurityException {
        Optional<Provider> p = wanted ? provider() : Optional.empty();
        if (p.isPresent()) {
            try {
                Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding", p.get());
                c.init(Cipher.DECRYPT_MODE, key, oaep);
                return c;
            } catch (GeneralSecurityException | RuntimeException e) {
                // this key or these parameters are not for the native provider: the JDK's takes them
            }
        }
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
        c.init(Cipher.DECRYPT_MODE, key, oaep);
        return c;
    }

    /** The SHA-256 of {@code data}. */
    static byte[] sha256(byte[] data) throws GeneralSecurityException {
        return sha256(data, 0, data.length);
    }

    /** The SHA-256 of {@code data[off, off + len)}. */
    static byte[] sha256(byte[] data, int off, int len) throws GeneralSecurityException {
        Optional<Provider> p = forInput(len);
        MessageDigest md = p.isPresent() ? MessageDigest.getInstance("SHA-256", p.get()) : MessageDigest.getInstance("SHA-256");
        md.update(data, off, len);
        return md.digest();
    }
}
