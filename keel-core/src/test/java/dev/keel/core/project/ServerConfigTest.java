package dev.keel.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel.yaml's server keys: defaults, the values read, and the refusals naming file, line and key. */
class ServerConfigTest {

    @TempDir
    Path dir;

    private Project load(String yaml) throws Exception {
        Files.writeString(dir.resolve("keel.yaml"), yaml);
        return ProjectLoader.load(null, dir, Map.of());
    }

    @Test
    void server_absent_isLoopback7432WithoutTlsOrJobs() throws Exception {
        ProjectConfig.ServerConfig s = load("name: shop\n").config().server();
        assertThat(s.bind()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isEqualTo(7432);
        assertThat(s.tlsConfig()).isEmpty();
        assertThat(s.jobs().intervals()).isEmpty();
        assertThat(ProjectConfig.EMPTY.server()).isEqualTo(s);
    }

    @Test
    void server_readsPortBindTlsAndJobs() throws Exception {
        ProjectConfig.ServerConfig s = load("""
                server:
                  port: 9000
                  bind: 0.0.0.0
                  tls:
                    keystore: .keel/server.p12
                    password-env: KEEL_TLS_PASSWORD
                  jobs:
                    snapshot: 1h
                    verify: 24h
                """).config().server();
        assertThat(s.port()).isEqualTo(9000);
        assertThat(s.bind()).isEqualTo("0.0.0.0");
        assertThat(s.tlsConfig()).contains(new ProjectConfig.TlsConfig(".keel/server.p12", "KEEL_TLS_PASSWORD"));
        assertThat(s.jobs().intervals()).containsExactly(Map.entry("snapshot", Duration.ofHours(1)),
                Map.entry("verify", Duration.ofHours(24)));
    }

    @Test
    void server_badValues_nameFileLineAndKey() {
        assertThatThrownBy(() -> load("server:\n  port: 70000\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:2 (server.port)");
        assertThatThrownBy(() -> load("server:\n  jobs:\n    check: often\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:3 (server.jobs.check)").hasMessageContaining("not a duration");
        assertThatThrownBy(() -> load("server:\n  tls:\n    keystore: k.p12\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("password-env");
        assertThatThrownBy(() -> load("server:\n  tls:\n    keystore: k.p12\n    password: hunter2\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key");
    }
}
