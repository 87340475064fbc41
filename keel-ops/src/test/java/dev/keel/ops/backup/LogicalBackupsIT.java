package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.connect.Connections;
import dev.keel.core.progress.Progress;
import dev.keel.embedded.BinaryLocator;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real pg_dump and pg_restore against the test server: dump, encrypt, decrypt, load, compare. */
@KeelPostgres
class LogicalBackupsIT {

    static final List<String> TABLES = List.of("customers", "orders", "audit_log");

    @TempDir
    static Path shared;
    static LocalRepository repo;
    static PrivateKey key;
    static Path pgDump;
    static Path pgRestore;

    final List<String> created = new ArrayList<>();
    Path scratch;
    int counter;

    @BeforeAll
    static void setUp(TestDatabase db) throws Exception {
        db.execute("""
                create table customers (id int primary key, name text not null);
                create table orders (id int primary key, customer_id int not null references customers,
                                     ref text, total numeric(10,2), placed timestamptz);
                create table audit_log (id bigserial primary key, note text);
                insert into customers select g, 'customer ' || g from generate_series(1, 200) g;
                insert into orders select g, 1 + g % 200, md5(g::text), g * 1.25,
                                          '2026-01-01'::timestamptz + g * interval '1 minute'
                                   from generate_series(1, 5000) g;
                insert into audit_log (note) select 'note ' || g || E'\\twith a tab' from generate_series(1, 300) g;
                create index orders_ref_idx on orders (ref);
                """);
        repo = new LocalRepository(shared.resolve("repo"));
        BackupKeys.keygen(repo, shared.resolve("backup.key"));
        key = BackupKeys.loadPrivateKey(shared.resolve("backup.key"));
        pgDump = BinaryLocator.clientProgram("pg_dump", null).orElseThrow();
        pgRestore = BinaryLocator.clientProgram("pg_restore", null).orElseThrow();
    }

    @BeforeEach
    void scratchRoot() {
        scratch = shared.resolve("scratch-" + System.nanoTime());
    }

    @AfterEach
    void dropCreated(TestDatabase db) throws SQLException {
        for (String name : created) {
            db.execute("drop database if exists " + name + " with (force)");
        }
    }

    static ConnectionSpec source(TestDatabase db) {
        return new ConnectionSpec(db.host(), db.port(), db.name(), db.user(), db.password(), Map.of());
    }

    /** A database name for this test, dropped afterwards; it does not exist yet. */
    ConnectionSpec fresh(TestDatabase db) {
        String name = db.name() + "_load_" + (++counter) + "_" + (System.nanoTime() % 100000);
        created.add(name);
        return source(db).withDatabase(name);
    }

    LogicalBackups.DumpResult dump(TestDatabase db, List<String> tables) {
        return LogicalBackups.dump(source(db), new LogicalBackups.DumpOptions(tables, 2), pgDump, repo,
                Compression.ZSTD, scratch, Progress.silent());
    }

    LogicalBackups.LoadResult load(String id, PrivateKey k, ConnectionSpec target, boolean clean) {
        return LogicalBackups.load(repo, id, k, target, new LogicalBackups.LoadOptions(clean, 2), pgRestore, scratch,
                Progress.silent());
    }

