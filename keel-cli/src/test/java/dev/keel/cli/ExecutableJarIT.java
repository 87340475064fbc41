package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The executable jar as users run it: its own JVM, and as a normal user as well as root. */
class ExecutableJarIT {

    static final Path JAR = Path.of("target/keel.jar").toAbsolutePath();

    record Result(int code, String output) {
    }

    static Result run(List<String> prefix, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-jar");
        cmd.add(JAR.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void jar_printsItsVersion() throws Exception {
        Result r = run(List.of(), "--version");
        assertThat(r.code()).isZero();
        assertThat(r.output()).startsWith("keel 0.");
    }

    @Test
    void jar_helpListsEveryCommand() throws Exception {
        Result r = run(List.of(), "help");
        assertThat(r.code()).isZero();
        assertThat(r.output()).contains("init", "db", "inspect", "migrate", "info", "validate", "repair", "baseline",
                "undo", "drift", "diff", "lint", "plan", "backup", "restore", "wal", "dump", "load", "explain", "advise", "maintain", "health",
                "metrics", "demo", "completion");
    }

    @Test
    void embeddedServer_worksForANormalUser() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false),
                "runs only as root, which can switch to the postgres user");
        assumeTrue(new ProcessBuilder("id", "postgres").start().waitFor() == 0, "no postgres user on this machine");
        Path dir = Files.createTempDirectory("keel-nonroot-");
        try {
            assertThat(new ProcessBuilder("chown", "postgres", dir.toString()).start().waitFor()).isZero();
            List<String> asPostgres = List.of("runuser", "-u", "postgres", "--", "env", "HOME=" + dir);
            String project = dir.resolve("keel.yaml").toString();

            assertThat(run(asPostgres, "init", dir.toString()).code()).isZero();
            Result start = run(asPostgres, "db", "start", "--project", project);
            assertThat(start.code()).as(start.output()).isZero();
            assertThat(start.output()).contains("running (pid");
            Result inspect = run(asPostgres, "inspect", "--json", "--project", project);
            assertThat(inspect.code()).as(inspect.output()).isZero();
            assertThat(inspect.output()).contains("\"counts\"");
            assertThat(Files.getOwner(dir.resolve(".keel/pg/data/PG_VERSION")).getName()).isEqualTo("postgres");
        } finally {
            run(List.of("runuser", "-u", "postgres", "--"), "db", "destroy", "--yes", "--project",
                    dir.resolve("keel.yaml").toString());
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
        }
    }
}
