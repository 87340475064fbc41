package dev.keel.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel.yaml's extensions, slo and check keys (read by keel check): defaults, values, and refusals with file, line and key. */
class CheckConfigTest {

    @TempDir
    Path dir;

    private Project load(String yaml) throws Exception {
        Files.writeString(dir.resolve("keel.yaml"), yaml);
        return ProjectLoader.load(null, dir, Map.of());
    }

    @Test
    void absent_givesDefaults_andNoObjectives() throws Exception {
        ProjectConfig c = load("name: shop\n").config();
        assertThat(c.declaredExtensions()).isEmpty();
        assertThat(c.slo().rpoDuration()).isEmpty();
        assertThat(c.slo().rtoDuration()).isEmpty();
        assertThat(c.check().windowDuration()).isEqualTo(Duration.ofDays(7));
        assertThat(c.check().backupMaxAgeDuration()).isEqualTo(Duration.ofDays(1));
        assertThat(c.check().verifyIntervalDuration()).isEmpty();
        assertThat(c.check().optional()).isEmpty();
        assertThat(ProjectConfig.EMPTY.check()).isEqualTo(c.check());
    }

    @Test
    void values_areRead() throws Exception {
        ProjectConfig c = load("""
                extensions: [pg_stat_statements, hypopg]
                slo: {rpo: 5m, rto: 1h}
                check:
                  window: 14d
                  backup-max-age: 36h
                  verify-interval: 1d
                  optional: [initial data loaded]
                """).config();
        assertThat(c.declaredExtensions()).contains(List.of("pg_stat_statements", "hypopg"));
        assertThat(c.slo().rpoDuration()).contains(Duration.ofMinutes(5));
        assertThat(c.slo().rtoDuration()).contains(Duration.ofHours(1));
        assertThat(c.check().windowDuration()).isEqualTo(Duration.ofDays(14));
        assertThat(c.check().backupMaxAgeDuration()).isEqualTo(Duration.ofHours(36));
        assertThat(c.check().verifyIntervalDuration()).contains(Duration.ofDays(1));
        assertThat(c.check().optional()).containsExactly("initial data loaded");
        assertThat(load("extensions: []\n").config().declaredExtensions()).contains(List.of());
    }

    @Test
    void badDuration_namesFileLineAndKey() {
        assertThatThrownBy(() -> load("name: shop\nslo:\n  rpo: 5m\n  rto: soon\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:4 (slo.rto)")
                .hasMessageContaining("'soon' is not a duration");
        assertThatThrownBy(() -> load("check:\n  window: 0d\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("(check.window)");
    }

    @Test
    void misspelledKey_isSuggested() {
        assertThatThrownBy(() -> load("check:\n  windw: 7d\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("did you mean 'window'");
    }
}
