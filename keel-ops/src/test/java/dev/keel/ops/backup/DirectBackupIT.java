package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.progress.Progress;
import dev.keel.embedded.BinaryLocator;
import dev.keel.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keel reading a real server's data directory itself (backup.engine: direct), against what pg_basebackup does. */
class DirectBackupIT {

    @TempDir
    Path tmp;
    EmbeddedPostgres source;
    EmbeddedPostgres restored;
    LocalRepository repo;
    PrivateKey key;

    @BeforeEach
    void start() throws Exception {
        source = EmbeddedPostgres.builder(tmp.resolve("source")).build();
        source.start();
        source.ensureDatabase("shop");
        try (Connection c = source.connect("shop"); Statement st = c.createStatement()) {
            // 20 MB: files of several pieces, read by more than one thread
            st.execute("create table orders as select g as id, md5(g::text) as ref, repeat('x', 100) as pad "
                    + "from generate_series(1, 120000) g");
            st.execute("create unlogged table scratch as select g from generate_series(1, 1000) g");
        }
        repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));
        key = BackupKeys.loadPrivateKey(tmp.resolve("backup.key"));
    }

    @AfterEach
    void stop() {
        if (restored != null) {
            restored.destroy();
        }
        source.destroy();
    }

    private ConnectionSpec spec(String user, String password) {
        return new ConnectionSpec("127.0.0.1", source.port(), "shop", user, password, Map.of());
    }

    private BaseBackups.Result backup(BaseBackups.Engine engine) {
        return backup(spec(EmbeddedPostgres.SUPERUSER, source.password()), engine);
    }

    private BaseBackups.Result backup(ConnectionSpec spec, BaseBackups.Engine engine) {
        Path tool = BinaryLocator.clientProgram("pg_basebackup", source.binaries()).orElseThrow();
        return BaseBackups.full(spec, tool, repo, Compression.ZSTD, "15", Progress.silent(), null, 0, engine);
    }

    /**
     * The same files as pg_basebackup's tar, path for path: the unlogged table's init fork but not its data,
     * nothing from postmaster.pid or the runtime directories. Only the WAL segments' names differ (each backup
     * has its own).
     */
    @Test
    void direct_storesTheFilesPgBasebackupStores() throws Exception {
        BaseBackups.Result pg = backup(BaseBackups.Engine.PG_BASEBACKUP);
        BaseBackups.Result direct = backup(BaseBackups.Engine.DIRECT);

        assertThat(pg.engine()).isEqualTo(BaseBackups.Engine.PG_BASEBACKUP);
        assertThat(direct.engine()).isEqualTo(BaseBackups.Engine.DIRECT);
        Set<String> theirs = paths(pg.id());
        Set<String> ours = paths(direct.id());
        assertThat(ours).isEqualTo(theirs).contains("backup_label", "global/pg_control", "pg_wal/archive_status")
                .doesNotContain("postmaster.pid");
        assertThat(ours).filteredOn(p -> p.matches("base/\\d+/\\d+_init")).isNotEmpty();
        assertThat(BackupCatalog.describe(repo)).extracting(row -> row.get("engine"))
                .containsExactly("pg_basebackup", "direct"); // keel backup list --json
    }

    private Set<String> paths(String id) throws Exception {
        BackupReader reader = BackupReader.open(repo, id, key);
        return FileList.read(reader.stream(FileList.STREAM), id).keySet().stream()
                .map(p -> p.startsWith("./") ? p.substring(2) : p) // pg_basebackup names one directory "./pg_wal/..."
                .filter(p -> !p.matches("pg_wal/(archive_status/)?[0-9A-F]{24}(\\.done)?"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Rows are committed all through the backup. The restored server replays the backup's WAL over the pages as they
     * were read (torn or not) and starts consistent, with every row committed before the backup began, an index
     * that amcheck accepts, and pg_verifybackup's approval.
     */
    @Test
    void direct_whileRowsAreWritten_restoresConsistent() throws Exception {
        try (Connection c = source.connect("shop"); Statement st = c.createStatement()) {
            st.execute("create index orders_id on orders (id)");
        }
        try (Connection c = source.connect("shop"); Statement st = c.createStatement()) {
            // backup mode lives in Keel's idle session: a server-wide idle timeout must not end it
            st.execute("alter system set idle_session_timeout = '200ms'");
            st.execute("select pg_reload_conf()");
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong inserted = new AtomicLong();
        Thread writer = new Thread(() -> {
            try (Connection c = source.connect("shop"); Statement st = c.createStatement()) {
                while (writing.get()) {
                    st.execute("insert into orders select g, md5(g::text), repeat('y', 100) from generate_series(1, 500) g");
                    st.execute("update orders set pad = repeat('z', 100) where id % 97 = " + inserted.get() % 97);
                    inserted.addAndGet(500);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        while (inserted.get() < 2000) {
            Thread.sleep(10);
        }
        long before = 120000 + inserted.get();
        BaseBackups.Result result;
        try {
            result = backup(BaseBackups.Engine.DIRECT);
        } finally {
            writing.set(false);
            writer.join();
        }

        Path home = tmp.resolve("restored");
        BaseBackups.restore(repo, result.id(), key, home.resolve("data"), false, Progress.silent());
        Path verify = BinaryLocator.clientProgram("pg_verifybackup", source.binaries()).orElseThrow();
        Process p = new ProcessBuilder(verify.toString(), home.resolve("data").toString()).redirectErrorStream(true).start();
        assertThat(new String(p.getInputStream().readAllBytes())).contains("backup successfully verified");
        Files.copy(source.passwordFile(), home.resolve("password"));
        restored = EmbeddedPostgres.builder(home).build();
        restored.start();
        try (Connection c = restored.connect("shop"); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select count(*) from orders")) {
                rs.next();
                assertThat(rs.getLong(1)).isGreaterThanOrEqualTo(before).isLessThanOrEqualTo(120000 + inserted.get());
            }
            st.execute("create extension if not exists amcheck");
            st.execute("select bt_index_check('orders_id', true)"); // every heap row is in the index
            try (ResultSet rs = st.executeQuery("select count(*) from scratch")) {
                rs.next();
                assertThat(rs.getLong(1)).as("an unlogged table starts empty").isZero();
            }
        }
    }

    /**
     * A user who may back up over replication but not run pg_backup_start or read the server's settings: auto
     * falls back to pg_basebackup, and direct is refused before anything is stored, saying why and what to set.
     */
    /**
     * A connection handed to the backup is the one Keel reads through (the spec's password here is wrong, so no
     * other would open), and the backup closes it, whichever engine takes the backup.
     */
    @Test
    void anOpenConnection_isTakenOverByTheBackup_andClosedWhateverTheEngine() throws Exception {
        Path tool = BinaryLocator.clientProgram("pg_basebackup", source.binaries()).orElseThrow();
        ConnectionSpec wrongPassword = spec(EmbeddedPostgres.SUPERUSER, "not-the-password");
        Connection open = source.connect("shop");
        BaseBackups.Result direct = BaseBackups.full(wrongPassword, open, tool, repo, Compression.ZSTD, "15",
                Progress.silent(), null, 0, BaseBackups.Engine.DIRECT);
        assertThat(direct.engine()).isEqualTo(BaseBackups.Engine.DIRECT);
        assertThat(open.isClosed()).isTrue();

        Connection unused = source.connect("shop");
        BaseBackups.Result streamed = BaseBackups.full(spec(EmbeddedPostgres.SUPERUSER, source.password()), unused, tool,
                repo, Compression.ZSTD, "15", Progress.silent(), null, 0, BaseBackups.Engine.PG_BASEBACKUP);
        assertThat(streamed.engine()).isEqualTo(BaseBackups.Engine.PG_BASEBACKUP);
        assertThat(unused.isClosed()).isTrue();
        assertThat(BackupCatalog.list(repo)).hasSize(2);
    }

    /**
     * The threads that get a backup ready while the server checkpoints (the early walk, the pipeline's builder) end
     * with a pg_backup_start that fails, and the failure is the one reported.
     */
    @Test
    void aFailedBackupStart_isReported_andLeavesNoThreadBehind() throws Exception {
        Path tool = BinaryLocator.clientProgram("pg_basebackup", source.binaries()).orElseThrow();
        Connection busy = source.connect("shop");
        try (Statement st = busy.createStatement()) {
            st.execute("select pg_backup_start('someone else', true)"); // this session is in backup mode already
        }
        assertThatThrownBy(() -> BaseBackups.full(spec(EmbeddedPostgres.SUPERUSER, source.password()), busy, tool, repo,
                Compression.ZSTD, "15", Progress.silent(), null, 0, BaseBackups.Engine.DIRECT))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("pg_backup_start failed")
                .hasMessageContaining("in progress");
        assertThat(busy.isClosed()).isTrue();
        java.util.function.Supplier<java.util.List<String>> helpers = () -> Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(n -> n.equals("keel-walk-warmup") || n.equals("keel-backup-setup") || n.equals("keel-backup-read"))
                .toList();
        for (int i = 0; i < 50 && !helpers.get().isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertThat(helpers.get()).isEmpty();
        assertThat(BackupCatalog.list(repo)).extracting(b -> b.status().name()).containsOnly("INCOMPLETE");
    }

    @Test
    void userWithoutTheRights_autoFallsBackAndDirectIsRefused() throws Exception {
        try (Connection c = source.connect("shop"); Statement st = c.createStatement()) {
            st.execute("create role streamer login replication password 'streamer-pass'");
        }
        ConnectionSpec streamer = spec("streamer", "streamer-pass");

        assertThat(backup(streamer, BaseBackups.Engine.AUTO).engine()).isEqualTo(BaseBackups.Engine.PG_BASEBACKUP);

        assertThatThrownBy(() -> backup(streamer, BaseBackups.Engine.DIRECT))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("Keel cannot read the data directory of")
                .satisfies(e -> {
                    assertThat(((KeelException) e).exitCode()).isEqualTo(KeelException.USAGE);
                    assertThat(((KeelException) e).remedy()).hasValueSatisfying(r -> assertThat(r).contains("backup.engine"));
                });
        assertThat(BackupCatalog.list(repo)).hasSize(1);
    }
}
