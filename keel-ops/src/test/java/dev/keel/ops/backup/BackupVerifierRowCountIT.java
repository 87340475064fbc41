package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.connect.ConnectionSpec;
import dev.keel.core.progress.Progress;
import dev.keel.embedded.BinaryLocator;
import dev.keel.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verification compares the largest tables' row counts with the statistics the backup carries. */
class BackupVerifierRowCountIT {

    @TempDir
    Path tmp;
    EmbeddedPostgres source;

    @BeforeEach
    void start() {
        source = EmbeddedPostgres.builder(tmp.resolve("source")).build();
        source.start();
        source.ensureDatabase("shop");
    }

    @AfterEach
    void stop() {
        source.destroy();
    }

    @Test
    void verify_whenATableHasFarFewerRowsThanItsStatisticsSay_namesTheTable() throws Exception {
        try (Connection c = source.connect("shop"); Statement st = c.createStatement()) {
            st.execute("create table orders as select g as id, md5(g::text) as ref from generate_series(1, 20000) g");
            st.execute("create table kept as select g as id from generate_series(1, 5000) g");
            // no autovacuum, so the statistics keep saying 20000 after half the rows go
            st.execute("alter table orders set (autovacuum_enabled = false)");
            st.execute("analyze");
            st.execute("delete from orders where id > 10000");
        }
        LocalRepository repo = new LocalRepository(tmp.resolve("repo"));
        BackupKeys.keygen(repo, tmp.resolve("backup.key"));
        ConnectionSpec spec = new ConnectionSpec("127.0.0.1", source.port(), "shop", EmbeddedPostgres.SUPERUSER,
                source.password(), Map.of());
        BaseBackups.Result backup = BaseBackups.full(spec,
                BinaryLocator.clientProgram("pg_basebackup", source.binaries()).orElseThrow(), repo, Compression.ZSTD,
                "15", Progress.silent());

        BackupVerifier.Result v = BackupVerifier.verify(repo, backup.id(), BackupKeys.loadPrivateKey(tmp.resolve("backup.key")),
                source.binaries(), tmp.resolve("verify"), Progress.silent());

        assertThat(v.ok()).isFalse();
        assertThat(v.tablesCompared()).isEqualTo(2);
        assertThat(v.problems()).singleElement().asString()
                .contains("shop: table orders has 10000 rows").contains("say about 20000");
    }
}
