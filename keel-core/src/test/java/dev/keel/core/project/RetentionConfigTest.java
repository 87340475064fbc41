package dev.keel.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel.yaml's backup.retention keys: read when good, refused with file, line and key when not. */
class RetentionConfigTest {

    @TempDir
    Path dir;

    private Project load(String yaml) throws Exception {
        Files.writeString(dir.resolve("keel.yaml"), yaml);
        return ProjectLoader.load(null, dir, Map.of());
    }

    @Test
    void retention_readsFullAndWindow() throws Exception {
        ProjectConfig.RetentionConfig r = load("""
                backup:
                  retention:
                    full: 3
                    window: 7d
                """).config().backup().retention();
        assertThat(r.full()).isEqualTo(3);
        assertThat(r.windowDuration()).contains(Duration.ofDays(7));
    }

    @Test
    void retention_windowTakesHoursAndMinutes() throws Exception {
        assertThat(load("backup:\n  retention:\n    window: 36h\n").config().backup().retention().windowDuration())
                .contains(Duration.ofHours(36));
        assertThat(load("backup:\n  retention:\n    window: 90m\n").config().backup().retention().windowDuration())
                .contains(Duration.ofMinutes(90));
    }

    @Test
    void retention_absent_keepsEverything() throws Exception {
        ProjectConfig.RetentionConfig r = load("backup:\n  repository: .keel/backups\n").config().backup().retention();
        assertThat(r.full()).isNull();
        assertThat(r.windowDuration()).isEmpty();
        assertThat(ProjectConfig.EMPTY.backup().retention()).isEqualTo(r);
        assertThat(load("backup:\n  retention:\n").config().backup().retention()).isEqualTo(r);
    }

    @Test
    void retention_fullOfZero_namesFileLineAndKey() {
        assertThatThrownBy(() -> load("name: shop\nbackup:\n  retention:\n    full: 0\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:4 (backup.retention.full)")
                .hasMessageContaining("must be 1 or more, was 0");
    }

    @Test
    void retention_fullThatIsNotANumber_namesLineAndKey() {
        assertThatThrownBy(() -> load("backup:\n  retention:\n    full: three\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:3")
                .hasMessageContaining("backup.retention.full")
                .hasMessageContaining("a number");
    }

    @Test
    void retention_windowWithoutAUnit_namesFileLineAndKey() {
        assertThatThrownBy(() -> load("backup:\n  compression: zstd\n  retention:\n    full: 2\n    window: 7\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:5 (backup.retention.window)")
                .hasMessageContaining("'7' is not a duration");
    }

    @Test
    void retention_badWindows_areRefused() {
        for (String bad : new String[] {"7x", "seven days", "-1d", "1.5d", "0d", "7 weeks", "''"}) {
            assertThatThrownBy(() -> load("backup:\n  retention:\n    window: " + bad + "\n"))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("keel.yaml:3 (backup.retention.window)");
        }
    }

    @Test
    void retention_misspelledKey_suggestsTheKnownOne() {
        assertThatThrownBy(() -> load("backup:\n  retention:\n    fulls: 2\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:3")
                .hasMessageContaining("unknown key 'backup.retention.fulls'")
                .hasMessageContaining("did you mean 'full'?");
    }
}
