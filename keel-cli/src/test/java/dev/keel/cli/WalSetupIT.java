package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel wal setup on a server that is not the embedded default: settings shown, applied, restart named, proved. */
class WalSetupIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    EmbeddedPostgres server;
    String url;

    @BeforeEach
    void start() throws Exception {
        server = EmbeddedPostgres.builder(dir.resolve("server")).setting("archive_mode", "off").build();
        server.start();
        try (Connection c = server.connect("postgres"); Statement st = c.createStatement()) {
            st.execute("create role app login password 'app-secret-pw'");
        }
        url = "postgresql://keel:" + server.password() + "@127.0.0.1:" + server.port() + "/postgres";
        assertThat(Run.keel("init", dir.resolve("project").toString()).exitCode()).isZero();
        assertThat(Run.keel("backup", "keygen", "--project", dir.resolve("project/keel.yaml").toString()).exitCode()).isZero();
    }

    @AfterEach
    void stop() {
        server.destroy();
    }

    @Test
    void setup_showsAppliesNamesTheRestart_thenProvesArchiving() throws Exception {
        String p = dir.resolve("project/keel.yaml").toString();
        Run shown = Run.keel("wal", "setup", "--url", url, "--project", p);
        assertThat(shown.exitCode()).as(shown.all()).isEqualTo(1);
        assertThat(shown.out()).contains("archive_mode     needs on (restart), now off").contains("keel wal setup --apply");
        assertThat(shown.all()).doesNotContain(server.password());

        Run applied = Run.keel("wal", "setup", "--apply", "--json", "--url", url, "--project", p);
        assertThat(applied.exitCode()).as(applied.all()).isEqualTo(1);
        JsonNode a = JSON.readTree(applied.out());
        assertThat(a.get("restartNeeded").toString()).contains("archive_mode");
        assertThat(a.get("provedWith").isNull()).isTrue();

        server.stop();
        server.start();
        Run proved = Run.keel("wal", "setup", "--apply", "--url", url, "--project", p);
        assertThat(proved.exitCode()).as(proved.all()).isZero();
        assertThat(proved.out()).containsPattern("Archiving works: segment [0-9A-F]{24} was archived");
        Run status = Run.keel("wal", "status", "--json", "--url", url, "--project", p);
        assertThat(status.exitCode()).as(status.all()).isZero();
        assertThat(JSON.readTree(status.out()).get("lagSegments").asLong()).isLessThanOrEqualTo(1);
    }

    @Test
    void setup_withoutTheRight_namesTheGrant() {
        String p = dir.resolve("project/keel.yaml").toString();
        String app = "postgresql://app:app-secret-pw@127.0.0.1:" + server.port() + "/postgres";
        Run denied = Run.keel("wal", "setup", "--apply", "--url", app, "--project", p);
        assertThat(denied.exitCode()).isEqualTo(2);
        assertThat(denied.err().lines()).singleElement().asString()
                .contains("GRANT ALTER SYSTEM ON PARAMETER wal_level, archive_mode, archive_command, archive_timeout TO app");
        assertThat(denied.all()).doesNotContain("app-secret-pw");
    }
}
