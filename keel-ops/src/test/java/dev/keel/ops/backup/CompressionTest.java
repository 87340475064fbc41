package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.project.ProjectConfig;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CompressionTest {

    @Test
    void everyValueKeelYamlAccepts_isACompression_andNoOther() {
        assertThat(Arrays.stream(Compression.values()).map(Compression::id))
                .containsExactlyElementsOf(ProjectConfig.BackupConfig.COMPRESSIONS);
        ProjectConfig.BackupConfig.COMPRESSIONS.forEach(id -> assertThat(Compression.fromId(id).id()).isEqualTo(id));
    }
}
