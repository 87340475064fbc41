package dev.keel.ops.backup;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/** Seals a backup's 256-bit data key to an RSA public key with OAEP (SHA-256, MGF1-SHA-256). */
final class Sealing {

    static final OAEPParameterSpec OAEP = new OAEPParameterSpec(
            "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);

    private Sealing() {
    }

    static byte[] seal(byte[] dataKey, PublicKey key) {
        try {
            Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
            rsa.init(Cipher.ENCRYPT_MODE, key, OAEP);
            return rsa.doFinal(dataKey);
        } catch (GeneralSecurityException e) {
            throw BackupException.runtime("could not seal the data key: " + e.getMessage(), null, e);
        }
    }

    /**
     * Opens the data key of {@code manifest} with {@code key}. The key ids are compared first, so the wrong
     * key is reported by name before anything is decrypted.
     */
    static byte[] open(Manifest manifest, PrivateKey key) {
        List<Manifest.SealedKey> candidates = new ArrayList<>();
        candidates.add(manifest.sealedKey());
        candidates.addAll(manifest.retiringKeys());
        return open("backup " + manifest.backupId(), candidates, key);
    }

    /** Opens whichever of {@code candidates} is sealed to {@code key}; {@code owner} names the object in errors. */
    static byte[] open(String owner, List<Manifest.SealedKey> candidates, PrivateKey key) {
        Objects.requireNonNull(key, "null private key");
        String given = BackupKeys.keyId(key);
        Manifest.SealedKey match = candidates.stream().filter(s -> s.keyId().equals(given)).findFirst()
                .orElseThrow(() -> {
                    String sealedTo = candidates.stream().map(Manifest.SealedKey::keyId)
                            .collect(Collectors.joining(", "));
                    return BackupException.usage(owner + " is sealed to key " + sealedTo
                                    + ", the given private key is " + given,
                            "give the private key whose public half is keys/" + candidates.get(0).keyId() + ".pub");
                });
        try {
            Cipher rsa = Crypto.rsaOaep(key, OAEP);
            byte[] dataKey = rsa.doFinal(match.sealed());
            if (dataKey.length != 32) {
                throw new GeneralSecurityException("data key has " + dataKey.length + " bytes");
            }
            return dataKey;
        } catch (GeneralSecurityException e) {
            throw BackupException.runtime("could not open the data key of " + owner
                    + " with key " + given + ": " + e.getMessage(), "the manifest may be damaged", e);
        }
    }
}
