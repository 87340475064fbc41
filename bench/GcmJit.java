import java.security.Provider;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Why Keel's backups take AES-GCM from a native provider: in a fresh JVM, seals 100 MB in 4 MiB chunks the way
 * ChunkCipher does (a 4-byte length, then the chunk, one Cipher per chunk), or opens them again, while a second
 * thread runs the warm-up Keel used to run (4,000 seals of 1 KiB), and prints the wall time of the 25 chunks.
 * With the JDK's provider that time depends on whether C2 compiled GCM's callers before the chunks arrived; run it a
 * few times (bench/gcm-jit.sh does). With "accp" it uses Amazon Corretto Crypto Provider from the class path.
 * javac -d DIR bench/GcmJit.java; java -cp DIR:keel-cli/target/keel.jar GcmJit jdk|accp seal|open
 */
public class GcmJit {
    public static void main(String[] args) throws Exception {
        Provider provider = args[0].equals("accp")
                ? (Provider) Class.forName("com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider")
                        .getField("INSTANCE").get(null)
                : null;
        boolean seal = args[1].equals("seal");
        SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
        byte[] chunk = new byte[4 << 20];
        new Random(1).nextBytes(chunk);
        byte[] sealed = cipher(provider, Cipher.ENCRYPT_MODE, key, 0).doFinal(chunk);
        Thread warmup = new Thread(() -> {
            try {
                byte[] data = new byte[1024];
                byte[] small = cipher(provider, Cipher.ENCRYPT_MODE, key, 0).doFinal(data);
                for (int i = 0; i < 4000; i++) {
                    if (seal) {
                        cipher(provider, Cipher.ENCRYPT_MODE, key, i).doFinal(data);
                    } else {
                        cipher(provider, Cipher.DECRYPT_MODE, key, 0).doFinal(small);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        warmup.start();
        long t0 = System.nanoTime();
        for (int k = 0; k < 25; k++) {
            if (seal) {
                Cipher c = cipher(provider, Cipher.ENCRYPT_MODE, key, 1000 + k);
                byte[] out = new byte[c.getOutputSize(4 + chunk.length)];
                int n = c.update(new byte[] {0, 64, 0, 0}, 0, 4, out, 0);
                c.doFinal(chunk, 0, chunk.length, out, n);
            } else {
                cipher(provider, Cipher.DECRYPT_MODE, key, 0).doFinal(sealed);
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        warmup.join();
        System.out.println(ms);
    }

    static Cipher cipher(Provider provider, int mode, SecretKeySpec key, int nonce) throws Exception {
        Cipher c = provider == null ? Cipher.getInstance("AES/GCM/NoPadding") : Cipher.getInstance("AES/GCM/NoPadding", provider);
        byte[] iv = new byte[12];
        iv[0] = (byte) nonce;
        iv[1] = (byte) (nonce >> 8);
        c.init(mode, key, new GCMParameterSpec(128, iv));
        return c;
    }
}
