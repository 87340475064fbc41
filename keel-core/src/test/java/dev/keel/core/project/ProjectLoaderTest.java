package dev.keel.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.ConfigException;
import dev.keel.core.KeelException;
import dev.keel.core.connect.ConnectionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectLoaderTest {

    @TempDir
    Path dir;

    private Project load(String yaml, Map<String, String> env) throws Exception {
        Files.writeString(dir.resolve("keel.yaml"), yaml);
        return ProjectLoader.load(null, dir, env);
    }

    @Test
    void load_findsKeelYamlInAParentDirectory() throws Exception {
        Files.writeString(dir.resolve("keel.yaml"), "name: shop\n");
        Path sub = Files.createDirectories(dir.resolve("src/main"));
        Project p = ProjectLoader.load(null, sub, Map.of());
        assertThat(p.name()).isEqualTo("shop");
        assertThat(p.dir()).isEqualTo(dir.toAbsolutePath());
    }

    @Test
    void load_withoutAFileIsTheEmbeddedDefault() {
        Project p = ProjectLoader.load(null, dir, Map.of());
        assertThat(p.file()).isEmpty();
        Target t = p.target(null, null);
        assertThat(t.isEmbedded()).isTrue();
        assertThat(p.embeddedDatabase()).isEqualTo("keel");
    }

    @Test
    void malformedYaml_namesFileAndLine() {
        assertThatThrownBy(() -> load("name: shop\ntargets:\n  dev: {url: \"postgresql://x\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(2))
                .hasMessageContaining("keel.yaml:3:")
                .hasMessageContaining("malformed YAML");
    }

    @Test
    void unknownKey_suggestsTheNearestKnownOne() {
        assertThatThrownBy(() -> load("name: shop\ndefault-targte: dev\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:2")
                .hasMessageContaining("unknown key 'default-targte'")
                .hasMessageContaining("did you mean 'default-target'?");
    }

    @Test
    void unknownNestedKey_namesItsPath() {
        assertThatThrownBy(() -> load("targets:\n  dev:\n    url: postgresql://h/db\n    pasword: x\n", Map.of()))
                .hasMessageContaining("keel.yaml:4")
                .hasMessageContaining("targets.dev.pasword")
                .hasMessageContaining("did you mean 'password'?");
    }

    @Test
    void unknownBackupCompression_namesTheKeyLineAndTheValuesItTakes() {
        assertThatThrownBy(() -> load("name: shop\nbackup:\n  compression: lz5\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:3 (backup.compression): unknown compression 'lz5'")
                .satisfies(e -> assertThat(((KeelException) e).remedy()).contains("use one of zstd, lz4, none"));
    }

    @Test
    void backupEngine_defaultsToAuto_andAnUnknownOneNamesTheLineAndTheValues() throws Exception {
        assertThat(load("backup:\n  compression: lz4\n", Map.of()).config().backup().engine()).isEqualTo("auto");
        assertThat(load("backup:\n  engine: pg_basebackup\n", Map.of()).config().backup().engine()).isEqualTo("pg_basebackup");
        assertThatThrownBy(() -> load("name: shop\nbackup:\n  engine: rsync\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:3 (backup.engine): unknown engine 'rsync'")
                .satisfies(e -> assertThat(((KeelException) e).remedy()).contains("use one of auto, pg_basebackup, direct"));
    }

    @Test
    void backupMaxRate_takesPgBasebackupsForms_andRefusesOthersNamingTheLine() throws Exception {
        assertThat(load("backup:\n  max-rate: 50M\n", Map.of()).config().backup().maxRateKb()).contains(51200L);
        assertThat(load("backup:\n  max-rate: 500k\n", Map.of()).config().backup().maxRateKb()).contains(500L);
        assertThat(load("backup:\n  max-rate: 4096\n", Map.of()).config().backup().maxRateKb()).contains(4096L);
        assertThat(load("backup:\n  compression: lz4\n", Map.of()).config().backup().maxRateKb()).isEmpty();
        assertThatThrownBy(() -> load("name: shop\nbackup:\n  max-rate: fast\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:3 (backup.max-rate): 'fast' is not a rate");
        assertThatThrownBy(() -> load("backup:\n  max-rate: 16k\n", Map.of()))
                .hasMessageContaining("keel.yaml:2 (backup.max-rate): '16k' is outside 32k to 1024M");
        assertThatThrownBy(() -> load("backup:\n  max-rate: 2048M\n", Map.of()))
                .hasMessageContaining("'2048M' is outside 32k to 1024M");
    }

    @Test
    void wrongType_namesTheKey() {
        assertThatThrownBy(() -> load("targets:\n  dev:\n    port: fivefourthreetwo\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:3")
                .hasMessageContaining("targets.dev.port")
                .hasMessageContaining("a number");
    }

    @Test
    void target_interpolatesEnvironmentVariables() throws Exception {
        Project p = load("""
                default-target: prod
                targets:
                  prod:
                    url: postgresql://db.internal:6432/shop?sslmode=verify-full
                    user: ${DB_USER:-app}
                    password: ${PROD_PASSWORD}
                """, Map.of("PROD_PASSWORD", "s3cr3t-value"));
        ConnectionSpec spec = p.target(null, null).spec(m -> { });
        assertThat(spec.host()).isEqualTo("db.internal");
        assertThat(spec.port()).isEqualTo(6432);
        assertThat(spec.user()).isEqualTo("app");
        assertThat(spec.password()).isEqualTo("s3cr3t-value");
        assertThat(spec.params()).containsEntry("sslmode", "verify-full");
    }

    @Test
    void missingEnvironmentVariable_namesKeyAndLine() throws Exception {
        Project p = load("targets:\n  prod:\n    url: postgresql://h/db\n    password: ${NOT_SET_ANYWHERE}\n", Map.of());
        assertThatThrownBy(() -> p.target("prod", null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:4 (targets.prod.password)")
                .hasMessageContaining("${NOT_SET_ANYWHERE}");
    }

    @Test
    void target_fillsGapsFromPgEnvironmentAndPgpass() throws Exception {
        Path pgpass = dir.resolve("pgpass");
        Files.writeString(pgpass, "envhost:7000:envdb:envuser:from-pgpass\n");
        Project p = load("targets:\n  dev: {}\n", Map.of("PGHOST", "envhost", "PGPORT", "7000", "PGUSER", "envuser",
                "PGDATABASE", "envdb", "PGPASSFILE", pgpass.toString(), "PGSSLMODE", "require"));
        ConnectionSpec spec = p.target("dev", null).spec(m -> { });
        assertThat(spec.display()).isEqualTo("envuser@envhost:7000/envdb");
        assertThat(spec.password()).isEqualTo("from-pgpass");
        assertThat(spec.params()).containsEntry("sslmode", "require");
    }

    @Test
    void urlOption_overridesTheTargets() throws Exception {
        Project p = load("targets:\n  dev:\n    url: postgresql://a/b\n", Map.of());
        ConnectionSpec spec = p.target("dev", "postgresql://u:pw@other:5555/x").spec(m -> { });
        assertThat(spec.display()).isEqualTo("u@other:5555/x");
    }

    @Test
    void unknownTarget_suggestsANearOne() throws Exception {
        Project p = load("targets:\n  production:\n    url: postgresql://a/b\n  dev:\n    url: postgresql://c/d\n", Map.of());
        assertThatThrownBy(() -> p.target("prodution", null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown target 'prodution' (did you mean 'production'?)");
    }

    @Test
    void defaultTarget_mustExist() throws Exception {
        Project p = load("default-target: staging\ntargets:\n  dev:\n    url: postgresql://a/b\n", Map.of());
        assertThatThrownBy(() -> p.target(null, null)).hasMessageContaining("keel.yaml:1 (default-target)");
    }

    @Test
    void explicitProjectFileThatDoesNotExist_isAConfigError() {
        assertThatThrownBy(() -> ProjectLoader.load(dir.resolve("nope.yaml"), dir, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("project file not found");
    }
}