    /** Row count and an md5 of every row, per table. */
    static Map<String, String> fingerprint(ConnectionSpec spec, List<String> tables) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = Connections.open(spec); Statement st = c.createStatement()) {
            for (String t : tables) {
                try (ResultSet rs = st.executeQuery("select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), ''))"
                        + " from " + t + " t")) {
                    rs.next();
                    out.put(t, rs.getString(1));
                }
            }
        }
        return out;
    }

    static List<String> publicTables(ConnectionSpec spec) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = Connections.open(spec); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select tablename from pg_tables where schemaname = 'public' order by 1")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static boolean databaseExists(TestDatabase db, String name) throws SQLException {
        try (Connection c = db.connect(); var ps = c.prepareStatement("select 1 from pg_database where datname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    void assertScratchRemoved() throws IOException {
        if (Files.exists(scratch)) {
            try (Stream<Path> left = Files.list(scratch)) {
                assertThat(left).as("left in the scratch root").isEmpty();
            }
        }
    }

    @Test
    void dumpThenLoad_intoAFreshDatabase_givesEqualRowsAndContents(TestDatabase db) throws Exception {
        LogicalBackups.DumpResult dump = dump(db, List.of());
        assertScratchRemoved();

        assertThat(dump.id()).matches("\\d{8}T\\d{6}Z-dump(-\\d+)?");
        assertThat(dump.database()).isEqualTo(db.name());
        assertThat(dump.tables()).isEmpty();
        assertThat(dump.rawBytes()).isPositive();
        Map<String, String> meta = BackupReader.metadataOf(repo, dump.id());
        assertThat(meta).containsEntry("type", "dump").containsEntry("database", db.name()).containsEntry("tables", "")
                .containsEntry("jobs", "2").containsKeys("serverVersion", "startTime", "stopTime", "durationMillis");
        assertThat(BackupReader.verify(repo, dump.id())).isEmpty();
        assertThat(streamNames(dump.id())).contains("toc.dat").anyMatch(s -> s.endsWith(".dat.gz"));

        ConnectionSpec target = fresh(db);
        LogicalBackups.LoadResult load = load(dump.id(), key, target, false);
        assertScratchRemoved();

        assertThat(load.created()).isTrue();
        assertThat(load.database()).isEqualTo(target.database());
        assertThat(fingerprint(target, TABLES)).isEqualTo(fingerprint(source(db), TABLES));
        assertThat(fingerprint(target, TABLES).get("orders")).startsWith("5000:");
        try (Connection c = Connections.open(target); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from pg_indexes where indexname = 'orders_ref_idx'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void dumpOfSomeTables_loadsOnlyThoseTables(TestDatabase db) throws Exception {
        LogicalBackups.DumpResult dump = dump(db, List.of("public.customers", "orders"));

        assertThat(dump.tables()).containsExactly("public.customers", "orders");
        assertThat(BackupReader.metadataOf(repo, dump.id())).containsEntry("tables", "public.customers,orders");
        ConnectionSpec target = fresh(db);
        LogicalBackups.LoadResult load = load(dump.id(), key, target, false);

        assertThat(load.tables()).containsExactly("public.customers", "orders");
        assertThat(publicTables(target)).containsExactly("customers", "orders");
        assertThat(fingerprint(target, List.of("customers", "orders")))
                .isEqualTo(fingerprint(source(db), List.of("customers", "orders")));
        assertScratchRemoved();
    }

    @Test
    void loadOfATableWhoseForeignKeyTargetWasLeftOut_failsInOneLineNamingIt(TestDatabase db) throws Exception {
        String id = dump(db, List.of("orders")).id();
        ConnectionSpec target = fresh(db);

        assertThatThrownBy(() -> load(id, key, target, false))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("relation \"public.customers\" does not exist")
                .satisfies(e -> {
                    assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("worker process died");
                    assertThat(((KeelException) e).remedy()).get().asString().contains("dump those too");
                });
        assertScratchRemoved();
    }

    @Test
    void load_withTheWrongKey_isRefusedBeforeAnythingIsWritten(TestDatabase db) throws Exception {
        String id = dump(db, List.of("customers")).id();
        ConnectionSpec target = fresh(db);

        assertThatThrownBy(() -> load(id, TestKeys.B.getPrivate(), target, false))
                .isInstanceOf(BackupException.class).hasMessageContaining("is sealed to key")
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(KeelException.USAGE));
        assertThat(databaseExists(db, target.database())).isFalse();
        assertScratchRemoved();
    }

    @Test
    void load_ofACorruptedChunk_failsNamingTheChunk_andCreatesNothing(TestDatabase db) throws Exception {
        String id = dump(db, List.of()).id();
        Path chunk;
        try (Stream<Path> files = Files.walk(repo.root().resolve("backups").resolve(id).resolve("data"))) {
            chunk = files.filter(f -> f.getParent().getFileName().toString().endsWith(".dat.gz")).findFirst().orElseThrow();
        }
        String stream = chunk.getParent().getFileName().toString();
        byte[] bytes = Files.readAllBytes(chunk);
        bytes[bytes.length / 2] ^= 1;
        Files.write(chunk, bytes);
        ConnectionSpec target = fresh(db);

        assertThatThrownBy(() -> load(id, key, target, false))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("stream " + stream + " chunk 0")
                .hasMessageContaining("corrupt")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(databaseExists(db, target.database())).isFalse();
        assertScratchRemoved();
    }

    @Test
    void loadIntoADatabaseThatHasTheTables_failsInOneLine_andCleanReplacesThem(TestDatabase db) throws Exception {
        String id = dump(db, List.of("customers")).id();
        ConnectionSpec target = fresh(db);
        load(id, key, target, false);
        try (Connection c = Connections.open(target); Statement st = c.createStatement()) {
            st.execute("delete from customers where id > 10");
        }

        assertThatThrownBy(() -> load(id, key, target, false))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("pg_restore of " + id)
                .hasMessageContaining("already exists")
                .satisfies(e -> {
                    assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Command was");
                    assertThat(((KeelException) e).remedy()).get().asString().contains("--clean");
                    assertThat(((KeelException) e).exitCode()).isEqualTo(KeelException.RUNTIME);
                });
        assertScratchRemoved();

        LogicalBackups.LoadResult again = load(id, key, target, true);
        assertThat(again.created()).isFalse();
        assertThat(fingerprint(target, List.of("customers"))).isEqualTo(fingerprint(source(db), List.of("customers")));
        assertScratchRemoved();
    }

    @Test
    void dumpOfAMissingTable_isAOneLineUsageError_andStoresNothing(TestDatabase db) throws Exception {
        List<BackupCatalog.Backup> before = BackupCatalog.list(repo);

        assertThatThrownBy(() -> dump(db, List.of("no_such_table")))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("no matching tables were found for pattern \"no_such_table\"")
                .satisfies(e -> {
                    assertThat(e.getMessage()).doesNotContain("\n").doesNotContain(db.password());
                    assertThat(((KeelException) e).exitCode()).isEqualTo(KeelException.USAGE);
                });
        assertThat(BackupCatalog.list(repo)).isEqualTo(before);
        assertScratchRemoved();
    }

    @Test
    void dumpWithoutPgDump_namesTheDebianPackage(TestDatabase db) {
        Path missing = shared.resolve("no-bin/pg_dump");

        assertThatThrownBy(() -> LogicalBackups.dump(source(db), LogicalBackups.DumpOptions.all(), missing, repo,
                Compression.ZSTD, scratch, Progress.silent()))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("cannot run pg_dump")
                .satisfies(e -> assertThat(((KeelException) e).remedy()).get().asString()
                        .contains("apt-get install postgresql-client-15"));
    }

    @Test
    void load_ofAPhysicalBackup_isRefusedAsUsage(TestDatabase db) throws Exception {
        String id = "20200101T000000Z-full";
        BackupWriter writer = BackupWriter.open(repo, id, Compression.ZSTD);
        try (OutputStream out = writer.stream("base.tar")) {
            out.write("not really a tar".getBytes(StandardCharsets.UTF_8));
        }
        writer.complete(Map.of("type", "full"));
        ConnectionSpec target = fresh(db);

        assertThatThrownBy(() -> load(id, key, target, false))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("is a full backup, not a dump")
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(KeelException.USAGE));
        assertThat(databaseExists(db, target.database())).isFalse();
        assertThat(LogicalBackups.latest(repo)).isNotEqualTo(java.util.Optional.of(id));
    }

    /** The stream names of a backup, read from its data directory. */
    static List<String> streamNames(String id) throws IOException {
        try (Stream<Path> dirs = Files.list(repo.root().resolve("backups").resolve(id).resolve("data"))) {
            return dirs.map(p -> p.getFileName().toString()).toList();
        }
    }
}
