package dev.keel.core.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgPassTest {

    @TempDir
    Path dir;

    @Test
    void lookup_firstMatchingLineWinsWithWildcardsAndEscapes() throws Exception {
        Path f = dir.resolve(".pgpass");
        Files.writeString(f, """
                # comment
                other:5432:*:app:wrong
                db.example.com:5432:shop:app:first\\:pw
                *:*:*:app:fallback
                """);
        assertThat(PgPass.lookup(f, "db.example.com", 5432, "shop", "app")).contains("first:pw");
        assertThat(PgPass.lookup(f, "elsewhere", 6000, "x", "app")).contains("fallback");
        assertThat(PgPass.lookup(f, "elsewhere", 6000, "x", "nobody")).isEmpty();
    }

    @Test
    void lookup_localhostLineMatchesLoopbackAddress() throws Exception {
        Path f = dir.resolve(".pgpass");
        Files.writeString(f, "localhost:5432:*:*:loop\n");
        assertThat(PgPass.lookup(f, "127.0.0.1", 5432, "db", "u")).contains("loop");
    }

    @Test
    void lookup_missingFileIsEmpty() {
        assertThat(PgPass.lookup(dir.resolve("none"), "h", 1, "d", "u")).isEmpty();
    }
}
