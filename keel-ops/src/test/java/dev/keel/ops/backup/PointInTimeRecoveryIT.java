package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.progress.Progress;
import dev.keel.embedded.BinaryLocator;
import dev.keel.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous archiving through the real archive_command (a JVM per push), then point-in-time restores to a
 * time, an LSN and a named restore point: exactly the rows committed before each target exist.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PointInTimeRecoveryIT {

    @TempDir
    static Path tmp;
    EmbeddedPostgres source;
    LocalRepository repo;
    Path keyFile;
    Instant betweenOneAndTwo;
    String afterTwoLsn;
    String segmentArchivedBySetup;

    @BeforeAll
    void archiveAndWrite() throws Exception {
        source = EmbeddedPostgres.builder(tmp.resolve("source")).build();
        source.start();
        source.ensureDatabase("shop");
        repo = new LocalRepository(tmp.resolve("repo"));
        keyFile = tmp.resolve("backup.key");
        BackupKeys.keygen(repo, keyFile);
        try (Connection c = source.connect("shop"); Statement st = c.createStatement()) {
            List<WalSetup.Setting> wanted = WalSetup.wanted(c, WalCommandLine.archiveCommand(repo.root(), Compression.ZSTD));
            WalSetup.Applied applied = WalSetup.apply(c, wanted);
            assertThat(applied.pendingRestart()).as("the embedded server archives from the start").isEmpty();
            try {
                segmentArchivedBySetup = WalSetup.prove(c, Duration.ofMinutes(2));
            } catch (BackupException e) {
                throw new AssertionError(e.getMessage() + "\n" + java.nio.file.Files.readString(tmp.resolve("source/server.log")), e);
            }

            ConnectionSpec spec = new ConnectionSpec("127.0.0.1", source.port(), "shop", EmbeddedPostgres.SUPERUSER,
                    source.password(), Map.of());
            BaseBackups.full(spec, BinaryLocator.clientProgram("pg_basebackup", source.binaries()).orElseThrow(), repo,
                    Compression.ZSTD, "15", Progress.silent());

            st.execute("create table events(id int primary key)");
            st.execute("insert into events values (1)");
            Thread.sleep(20);
            betweenOneAndTwo = now(st);
            Thread.sleep(20);
            st.execute("insert into events values (2)");
            afterTwoLsn = one(st, "select pg_current_wal_lsn()::text");
            st.execute("insert into events values (3)");
            st.execute("select pg_create_restore_point('after-three')");
            st.execute("insert into events values (4)");
            WalSetup.prove(c, Duration.ofMinutes(2)); // switch and wait: everything above is archived
        }
    }

    @AfterAll
    void stop() {
        source.destroy();
    }

    private static Instant now(Statement st) throws Exception {
        try (ResultSet rs = st.executeQuery("select clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    private static String one(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private List<Integer> restoreTo(Recovery.Target target, String name) throws Exception {
        Recovery.Plan plan = Recovery.plan(repo, target, null);
        assertThat(plan.useArchive()).isTrue();
        PrivateKey key = BackupKeys.loadPrivateKey(keyFile);
        Path dir = tmp.resolve(name).resolve("data");
        BaseBackups.restore(repo, plan.backupId(), key, dir, false, Progress.silent());
        Recovery.configure(dir, target, WalCommandLine.restoreCommand(repo.root(), Optional.of(keyFile)));
        int port = RestoredServer.start(source.binaries(), dir, 0);
        try {
            Recovery.awaitEnd(dir.resolveSibling("data.log"), Duration.ofMinutes(3));
            Properties p = new Properties();
            p.setProperty("user", EmbeddedPostgres.SUPERUSER);
            p.setProperty("password", source.password());
            List<Integer> ids = new ArrayList<>();
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/shop", p);
                 Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select id from events order by id")) {
                while (rs.next()) {
                    ids.add(rs.getInt(1));
                }
                // The restored copy is writable (promoted) and does not archive into the source's repository.
                assertThat(one(st, "select pg_is_in_recovery()::text")).isEqualTo("false");
                assertThat(one(st, "show archive_mode")).isEqualTo("off");
            }
            return ids;
        } finally {
            RestoredServer.stop(source.binaries(), dir);
        }
    }

    @Test
    void setupProvedArchivingWithATestSegment() {
        assertThat(new WalArchive(repo).list()).extracting(WalArchive.Entry::name).contains(segmentArchivedBySetup);
        assertThat(new WalArchive(repo).verify()).isEmpty();
    }

    @Test
    void restoreToATime_hasExactlyTheRowsCommittedBefore() throws Exception {
        assertThat(restoreTo(new Recovery.Target.Time(betweenOneAndTwo), "time")).containsExactly(1);
    }

    @Test
    void restoreToAnLsn_hasTheRowsCommittedBeforeIt() throws Exception {
        assertThat(restoreTo(new Recovery.Target.Lsn(WalArchive.parseLsn(afterTwoLsn)), "lsn")).containsExactly(1, 2);
    }

    @Test
    void restoreToANamedPoint_hasTheRowsCommittedBeforeIt() throws Exception {
        assertThat(restoreTo(new Recovery.Target.Name("after-three"), "name")).containsExactly(1, 2, 3);
    }

    @Test
    void restoreToTheEndOfTheArchive_hasEverything() throws Exception {
        assertThat(restoreTo(new Recovery.Target.Latest(), "latest")).containsExactly(1, 2, 3, 4);
    }

    @Test
    void unreachableTargets_areRefusedNamingTheReachableRange() {
        assertThatThrownBy(() -> Recovery.plan(repo, new Recovery.Target.Time(Instant.now().plusSeconds(3600)), null))
                .isInstanceOf(BackupException.class).hasMessageContaining("after the newest archived commit")
                .satisfies(e -> assertThat(((BackupException) e).remedy()).get().asString().contains("reachable from backup"));
        assertThatThrownBy(() -> Recovery.plan(repo, new Recovery.Target.Time(Instant.parse("2020-01-01T00:00:00Z")), null))
                .isInstanceOf(BackupException.class).hasMessageContaining("before the oldest backup");
        assertThatThrownBy(() -> Recovery.plan(repo, new Recovery.Target.Name("no-such-point"), null))
                .isInstanceOf(BackupException.class).hasMessageContaining("no restore point named 'no-such-point'")
                .satisfies(e -> assertThat(((BackupException) e).remedy()).get().asString().contains("after-three"));
        assertThatThrownBy(() -> Recovery.plan(repo, new Recovery.Target.Lsn(WalArchive.parseLsn("FF/0")), null))
                .isInstanceOf(BackupException.class).hasMessageContaining("beyond the archived WAL");
    }
}
