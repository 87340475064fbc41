package dev.keel.core.connect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretsTest {

    @Test
    void mask_hidesPasswordsInsideUrls() {
        assertThat(Secrets.mask("cannot use postgresql://app:Zx9-secret@db:5432/shop now"))
                .isEqualTo("cannot use postgresql://app:********@db:5432/shop now");
        assertThat(Secrets.mask("jdbc:postgresql://db/shop?user=app&password=Zx9-secret&ssl=true"))
                .doesNotContain("Zx9-secret").contains("user=app").contains("ssl=true");
    }

    @Test
    void mask_hidesPasswordsWithAtSigns() {
        assertThat(Secrets.mask("postgresql://app:p@ss@w0rd@db/shop")).doesNotContain("p@ss").doesNotContain("w0rd")
                .endsWith("@db/shop");
    }

    @Test
    void mask_hidesRegisteredSecretsAnywhere() {
        Secrets.register("correct-horse-battery");
        assertThat(Secrets.mask("server said: correct-horse-battery is wrong")).doesNotContain("correct-horse-battery");
    }

    @Test
    void mask_leavesUrlsWithoutPasswordsAlone() {
        assertThat(Secrets.mask("postgresql://app@db:5432/shop")).isEqualTo("postgresql://app@db:5432/shop");
        assertThat(Secrets.mask("postgresql://db:5432/shop")).isEqualTo("postgresql://db:5432/shop");
    }
}
