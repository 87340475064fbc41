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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A real pg_basebackup streamed into the encrypted repository, restored, and started. */
class BaseBackupsIT {

    @TempDir
    Path tmp;
    EmbeddedPostgres source;
    EmbeddedPostgres restored;

    @BeforeEach
    void start() throws Exception {
        source = EmbeddedPostgres.builder(tmp.resolve("source")).build();
        source.start();
        source.ensureDatabase("shop");
        try (Connection c = source.connect("shop"); Statement st = c.createStatement()) {
            st.execute("create table orders as select g as id, md5(g::text) as ref from generate_series(1, 20000) g");
        }
    }

    @AfterEach
    void stop() {
        if (restored != null) {
            restored.destroy();
        }
        source.destroy();
    }

    private BaseBackups.Result backup(LocalRepository repo) {
        return backup(repo, Compression.ZSTD);
    }

    private BaseBackups.Result backup(LocalRepository repo, Compression compression) {
        return backup(repo, compression, BaseBackups.Engine.AUTO);
    }

    private BaseBackups.Result backup(LocalRepository repo, Compression compression, BaseBackups.Engine engine) {
        ConnectionSpec spec = new ConnectionSpec("127.0.0.1", source.port(), "shop", EmbeddedPostgres.SUPERUSER,
                source.password(), Map.of());
        Path tool = BinaryLocator.clientProgram("pg_basebackup", source.binaries()).orElseThrow();
        return BaseBackups.full(spec, tool, repo, compression, "15", Progress.silent(), null, 0, engine);
    }

