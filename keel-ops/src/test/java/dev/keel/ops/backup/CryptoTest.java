package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class CryptoTest {

    private static final SecretKeySpec KEY = new SecretKeySpec(new byte[32], "AES");

    @Test
    void bulkInputs_goToTheNativeProvider_onceWanted_andSmallOnesNever() {
        Crypto.wantNative();

        assertThat(Crypto.forInput(Crypto.BULK)).isEqualTo(Crypto.provider());
        assertThat(Crypto.forInput(Crypto.BULK - 1)).isEmpty();
        // On Linux x86-64, where CI runs, the native provider must load: else backups silently lose its speed.
        if (System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64")) {
            assertThat(Crypto.provider()).hasValueSatisfying(p -> assertThat(p.getName()).contains("Corretto"));
        }
    }

    @Test
    void whatOneProviderSeals_theOtherOpens_andTheirHashesAgree() throws Exception {
        Crypto.wantNative();
        byte[] data = new byte[Crypto.BULK * 3];
        new Random(5).nextBytes(data);
        byte[] nonce = new byte[12];

        Cipher bulk = Crypto.gcm(data.length);
        bulk.init(Cipher.ENCRYPT_MODE, KEY, new GCMParameterSpec(128, nonce));
        byte[] sealed = bulk.doFinal(data);
        Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
        jdk.init(Cipher.DECRYPT_MODE, KEY, new GCMParameterSpec(128, nonce));

        assertThat(jdk.doFinal(sealed)).isEqualTo(data);
        assertThat(Crypto.sha256(data)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void aDataKeySealedByTheJdk_opensWithTheNativeRsa_onceWanted() throws Exception {
        Crypto.wantNative();
        byte[] dataKey = new byte[32];
        new Random(7).nextBytes(dataKey);
        byte[] sealed = Sealing.seal(dataKey, TestKeys.A.getPublic());

        Cipher rsa = Crypto.rsaOaep(TestKeys.A.getPrivate(), Sealing.OAEP);

        assertThat(rsa.doFinal(sealed)).isEqualTo(dataKey);
        // A restore unseals under C1, where the JDK's RSA takes tens of milliseconds: on CI's platform it must be native.
        if (System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64")) {
            assertThat(rsa.getProvider().getName()).contains("Corretto");
        }
    }
}
