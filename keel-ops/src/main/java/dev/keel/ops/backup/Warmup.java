package dev.keel.ops.backup;

import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Gets the JIT to compile the JDK's AES-GCM and SHA-256 code early. HotSpot uses its AES, GHASH and SHA
 * instructions only from compiled callers, and a backup calls them a few hundred times with megabytes each:
 * left alone, most of the data goes through the interpreted Java versions (measured: GHASH alone took about
 * half of a backup's CPU). A few thousand small calls on a background thread at the start fix that.
 */
final class Warmup {

    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private Warmup() {
    }

    /** Starts the warm-up once per JVM, on a daemon thread; returns at once. */
    static void crypto() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(Warmup::run, "keel-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void run() {
        try {
            SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
            byte[] data = new byte[1024];
            byte[] nonce = new byte[12];
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < 12_000; i++) {
                nonce[0] = (byte) i;
                nonce[1] = (byte) (i >> 8);
                Cipher enc = Cipher.getInstance("AES/GCM/NoPadding");
                enc.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
                byte[] sealed = enc.doFinal(data);
                Cipher dec = Cipher.getInstance("AES/GCM/NoPadding");
                dec.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
                dec.doFinal(sealed);
                sha.update(data);
                sha.digest();
            }
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            // only a speed-up
        }
    }
}
