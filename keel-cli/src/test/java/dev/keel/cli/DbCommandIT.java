package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel init and keel db ... on a fresh project directory, as a new user would run them. */
class DbCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    String project;

    @BeforeEach
    void init() {
        Run run = Run.keel("init", dir.toString());
        assertThat(run.exitCode()).isZero();
        project = dir.resolve("keel.yaml").toString();
    }

    @AfterEach
    void destroy() {
        Run.keel("db", "destroy", "--yes", "--project", project);
    }

    @Test
    void init_writesACommentedProjectThatLoads() throws Exception {
        assertThat(Files.readString(dir.resolve("keel.yaml"))).contains("# targets:").contains("embedded:");
        assertThat(dir.resolve("db/migrations")).isDirectory();
        assertThat(Files.readString(dir.resolve(".gitignore"))).contains(".keel/");
        Run again = Run.keel("init", dir.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains("already exists");
        Run status = Run.keel("db", "status", "--project", project);
        assertThat(status.exitCode()).isZero();
        assertThat(status.out()).contains("not initialised");
    }

    @Test
    void start_stop_start_keepsTheData() throws Exception {
        Run start = Run.keel("db", "start", "--json", "--project", project);
        assertThat(start.exitCode()).isZero();
        JsonNode status = JSON.readTree(start.out());
        assertThat(status.get("running").asBoolean()).isTrue();
        int port = status.get("port").asInt();
        String password = Files.readString(dir.resolve(".keel/pg/password")).strip();
        assertThat(Files.getPosixFilePermissions(dir.resolve(".keel/pg/password")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(start.all()).doesNotContain(password);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + dir.getFileName()
                .toString().toLowerCase().replaceAll("[^a-z0-9_]+", "_"), "keel", password);
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kept AS SELECT generate_series(1, 42) AS n");
        }

        Run again = Run.keel("db", "start", "--project", project);
        assertThat(again.out()).contains("Already running.");
        assertThat(Run.keel("db", "stop", "--project", project).out()).contains("Stopped.");
        assertThat(Run.keel("db", "status", "--project", project).out()).contains("stopped");

        Run restart = Run.keel("db", "start", "--json", "--project", project);
        int newPort = JSON.readTree(restart.out()).get("port").asInt();
        Run count = Run.keel("inspect", "--json", "--project", project);
        assertThat(count.exitCode()).isZero();
        assertThat(JSON.readTree(count.out()).at("/counts/tables").asInt()).isEqualTo(1);
        assertThat(newPort).isEqualTo(port);
    }

    @Test
    void killNine_thenStartRecovers() throws Exception {
        JsonNode status = JSON.readTree(Run.keel("db", "start", "--json", "--project", project).out());
        long pid = status.get("pid").asLong();
        new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor(10, TimeUnit.SECONDS);
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());

        Run recovered = Run.keel("db", "start", "--json", "--project", project);

        assertThat(recovered.exitCode()).isZero();
        assertThat(JSON.readTree(recovered.out()).get("running").asBoolean()).isTrue();
        assertThat(JSON.readTree(recovered.out()).get("pid").asLong()).isNotEqualTo(pid);
    }

    @Test
    void statusAndUrl_showWhereTheServerIsWithoutThePassword() throws Exception {
        Run.keel("db", "start", "--project", project);
        Run status = Run.keel("db", "status", "--project", project);
        assertThat(status.out()).contains("running (pid").contains("PostgreSQL 15").contains("127.0.0.1:")
                .contains(".keel/pg/data");
        Run url = Run.keel("db", "url", "--project", project);
        assertThat(url.out().strip()).matches("postgresql://keel@127\\.0\\.0\\.1:\\d+/\\w+");
        String password = Files.readString(dir.resolve(".keel/pg/password")).strip();
        assertThat(status.all() + url.all()).doesNotContain(password);
    }

    @Test
    void psql_runsAgainstTheEmbeddedDatabase() {
        Run run = Run.keel("db", "psql", "--project", project, "--", "-c", "select 1");
        assertThat(run.exitCode()).isZero();
        // psql's own options pass through without "--", in order, and psql's exit code is keel's
        assertThat(Run.keel("db", "psql", "-c", "select 1", "--project", project).exitCode()).isZero();
        assertThat(Run.keel("db", "psql", "-v", "ON_ERROR_STOP=1", "-c", "select no_such_column", "--project", project)
                .exitCode()).isNotZero();
    }

    @Test
    void inspect_startsTheEmbeddedServerWhenItIsTheTarget() {
        Run run = Run.keel("inspect", "--project", project);
        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).contains("starting the embedded PostgreSQL");
        assertThat(Run.keel("db", "status", "--project", project).out()).contains("running");
    }

    @Test
    void commands_connectStraightToTheirDatabase_andCreateItWhenItIsGone() throws Exception {
        JsonNode status = JSON.readTree(Run.keel("db", "start", "--json", "--project", project).out());
        String url = "jdbc:postgresql://127.0.0.1:" + status.get("port").asInt() + "/template1"; // counted on neither
        String database = status.get("database").asText();
        String password = Files.readString(dir.resolve(".keel/pg/password")).strip();
        assertThat(Run.keel("inspect", "--project", project).exitCode()).isZero(); // creates the database
        try (Connection c = DriverManager.getConnection(url, "keel", password)) {
            long[] before = settledSessions(c, database);
            assertThat(Run.keel("inspect", "--project", project).exitCode()).isZero();
            long[] after = before;
            for (int i = 0; i < 50 && after[0] == before[0]; i++) { // a session is counted as its backend ends
                Thread.sleep(100);
                after = sessions(c, database);
            }
            assertThat(after[0]).as("sessions on " + database).isGreaterThan(before[0]);
            assertThat(after[1]).as("sessions on postgres").isEqualTo(before[1]);
            try (Statement st = c.createStatement()) {
                st.execute("DROP DATABASE \"" + database + "\" WITH (FORCE)");
            }
        }
        Run again = Run.keel("inspect", "--json", "--project", project);
        assertThat(again.exitCode()).isZero();
        assertThat(JSON.readTree(again.out()).at("/counts/tables").asInt()).isZero();
    }

    /** {@link #sessions} once two readings 300 ms apart agree: every earlier session has been counted. */
    private static long[] settledSessions(Connection c, String database) throws Exception {
        long[] last = sessions(c, database);
        for (int i = 0; i < 20; i++) {
            Thread.sleep(300);
            long[] now = sessions(c, database);
            if (java.util.Arrays.equals(now, last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    /** Sessions so far on {@code database} and on postgres, from a fresh statistics snapshot. */
    private static long[] sessions(Connection c, String database) throws Exception {
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet rs = st.executeQuery("SELECT coalesce(sum(sessions) FILTER (WHERE datname = '" + database
                    + "'), 0), coalesce(sum(sessions) FILTER (WHERE datname = 'postgres'), 0) FROM pg_stat_database")) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    @Test
    void destroy_withoutYesAndWithoutATerminal_refusesAndKeepsEverything() {
        Run.keel("db", "start", "--project", project);
        Run run = Run.keel("db", "destroy", "--project", project);
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--yes");
        assertThat(dir.resolve(".keel/pg/data/PG_VERSION")).exists();
        assertThat(Run.keel("db", "destroy", "--yes", "--project", project).exitCode()).isZero();
        assertThat(dir.resolve(".keel/pg")).doesNotExist();
    }

    @Test
    void completion_printsABashScript() {
        Run run = Run.keel("completion");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("complete -F").contains("inspect").contains("destroy");
    }
}
