package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input of each kind gives one line naming what and where, the right exit code, and no secret. */
@KeelPostgres
class CliErrorsIT {

    @TempDir
    Path dir;

    @Test
    void version_printsKeelAndJavaVersions() {
        Run run = Run.keel("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("keel 0.").contains("Java 17");
    }

    @Test
    void malformedProjectFile_isOneLineWithFileLineAndExit2() throws Exception {
        Path yaml = dir.resolve("keel.yaml");
        Files.writeString(yaml, "name: shop\ntargets:\n  dev:\n    url: 'postgresql://app:Sup3r-Secret@h/db\n    user: app\n");

        Run run = Run.keel("inspect", "--project", yaml.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines()).singleElement().asString()
                .startsWith("keel: ").contains("keel.yaml:").contains("malformed YAML");
        assertThat(run.all()).doesNotContain("Sup3r-Secret");
    }

    @Test
    void unknownKey_suggestsTheNearestAndExits2() throws Exception {
        Path yaml = dir.resolve("keel.yaml");
        Files.writeString(yaml, "name: shop\ntargets:\n  dev:\n    url: postgresql://h/db\n    passwrd: hunter2hunter2\n");

        Run run = Run.keel("inspect", "--project", yaml.toString(), "--target", "dev");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines()).singleElement().asString()
                .contains("keel.yaml:5").contains("unknown key 'targets.dev.passwrd'").contains("did you mean 'password'?");
        assertThat(run.all()).doesNotContain("hunter2hunter2");
    }

    @Test
    void wrongPassword_isOneLineNamingHostPortAndUserWithExit3(TestDatabase db) {
        String url = "postgresql://" + db.user() + ":Wr0ng-Pa55word@127.0.0.1:" + db.port() + "/" + db.name();

        Run run = Run.keel("inspect", "--url", url);

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err().lines()).singleElement().asString()
                .contains("127.0.0.1:" + db.port()).contains("as " + db.user())
                .contains("password authentication failed");
        assertThat(run.all()).doesNotContain("Wr0ng-Pa55word");
    }

    @Test
    void wrongPasswordWithDebug_addsTheStackTraceButNoSecret(TestDatabase db) {
        String url = "jdbc:postgresql://127.0.0.1:" + db.port() + "/" + db.name() + "?user=" + db.user()
                + "&password=Wr0ng-Pa55word";

        Run run = Run.keel("inspect", "--url", url, "--debug");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).contains("at org.postgresql").contains("password authentication failed");
        assertThat(run.all()).doesNotContain("Wr0ng-Pa55word");
    }

    @Test
    void unreachableHost_isOneLineWithExit3() {
        Run run = Run.keel("inspect", "--url", "postgresql://app:S3cret-value@127.0.0.1:1/db");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err().lines()).singleElement().asString()
                .contains("cannot connect to 127.0.0.1:1 as app").contains("refused");
        assertThat(run.all()).doesNotContain("S3cret-value");
    }

    @Test
    void passwordFromEnvironmentReference_neverPrinted(TestDatabase db) throws Exception {
        Path yaml = dir.resolve("keel.yaml");
        Files.writeString(yaml, """
                targets:
                  dev:
                    url: postgresql://127.0.0.1:%d/%s
                    user: %s
                    password: ${KEEL_TEST_MISSING_VAR}
                """.formatted(db.port(), db.name(), db.user()));

        Run run = Run.keel("inspect", "--project", yaml.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("keel.yaml:5 (targets.dev.password)").contains("${KEEL_TEST_MISSING_VAR}");
    }

    @Test
    void unknownOption_isUsageErrorExit2() {
        Run run = Run.keel("inspect", "--no-such-option");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown option: '--no-such-option'");
    }

    @Test
    void badFailOnLevel_isUsageErrorExit2(TestDatabase db) {
        Run run = Run.keel("inspect", "--lint", "--fail-on", "sometimes", "--url", "postgresql://127.0.0.1:1/x");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--fail-on");
    }
}
