package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.connect.Connections;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.function.Supplier;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

/** Health checks against the real test server and against a port nothing listens on. */
@KeelPostgres
class HealthIT {

    private static Supplier<Connection> connector(TestDatabase db) {
        return () -> {
            try {
                return db.connect();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static HealthCheck check(HealthReport r, String name) {
        return r.checks().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void run_onAHealthyServerIsReadyAndLeavesNoTrace(TestDatabase db) throws SQLException {
        HealthReport report = HealthChecks.run(connector(db), false);

        assertThat(report.checks()).extracting(HealthCheck::name)
                .containsExactly("connect", "write", "replication", "wal-archive", "disk");
        assertThat(report.status()).isNotEqualTo(HealthStatus.FAIL);
        assertThat(check(report, "connect").status()).isEqualTo(HealthStatus.OK);
        assertThat(check(report, "write").status()).isEqualTo(HealthStatus.OK);
        assertThat(check(report, "replication").detail()).isEqualTo("no replicas");
        assertThat(check(report, "disk").detail()).contains("free");
        assertThat(report.checks()).allSatisfy(c -> assertThat(c.millis()).isNotNegative());
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from pg_class where relname like 'keel_health%'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void walArchive_warnsWhenArchiveModeIsOff(@TempDir Path home) {
        // the shared test server archives, so this one gets its own server with archive_mode off
        EmbeddedPostgres server = EmbeddedPostgres.builder(home).port(0).setting("archive_mode", "off").build();
        server.start();
        try {
            HealthReport report = HealthChecks.run(() -> {
                try {
                    return server.connect("postgres");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }, false);

            assertThat(check(report, "wal-archive").status()).isEqualTo(HealthStatus.WARN);
            assertThat(check(report, "wal-archive").detail()).isEqualTo("not archiving (archive_mode off)");
            assertThat(check(report, "write").status()).isEqualTo(HealthStatus.OK);
            assertThat(report.status()).isIn(HealthStatus.WARN);
        } finally {
            server.destroy();
        }
    }

    @Test
    void run_live_runsConnectOnly(TestDatabase db) {
        HealthReport report = HealthChecks.run(connector(db), true);
        assertThat(report.checks()).extracting(HealthCheck::name).containsExactly("connect");
        assertThat(report.status()).isEqualTo(HealthStatus.OK);
    }

    @Test
    void run_onAClosedPortFailsConnectAndSkipsTheRest() {
        ConnectionSpec spec = new ConnectionSpec("127.0.0.1", EmbeddedPostgres.freeLoopbackPort(), "postgres", "keel",
                "secret", Map.of());
        HealthReport report = HealthChecks.run(() -> Connections.open(spec), false);

        assertThat(report.unreachable()).isTrue();
        assertThat(report.checks()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(HealthStatus.FAIL);
            assertThat(c.detail()).contains("127.0.0.1").doesNotContain("\n");
        });
    }
}
