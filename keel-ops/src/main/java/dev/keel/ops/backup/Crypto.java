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
 * its C2 compiler has compiled, and whether that happens before a 4 MiB chunk arrives is a race. Measured on 100 MB
 * in 4 MiB chunks: 0.23 s or 1.1-1.3 s, run to run, for the same code (bench/RESULTS.md), and a backup with the
 * JDK's GCM spent 0.9 CPU s in GHASH's plain Java loop. ACCP takes about 0.1 s to load, which {@link Warmup} does
 * on a background thread; its output is standard AES-GCM and SHA-256, so backups read the same either way.
 */
final class Crypto {

    private static final Object LOCK = new Object();
    private static volatile Optional<Provider> provider;

    private Crypto() {
    }

    /** ACCP when it loaded and passed its self-test on this machine; empty means the JDK's providers. */
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

    /** A new AES/GCM/NoPadding cipher. */
    static Cipher gcm() throws GeneralSecurityException {
        Optional<Provider> p = provider();
        return p.isPresent() ? Cipher.getInstance("AES/GCM/NoPadding", p.get()) : Cipher.getInstance("AES/GCM/NoPadding");
    }

    /** A new SHA-256 digest. */
    static MessageDigest sha256() throws GeneralSecurityException {
        Optional<Provider> p = provider();
        return p.isPresent() ? MessageDigest.getInstance("SHA-256", p.get()) : MessageDigest.getInstance("SHA-256");
    }
}
