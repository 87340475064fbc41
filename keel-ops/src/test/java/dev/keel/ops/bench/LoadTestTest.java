package dev.keel.ops.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a failed pgbench run is told to the user, from pgbench's real stderr lines. */
class LoadTestTest {

    @Test
    void failure_namesTheScriptAndTheErrorEvenWhenTwoClientsInterleaveTheirPrefixes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("broken.sql");
        Files.writeString(f, "-- script: missing\nselect * from no_such_table;\n");
        Workload w = Workload.parse(f);
        // two client threads write "pgbench: " and "error: " separately, so their lines can interleave like this
        String stderr = """
                pgbench: pgbench: error: error: client 1 script 0 aborted in command 0 query 0: ERROR:  relation "no_such_table" does not exist
                LINE 1: select * from no_such_table;
                                      ^
                client 0 script 0 aborted in command 0 query 0: ERROR:  relation "no_such_table" does not exist
                pgbench: error: Run was aborted; the above results are incomplete.
                """;

        BenchException e = LoadTest.failure(w, Map.of(), stderr);

        assertThat(e.getMessage()).contains("script missing").contains("no_such_table");
        assertThat(e.exitCode()).isEqualTo(3);
    }
}
