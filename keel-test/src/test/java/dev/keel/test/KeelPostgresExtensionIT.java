package dev.keel.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

@KeelPostgres(migrations = "classpath:db/sample")
class KeelPostgresExtensionIT {

    @Test
    void migrations_areAppliedInVersionOrderThenRepeatables(TestDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT note_count(), (SELECT count(*) FROM note_authors)")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(2);
            assertThat(rs.getLong(2)).isEqualTo(1);
        }
    }

    @Test
    void database_isRealPostgresWithStatementStatistics(TestDatabase db) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_database(), current_setting('shared_preload_libraries')")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(db.name()).startsWith("t_keelpostgresextensionit_");
            assertThat(rs.getString(2)).contains("pg_stat_statements");
        }
    }

    @Test
    void leakedConnection_failsTheTestThatOpenedIt() {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(LeakyTests.class)).execute()
                .testEvents();

        tests.assertStatistics(s -> s.succeeded(1).failed(1));
        Event failed = tests.failed().stream().findFirst().orElseThrow();
        Throwable error = failed.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow();
        assertThat(error).hasMessageContaining("left open by leaks(TestDatabase)");
        assertThat(error.getSuppressed()).hasSize(1);
    }

    @Test
    void connectionOpenedAroundTestDatabase_failsTheClass() {
        Events containers = EngineTestKit.engine("junit-jupiter").selectors(selectClass(PoolNotClosed.class)).execute()
                .containerEvents();

        List<Throwable> errors = containers.failed().stream()
                .map(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                        .getThrowable().orElseThrow())
                .toList();
        assertThat(errors).singleElement().satisfies(e ->
                assertThat(e).hasMessageContaining("still open after PoolNotClosed"));
    }

    @Test
    void eachClass_getsItsOwnDatabase(TestDatabase db) {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(LeakyTests.class)).execute()
                .testEvents();
        assertThat(tests.started().count()).isEqualTo(2);
        assertThat(db.name()).doesNotContain("leakytests");
    }

    @KeelPostgres
    static class LeakyTests {
        @Test
        void leaks(TestDatabase db) throws SQLException {
            db.connect();
        }

        @Test
        void closes(TestDatabase db) throws SQLException {
            try (Connection c = db.connect()) {
                assertThat(c.isValid(1)).isTrue();
            }
        }
    }

    @KeelPostgres
    static class PoolNotClosed {
        static Connection outside;

        @Test
        void opensWithoutTracking(TestDatabase db) throws SQLException {
            outside = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        }
    }
}