    /** Both engines: pg_basebackup with the server compressing, and Keel reading the data directory itself. */
    @ParameterizedTest
    @CsvSource({"ZSTD, PG_BASEBACKUP", "LZ4, PG_BASEBACKUP", "ZSTD, DIRECT", "LZ4, DIRECT"})
    void fullBackup_restoresIntoAServerWithTheData(Compression compression, BaseBackups.Engine engine) throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));

        BaseBackups.Result result = backup(repo, compression, engine);

        assertThat(result.engine()).isEqualTo(engine);
        assertThat(result.startLsn()).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(result.stopLsn()).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(result.timeline()).isEqualTo("1");
        assertThat(BackupCatalog.list(repo)).extracting(BackupCatalog.Backup::id, BackupCatalog.Backup::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(result.id(), BackupCatalog.Status.COMPLETE));
        assertThat(BackupReader.verify(repo, result.id())).isEmpty();
        // PostgreSQL 15 compressed the tar itself (lz4: in linked blocks) and Keel stored it as it came.
        assertThat(Manifest.read(repo, result.id()).metadata()).containsEntry("engine", engine.id());
        assertThat(Manifest.read(repo, result.id()).streams()).filteredOn(s -> s.name().equals("base.tar"))
                .singleElement().satisfies(s -> {
                    assertThat(s.framing()).isEqualTo(compression == Compression.ZSTD ? Framing.ZSTD : Framing.LZ4);
                    assertThat(s.rawBytes()).isGreaterThan(3 * s.storedBytes());
                });

        PrivateKey key = BackupKeys.loadPrivateKey(tmp.resolve("backup.key"));
        Path home = tmp.resolve("restored");
        BaseBackups.restore(repo, result.id(), key, home.resolve("data"), false, Progress.silent());
        Files.copy(source.passwordFile(), home.resolve("password"));
        restored = EmbeddedPostgres.builder(home).build();
        restored.start();
        try (Connection c = restored.connect("shop"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*), max(ref) from orders")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(20000);
        }
    }

    /**
     * The server compressed the tar, so pg_basebackup could add no backup_manifest (and Keel's own reading has none
     * either): Keel writes PostgreSQL's own from its file list, and pg_verifybackup (WAL included) accepts the
     * restore, then catches a changed byte.
     */
    @ParameterizedTest
    @CsvSource({"ZSTD, PG_BASEBACKUP", "LZ4, PG_BASEBACKUP", "ZSTD, DIRECT", "LZ4, DIRECT"})
    void compressedBackup_restoresWithAManifestThatPgVerifybackupChecks(Compression compression,
                                                                        BaseBackups.Engine engine) throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));
        BaseBackups.Result result = backup(repo, compression, engine);
        Path data = tmp.resolve("restored-data");

        BaseBackups.restore(repo, result.id(), BackupKeys.loadPrivateKey(tmp.resolve("backup.key")), data, false,
                Progress.silent());

        assertThat(data.resolve("backup_manifest")).exists();
        Path tool = BinaryLocator.clientProgram("pg_verifybackup", source.binaries()).orElseThrow();
        assertThat(run(tool.toString(), data.toString())).contains("backup successfully verified");
        Path table;
        try (var files = Files.walk(data.resolve("base"))) {
            table = files.filter(f -> Files.isRegularFile(f) && f.toFile().length() >= 8192).findFirst().orElseThrow();
        }
        try (var ch = java.nio.channels.FileChannel.open(table, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0x5a}), 100);
        }
        String relative = data.relativize(table).toString();
        assertThat(run(tool.toString(), "-n", data.toString())).contains("checksum mismatch for file \"" + relative + "\"");
    }

    /**
     * {@code backup.max-rate} reaches pg_basebackup, whose server then sends the (compressed) tar no faster than
     * that; Keel's own reading stores the compressed tar no faster. The only assertion on time is a lower bound,
     * which a slow or busy machine cannot break: unthrottled, this backup takes a fraction of it.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = BaseBackups.Engine.class, names = {"PG_BASEBACKUP", "DIRECT"})
    void maxRate_throttlesWhatTheServerSends(BaseBackups.Engine engine) throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));
        ConnectionSpec spec = new ConnectionSpec("127.0.0.1", source.port(), "shop", EmbeddedPostgres.SUPERUSER,
                source.password(), Map.of());
        Path tool = BinaryLocator.clientProgram("pg_basebackup", source.binaries()).orElseThrow();
        long rateKb = 1024;

        BaseBackups.Result result = BaseBackups.full(spec, tool, repo, Compression.ZSTD, "15", Progress.silent(), null,
                rateKb, engine);

        assertThat(result.engine()).isEqualTo(engine);
        long sent = Manifest.read(repo, result.id()).streams().stream().filter(s -> s.name().equals("base.tar"))
                .findFirst().orElseThrow().storedBytes();
        assertThat(sent).as("enough to throttle").isGreaterThan(2L << 20);
        assertThat(result.millis()).isGreaterThanOrEqualTo(sent * 1000 / (rateKb * 1024) / 2);
        assertThat(BackupReader.verify(repo, result.id())).isEmpty();
    }

    /** {@code keel restore --max-rate}: the restore's writes are paced; again only a lower bound on time. */
    @Test
    void restoreMaxRate_pacesTheWrites() throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));
        BaseBackups.Result result = backup(repo);
        long rate = 16L << 20;
        Path data = tmp.resolve("restored-data");

        long t0 = System.nanoTime();
        BaseBackups.restore(repo, result.id(), BackupKeys.loadPrivateKey(tmp.resolve("backup.key")), data, false,
                Progress.silent(), rate);
        long millis = (System.nanoTime() - t0) / 1_000_000;

        assertThat(result.rawBytes()).as("enough to pace").isGreaterThan(24L << 20);
        assertThat(millis).isGreaterThanOrEqualTo((result.rawBytes() - (1L << 20)) * 1000 / rate * 8 / 10);
        assertThat(data.resolve("PG_VERSION")).exists();
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    @Test
    void verify_restoresStartsAndChecksEveryIndex_thenRemovesTheCopy() throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));
        try (Connection c = source.connect("shop"); Statement st = c.createStatement()) {
            st.execute("create index orders_ref_idx on orders (ref)");
        }
        BaseBackups.Result result = backup(repo);
        Path scratch = tmp.resolve("verify");

        BackupVerifier.Result v = BackupVerifier.verify(repo, result.id(), BackupKeys.loadPrivateKey(tmp.resolve("backup.key")),
                source.binaries(), scratch, Progress.silent());

        assertThat(v.problems()).isEmpty();
        assertThat(v.ok()).isTrue();
        assertThat(v.rtoMillis()).isPositive();
        assertThat(v.databases()).isGreaterThanOrEqualTo(2);
        assertThat(v.indexesChecked()).isGreaterThan(100); // the catalogs' B-trees and orders_ref_idx
        assertThat(scratch).doesNotExist();
    }

    @Test
    void verify_ofACorruptedBackup_failsNamingTheChunk() throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));
        BaseBackups.Result result = backup(repo);
        Path chunk;
        try (var files = Files.walk(tmp.resolve("repo"))) {
            chunk = files.filter(f -> f.toString().endsWith(".chunk")).findFirst().orElseThrow();
        }
        Files.delete(chunk);

        BackupVerifier.Result v = BackupVerifier.verify(repo, result.id(), BackupKeys.loadPrivateKey(tmp.resolve("backup.key")),
                source.binaries(), tmp.resolve("verify"), Progress.silent());

        assertThat(v.ok()).isFalse();
        assertThat(v.problems()).anyMatch(p -> p.contains("base.tar"));
    }

    @Test
    void wrongKey_isRefusedBeforeAnythingIsWritten() throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("right.key"));
        BaseBackups.Result result = backup(repo);
        LocalRepository other = new LocalRepository(tmp.resolve("other"));
        BackupKeys.keygen(other, tmp.resolve("wrong.key"));
        PrivateKey wrong = BackupKeys.loadPrivateKey(tmp.resolve("wrong.key"));
        Path target = tmp.resolve("restore-here");

        assertThatThrownBy(() -> BaseBackups.restore(repo, result.id(), wrong, target, false, Progress.silent()))
                .isInstanceOf(BackupException.class).hasMessageContaining("is sealed to key");
        assertThat(target).doesNotExist();
    }

    @Test
    void nonEmptyDirectory_isRefusedWithoutForce() throws Exception {
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));
        BaseBackups.Result result = backup(repo);
        Path target = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(target.resolve("keep.txt"), "mine");

        assertThatThrownBy(() -> BaseBackups.restore(repo, result.id(),
                BackupKeys.loadPrivateKey(tmp.resolve("backup.key")), target, false, Progress.silent()))
                .hasMessageContaining("is not empty")
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(2));
        assertThat(target.resolve("keep.txt")).hasContent("mine");
    }
}
