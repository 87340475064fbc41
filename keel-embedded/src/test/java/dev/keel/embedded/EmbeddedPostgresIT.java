package dev.keel.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresIT {

    @TempDir
    Path tmp;
    EmbeddedPostgres pg;

    @BeforeEach
    void setUp() {
        pg = EmbeddedPostgres.builder(tmp.resolve(".keel/pg")).build();
    }

    @AfterEach
    void tearDown() {
        pg.destroy();
    }

    @Test
    void start_initialisesWithLoopbackOnlyAndSecretPassword() throws Exception {
        ServerStatus status = pg.start();

        assertThat(status.running()).isTrue();
        assertThat(status.port()).isPositive();
        assertThat(Files.getPosixFilePermissions(pg.passwordFile()))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (Connection c = pg.connect("postgres")) {
            assertThat(setting(c, "listen_addresses")).isEqualTo("127.0.0.1");
            assertThat(setting(c, "wal_level")).isEqualTo("logical");
            assertThat(setting(c, "synchronous_commit")).isEqualTo("on");
            assertThat(setting(c, "track_io_timing")).isEqualTo("on");
            assertThat(setting(c, "shared_preload_libraries")).contains("pg_stat_statements");
        }
    }

    @Test
    void start_twiceIsANoOpWithTheSamePid() {
        ServerStatus first = pg.start();
        ServerStatus second = pg.start();

        assertThat(second.pid()).isEqualTo(first.pid());
        assertThat(second.port()).isEqualTo(first.port());
    }

    @Test
    void wrongPassword_isRefused() {
        pg.start();
        assertThatThrownBy(() -> java.sql.DriverManager.getConnection(pg.jdbcUrl("postgres"), "keel", "not-it"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
    }

    @Test
    void stopThenStart_keepsTheData() throws Exception {
        pg.start();
        pg.ensureDatabase("shop");
        try (Connection c = pg.connect("shop"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2), (3)");
        }
        pg.stop();
        assertThat(pg.status().running()).isFalse();

        pg.start();
        assertThat(count(pg, "shop", "SELECT count(*) FROM kept")).isEqualTo(3);
    }

    @Test
    void killNine_isRecoveredByTheNextStart() throws Exception {
        ServerStatus status = pg.start();
        pg.ensureDatabase("shop");
        try (Connection c = pg.connect("shop"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)");
        }
        ProcessHandle postmaster = ProcessHandle.of(status.pid().getAsInt()).orElseThrow();
        new ProcessBuilder("kill", "-9", String.valueOf(postmaster.pid())).start().waitFor(10, TimeUnit.SECONDS);
        postmaster.onExit().get(10, TimeUnit.SECONDS);
        assertThat(Files.exists(pg.dataDir().resolve("postmaster.pid"))).isTrue();
        assertThat(pg.status().running()).isFalse();

        ServerStatus again = pg.start();

        assertThat(again.running()).isTrue();
        assertThat(again.pid()).isNotEqualTo(status.pid());
        assertThat(count(pg, "shop", "SELECT count(*) FROM kept")).isEqualTo(1);
    }

    @Test
    void status_reportsProviderVersionAndSize() {
        pg.start();
        ServerStatus s = pg.status();
        assertThat(s.initialized()).isTrue();
        assertThat(s.version()).matches("\\d+(\\.\\d+)?");
        assertThat(s.sizeBytes()).isGreaterThan(1_000_000L);
        assertThat(s.dataDir()).isEqualTo(pg.dataDir());
    }

    @Test
    void zonkyProvider_runsTheBundledBinaries() throws Exception {
        EmbeddedPostgres zonky = EmbeddedPostgres.builder(tmp.resolve("zonky/pg")).provider(Provider.ZONKY).build();
        try {
            ServerStatus s = zonky.start();
            assertThat(s.provider()).isEqualTo(Provider.ZONKY);
            assertThat(s.version()).startsWith("15.");
            try (Connection c = zonky.connect("postgres")) {
                assertThat(setting(c, "server_version")).startsWith("15.");
            }
        } finally {
            zonky.destroy();
        }
    }

    private static String setting(Connection c, String name) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(EmbeddedPostgres pg, String db, String sql) throws SQLException {
        try (Connection c = pg.connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
