package dev.keel.ops.backup;

import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Loads the native crypto provider ({@link Crypto}) early, on a background thread; where it does not load, gets the
 * JIT to compile the JDK's AES-GCM and SHA-256 code early instead. HotSpot uses its AES, GHASH and SHA
 * instructions only from compiled callers, and a backup calls them a few hundred times with megabytes each:
 * left alone, most of the data goes through the interpreted Java versions (measured: GHASH alone took about
 * half of a backup's CPU). A few thousand small calls on a background thread at the start fix that.
 */
final class Warmup {

    private static final AtomicBoolean ENCRYPT = new AtomicBoolean();
    private static final AtomicBoolean DECRYPT = new AtomicBoolean();
    // Enough calls for C2 to compile the hot JDK methods (its threshold counts calls and loop iterations);
    // more would only take CPU from the backup on a two-core machine.
    private static final int ROUNDS = 4_000;

    private Warmup() {
    }

    /** Warms up encryption and SHA-256 once per JVM, on a daemon thread; returns at once. */
    static void encrypt() {
        if (ENCRYPT.compareAndSet(false, true)) {
            start(true);
        }
    }

    /** Warms up decryption and SHA-256 once per JVM, on a daemon thread; returns at once. */
    static void decrypt() {
        if (DECRYPT.compareAndSet(false, true)) {
            start(false);
        }
    }

    private static void start(boolean encrypt) {
        Crypto.wantNative();
        Thread t = new Thread(() -> {
            if (Crypto.provider().isEmpty()) { // with the native provider there is nothing to compile
                run(encrypt);
            }
        }, "keel-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void run(boolean encryptOnly) {
        try {
            SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
            byte[] data = new byte[1024];
            byte[] nonce = new byte[12];
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Cipher enc = Cipher.getInstance("AES/GCM/NoPadding");
            enc.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            byte[] sealed = enc.doFinal(data);
            // One Cipher, re-initialised: a new one per round would expand the AES key each time, and that
            // code is not what a backup runs hot.
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            for (int i = 0; i < ROUNDS; i++) {
                nonce[0] = (byte) i;
                nonce[1] = (byte) (i >> 8);
                if (encryptOnly) {
                    c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
                    c.doFinal(data);
                } else {
                    c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, new byte[12]));
                    c.doFinal(sealed);
                }
                sha.update(data);
                sha.digest();
            }
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            // only a speed-up
        }
    }
}
