package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.progress.Progress;
import dev.keel.embedded.BinaryLocator;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.embedded.ProcessRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Incremental backups of a real server: what they store, and that they restore exactly like a full one. */
class IncrementalBackupsIT {

    @TempDir
    Path tmp;
    EmbeddedPostgres source;
    LocalRepository repo;
    PrivateKey key;
    Path restoredDir;

    @BeforeEach
    void start() throws Exception {
        source = EmbeddedPostgres.builder(tmp.resolve("source")).build();
        source.start();
        source.ensureDatabase("shop");
        // archive is big and never touched after the full backup: an incremental must not store it again
        sql("create table archive as select g as id, md5(g::text) as ref from generate_series(1, 400000) g",
                "create table orders as select g as id, md5(g::text) as ref from generate_series(1, 20000) g",
                "vacuum (freeze, analyze)"); // else autovacuum may rewrite every page between two backups
        repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));
        key = BackupKeys.loadPrivateKey(tmp.resolve("backup.key"));
    }

    @AfterEach
    void stop() {
        if (restoredDir != null) {
            RestoredServer.stop(source.binaries(), restoredDir);
        }
        source.destroy();
    }

    @ParameterizedTest
    @EnumSource(value = BaseBackups.Engine.class, names = {"DIRECT", "PG_BASEBACKUP"})
    void incremental_storesOnlyWhatChanged_andRestoresLikeAFull(BaseBackups.Engine engine) throws Exception {
        BaseBackups.Result full = full();
        sql("update orders set ref = 'changed' where id <= 100", "insert into orders values (20001, 'new')");

        BaseBackups.IncrementalResult incr = incr(engine);

        Map<String, String> fullMeta = BackupReader.metadataOf(repo, full.id());
        Map<String, String> incrMeta = BackupReader.metadataOf(repo, incr.backup().id());
        long fullRaw = Long.parseLong(fullMeta.get("rawBytes"));
        long incrRaw = Long.parseLong(incrMeta.get("rawBytes"));
        // The incremental still stores the 16 MiB WAL segment and backup_manifest; archive's 30 MiB are not stored.
        assertThat(incrRaw).isLessThan(fullRaw / 3);
        assertThat(incr.storedBytes()).isLessThan(Long.parseLong(fullMeta.get("storedBytes")) / 3);
        assertThat(incr.sourceBytes()).isGreaterThan(fullRaw * 9 / 10);
        assertThat(incr.parent()).isEqualTo(full.id());
        assertThat(incr.skippedFiles()).isGreaterThan(incr.changedFiles());
        assertThat(incrMeta).containsEntry("type", "incr").containsEntry("parent", full.id())
                .containsKeys("startLsn", "stopLsn", "timeline", "serverVersion", "startTime", "stopTime", "durationMillis");
        assertThat(incr.backup().stopLsn()).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(incr.backup().engine()).isEqualTo(engine);
        assertThat(incrMeta).containsEntry("engine", engine.id());

        Path data = restore(incr.backup().id());
        assertVerifies(data);
        try (Connection c = startRestored(data); Statement st = c.createStatement()) {
            assertThat(longOf(st, "select count(*) from orders where ref = 'changed'")).isEqualTo(100);
            assertThat(longOf(st, "select count(*) from orders")).isEqualTo(20001);
            assertThat(longOf(st, "select count(*) from archive")).isEqualTo(400000);
            assertThat(longOf(st, "select count(*) from archive where ref <> md5(id::text)")).isZero();
        }
    }

    /** A chain whose incrementals were read both ways, in either order. */
    @ParameterizedTest
    @EnumSource(value = BaseBackups.Engine.class, names = {"DIRECT", "PG_BASEBACKUP"})
    void chain_fullIncrIncr_restoresTheLatestState(BaseBackups.Engine firstEngine) throws Exception {
        BaseBackups.Engine other = firstEngine == BaseBackups.Engine.DIRECT ? BaseBackups.Engine.PG_BASEBACKUP
                : BaseBackups.Engine.DIRECT;
        BaseBackups.Result full = full();
        sql("delete from orders where id <= 1000");
        BaseBackups.IncrementalResult first = incr(firstEngine);
        sql("insert into orders select g, 'second' from generate_series(30001, 30500) g");
        BaseBackups.IncrementalResult second = incr(other);

        assertThat(second.parent()).isEqualTo(first.backup().id());
        assertThat(BaseBackups.chain(repo, second.backup().id()))
                .containsExactly(full.id(), first.backup().id(), second.backup().id());
        Path data = restore(second.backup().id());
        assertVerifies(data);
        try (Connection c = startRestored(data); Statement st = c.createStatement()) {
            assertThat(longOf(st, "select count(*) from orders")).isEqualTo(19000 + 500);
            assertThat(longOf(st, "select count(*) from orders where id <= 1000")).isZero();
            assertThat(longOf(st, "select count(*) from archive")).isEqualTo(400000);
        }
    }

    /**
     * A chain restore reads only the chunks that hold blocks it writes: the first incremental's WAL segment is not part
     * of the second's restore, so one of its chunks can go missing without the second noticing, while the first's own
     * restore names the missing chunk.
     */
    @Test
    void chainRestore_neverReadsTheChunksOfBlocksALaterBackupReplaced() throws Exception {
        full();
        sql("update orders set ref = 'first' where id <= 100");
        BaseBackups.IncrementalResult first = incr();
        sql("update orders set ref = 'second' where id <= 100");
        BaseBackups.IncrementalResult second = incr();
        String firstId = first.backup().id();
        long chunks = BackupReader.open(repo, firstId, key).chunkSizes(BaseBackups.BLOCKS_STREAM).length;
        assertThat(chunks).as("its 16 MiB WAL segment is its last blocks").isGreaterThan(4);
        Files.delete(repo.root().resolve(Names.chunk(firstId, BaseBackups.BLOCKS_STREAM, chunks - 2)));

        Path data = restore(second.backup().id());
        assertVerifies(data);
        try (Connection c = startRestored(data); Statement st = c.createStatement()) {
            assertThat(longOf(st, "select count(*) from orders where ref = 'second'")).isEqualTo(100);
        }
        RestoredServer.stop(source.binaries(), data);
        restoredDir = null;
        Path again = tmp.resolve("again");
        assertThatThrownBy(() -> BaseBackups.restore(repo, firstId, key, again, false, Progress.silent()))
                .hasMessageContaining(String.format("chunk %d", chunks - 2)).hasMessageContaining("missing");
        assertThat(again).doesNotExist();
    }

    /**
     * A delta restore brings an older copy of the cluster to a backup in place: what the backup lacks goes, a damaged
     * block and a deleted file are written again, everything else is kept. It refuses a directory a server runs on,
     * and one that fails part-way cannot be started.
     */
    @Test
    void deltaRestore_keepsWhatMatches_removesWhatTheBackupLacks_andWritesTheRest() throws Exception {
        BaseBackups.Result full = full();
        Path data = restore(full.id());
        String archive = scalar("select pg_relation_filepath('archive')");
        String orders = scalar("select pg_relation_filepath('orders')");
        byte[] bytes = Files.readAllBytes(data.resolve(archive));
        bytes[300_000] ^= 1;
        Files.write(data.resolve(archive), bytes);
        Files.delete(data.resolve(orders));
        Files.writeString(data.resolve("base/extra"), "x");
        Files.createDirectories(data.resolve("stray/deeper"));
        Files.writeString(data.resolve("stray/deeper/f"), "y");
        sql("update orders set ref = 'after' where id <= 10");
        BaseBackups.IncrementalResult incr = incr();

        BaseBackups.Restored restored = BaseBackups.restore(repo, incr.backup().id(), key, data, false, Progress.silent(),
                0, true);
        long kept = restored.keptBytes();

        long archiveSize = bytes.length;
        assertThat(kept).as("the archive table, all but its damaged block").isGreaterThan(archiveSize - FileList.BLOCK_SIZE);
        assertThat(kept).isLessThan(incr.sourceBytes());
        assertThat(kept + restored.writtenBytes()).as("every listed byte kept or written once").isEqualTo(listedBytes(data));
        assertThat(data.resolve("base/extra")).doesNotExist();
        assertThat(data.resolve("stray")).doesNotExist();
        assertVerifies(data);
        Files.delete(repo.root().resolve(Names.chunk(full.id(), "base.tar", 0)));
        Files.delete(repo.root().resolve(Names.chunk(incr.backup().id(), BaseBackups.BLOCKS_STREAM, 0)));
        assertThat(BaseBackups.restore(repo, incr.backup().id(), key, data, false, Progress.silent(), 0, true))
                .as("everything in place: no backup is read, so no missing chunk is noticed")
                .isEqualTo(new BaseBackups.Restored(listedBytes(data), 0));
        try (Connection c = startRestored(data); Statement st = c.createStatement()) {
            assertThat(longOf(st, "select count(*) from orders where ref = 'after'")).isEqualTo(10);
            assertThat(longOf(st, "select count(*) from archive where ref <> md5(id::text)")).isZero();
        }
        assertThatThrownBy(() -> BaseBackups.restore(repo, incr.backup().id(), key, data, false, Progress.silent(), 0, true))
                .hasMessageContaining("postmaster.pid");
        assertThatThrownBy(() -> BaseBackups.restore(repo, incr.backup().id(), key, data, true, Progress.silent(), 0, false))
                .as("--force refuses it too: it used to delete a running server's directory").hasMessageContaining("postmaster.pid");
        assertThat(data.resolve("PG_VERSION")).exists();
        RestoredServer.stop(source.binaries(), data);
        restoredDir = null;

        Files.write(data.resolve(orders), new byte[8192]); // a block the incremental holds must be written again
        assertThatThrownBy(() -> BaseBackups.restore(repo, incr.backup().id(), key, data, false, Progress.silent(), 0, true))
                .hasMessageContaining("delta restore").hasMessageContaining("cannot be started");
        assertThat(data.resolve("global/pg_control")).doesNotExist();
        assertThat(data.resolve(archive)).as("what was restored stays for the next attempt").exists();
    }

    /**
     * A full backup Keel read from the data directory stores where each frame of its tar lies, so a delta restore
     * fetches only the chunks holding the frames of what differs: one damaged block here. Taken through pg_basebackup,
     * a full has no index, and the same delta restore reads the whole tar.
     */
    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"ZSTD", "LZ4", "NONE"})
    void deltaRestore_ofAFull_fetchesOnlyTheFramesOfWhatDiffers(Compression compression) throws Exception {
        sql("create table noise as select g as id, md5(random()::text) || md5(random()::text) as a from generate_series(1, 150000) g");
        BaseBackups.Result full = BaseBackups.full(spec(), tool(), repo, compression, "15", Progress.silent());
        BaseBackups.Result streamed = BaseBackups.full(spec(), tool(), repo, compression, "15", Progress.silent(), null, 0,
                BaseBackups.Engine.PG_BASEBACKUP);
        Path data = restore(full.id());
        String archive = scalar("select pg_relation_filepath('archive')");
        byte[] bytes = Files.readAllBytes(data.resolve(archive));
        bytes[300_000] ^= 1;
        Files.write(data.resolve(archive), bytes);
        CountingRepository counting = new CountingRepository(repo);
        int chunks = BackupReader.open(repo, full.id(), key).chunkSizes("base.tar").length;
        assertThat(chunks).as("the tar spans several chunks").isGreaterThanOrEqualTo(4);

        long kept = BaseBackups.restore(counting, full.id(), key, data, false, Progress.silent(), 0, true).keptBytes();

        assertThat(kept).isGreaterThan(listedBytes(data) - 2 * FileList.BLOCK_SIZE);
        assertThat(counting.fetched(full.id(), "base.tar")).as("chunks of %d fetched", chunks).isBetween(1L, 2L);
        assertVerifies(data);
        try (Connection c = startRestored(data); Statement st = c.createStatement()) {
            assertThat(longOf(st, "select count(*) from archive where ref <> md5(id::text)")).isZero();
            assertThat(longOf(st, "select count(*) from noise")).isEqualTo(150000);
        }
        RestoredServer.stop(source.binaries(), data);
        restoredDir = null;

        Files.write(data.resolve(archive), bytes);
        BaseBackups.restore(counting, streamed.id(), key, data, false, Progress.silent(), 0, true);
        assertThat(counting.fetched(streamed.id(), "base.tar"))
                .isEqualTo(BackupReader.open(repo, streamed.id(), key).chunkSizes("base.tar").length);
        assertVerifies(data);
    }

    /** A repository that counts the chunks read from it. */
    private static final class CountingRepository extends ForwardingRepository {
        private final List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();

        CountingRepository(Repository real) {
            super(real);
        }

        long fetched(String backupId, String stream) {
            String dir = Names.data(backupId) + stream + "/";
            return got.stream().filter(p -> p.startsWith(dir) && p.endsWith(".chunk")).count();
        }

        @Override
        public java.util.Optional<byte[]> get(String path) {
            got.add(path);
            return real.get(path);
        }

        @Override
        public java.util.Optional<java.nio.ByteBuffer> get(String path, byte[] reuse) {
            got.add(path);
            return real.get(path, reuse);
        }
    }

    @Test
    void restore_whenTheParentIsDeleted_isRefusedNamingIt() throws Exception {
        BaseBackups.Result full = full();
        sql("update orders set ref = 'x' where id = 1");
        BaseBackups.IncrementalResult incr = incr();
        for (String path : repo.list("backups/" + full.id() + "/")) {
            repo.delete(path);
        }
        Path target = tmp.resolve("restore-here");

        assertThatThrownBy(() -> BaseBackups.restore(repo, incr.backup().id(), key, target, false, Progress.silent()))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("needs backup " + full.id())
                .hasMessageContaining("missing")
                .hasMessageContaining("cannot be restored");
        assertThat(target).doesNotExist();
    }

    @Test
    void incremental_withoutAnyFullBackup_isRefused() {
        assertThatThrownBy(this::incr).isInstanceOf(BackupException.class)
                .hasMessageContaining("no complete full backup")
                .satisfies(e -> assertThat(((BackupException) e).remedy().orElse("")).contains("keel backup full"));
        assertThat(BackupCatalog.list(repo)).isEmpty();
    }

    @Test
    void verify_ofAnIncremental_passesAndComparesRowCounts() throws Exception {
        full();
        sql("update orders set ref = 'v' where id <= 10");
        BaseBackups.IncrementalResult incr = incr();
        Path scratch = tmp.resolve("verify");

        BackupVerifier.Result v = BackupVerifier.verify(repo, incr.backup().id(), key, source.binaries(), scratch,
                Progress.silent());

        assertThat(v.problems()).isEmpty();
        assertThat(v.ok()).isTrue();
        assertThat(v.tablesCompared()).isGreaterThanOrEqualTo(2); // archive and orders, both analyzed
        assertThat(scratch).doesNotExist();
    }

    @Test
    void restore_ofAChainSealedToTwoKeys_isRefusedBeforeAnyWrite_untilRekeyed() throws Exception {
        BaseBackups.Result full = full();
        BackupKeys.keygen(repo, tmp.resolve("new.key"));
        PrivateKey newKey = BackupKeys.loadPrivateKey(tmp.resolve("new.key"));
        sql("update orders set ref = 'k' where id = 1");
        BaseBackups.IncrementalResult incr = incr(); // reads the full's list with the old key, sealed to the new one
        Path target = tmp.resolve("restore-here");

        assertThatThrownBy(() -> BaseBackups.restore(repo, incr.backup().id(), newKey, target, false, Progress.silent()))
                .hasMessageContaining("needs backup " + full.id()).hasMessageContaining("is sealed to key");
        assertThat(target).doesNotExist();

        Rekeying.Result r = Rekeying.rekey(repo, List.of(), key);
        assertThat(r.rekeyed()).containsExactly(full.id());
        assertThat(r.skipped()).containsExactly(incr.backup().id());
        BaseBackups.restore(repo, incr.backup().id(), newKey, target, false, Progress.silent());
        assertThat(target.resolve("backup_manifest")).exists();
    }

    @Test
    void incrementalNeedsNoKey_whenThisMachineKeptTheParentsFileList() throws Exception {
        Path state = tmp.resolve("state");
        BaseBackups.Result full = BaseBackups.full(spec(), tool(), repo, Compression.ZSTD, "15", Progress.silent(), state,
                0);
        assertThat(java.nio.file.Files.getPosixFilePermissions(state.resolve(full.id() + ".files")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        sql("update orders set ref = 'changed' where id <= 100");
        Path stale = java.nio.file.Files.writeString(state.resolve(".20260101T000000Z-full.files.tmp"), "a failed backup's");

        BaseBackups.IncrementalResult first = BaseBackups.incremental(spec(), tool(), repo, Compression.ZSTD, "15", null,
                null, Progress.silent(), state, 0);
        assertThat(first.parent()).isEqualTo(full.id());
        assertThat(first.skippedFiles()).isPositive();
        try (var kept = java.nio.file.Files.list(state)) {
            assertThat(kept.map(p -> p.getFileName().toString())).as("the lists streamed there, nothing else")
                    .containsExactlyInAnyOrder(full.id() + ".files", first.backup().id() + ".files");
        }
        assertThat(stale).doesNotExist();

        // A cached list that does not match what the parent's manifest recorded is not trusted.
        java.nio.file.Files.writeString(state.resolve(first.backup().id() + ".files"), "{}\n");
        assertThatThrownBy(() -> BaseBackups.incremental(spec(), tool(), repo, Compression.ZSTD, "15", null, null,
                Progress.silent(), state, 0)).isInstanceOf(BackupException.class).hasMessageContaining("needs the private key");

        Path data = restore(first.backup().id());
        try (Connection c = startRestored(data); Statement st = c.createStatement()) {
            assertThat(longOf(st, "select count(*) from orders where ref = 'changed'")).isEqualTo(100);
            assertThat(longOf(st, "select count(*) from archive")).isEqualTo(400000);
        }
    }

    private BaseBackups.Result full() {
        return BaseBackups.full(spec(), tool(), repo, Compression.ZSTD, "15", Progress.silent());
    }

    private BaseBackups.IncrementalResult incr() {
        return BaseBackups.incremental(spec(), tool(), repo, Compression.ZSTD, "15", key, Progress.silent());
    }

    private BaseBackups.IncrementalResult incr(BaseBackups.Engine engine) {
        return BaseBackups.incremental(spec(), tool(), repo, Compression.ZSTD, "15", key, null, Progress.silent(), null, 0,
                engine);
    }

    private ConnectionSpec spec() {
        return new ConnectionSpec("127.0.0.1", source.port(), "shop", EmbeddedPostgres.SUPERUSER, source.password(),
                Map.of());
    }

    private Path tool() {
        return BinaryLocator.clientProgram("pg_basebackup", source.binaries()).orElseThrow();
    }

    /** pg_verifybackup finds every file of a restored data directory as its backup_manifest says. */
    private void assertVerifies(Path data) {
        ProcessRunner.Result verified = ProcessRunner.run(List.of(
                BinaryLocator.clientProgram("pg_verifybackup", source.binaries()).orElseThrow().toString(), "-n",
                data.toString()), Map.of(), null, Duration.ofMinutes(5));
        assertThat(verified.ok()).as(verified.stdout() + verified.stderr()).isTrue();
    }

    private Path restore(String id) {
        Path data = tmp.resolve("restored").resolve("data");
        BaseBackups.restore(repo, id, key, data, false, Progress.silent());
        return data;
    }

    private Connection startRestored(Path data) throws Exception {
        Files.writeString(data.resolve("pg_hba.conf"), "host all all 127.0.0.1/32 trust\n", StandardCharsets.UTF_8);
        int port = RestoredServer.start(source.binaries(), data, 0);
        restoredDir = data;
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/shop", EmbeddedPostgres.SUPERUSER, "");
    }

    private void sql(String... statements) throws SQLException {
        try (Connection c = source.connect("shop"); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    /** The bytes of every file in a restored data directory but the backup_manifest written beside the backup. */
    private static long listedBytes(Path data) throws java.io.IOException {
        try (var files = Files.walk(data)) {
            return files.filter(f -> Files.isRegularFile(f) && !f.equals(data.resolve("backup_manifest")))
                    .mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private String scalar(String query) throws SQLException {
        try (Connection c = source.connect("shop"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long longOf(Statement st, String query) throws SQLException {
        try (ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
