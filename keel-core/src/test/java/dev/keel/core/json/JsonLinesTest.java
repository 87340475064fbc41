package dev.keel.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesTest {

    @Test
    void read_missingFileIsAnEmptyHistory(@TempDir Path dir) throws Exception {
        JsonLines.Read<String> read = JsonLines.read(dir.resolve("none.jsonl"), "run", n -> n.get("id").asText());
        assertThat(read.records()).isEmpty();
        assertThat(read.problems()).isEmpty();
    }

    @Test
    void appendThenRead_keepsGoodLinesAndNamesEachDamagedOneWithItsLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/history.jsonl");
        JsonLines.append(file, Map.of("id", "a"));
        Files.writeString(file, "{not json\n[1, 2]\n{\"other\": 1}\n\n", java.nio.file.StandardOpenOption.APPEND);
        JsonLines.append(file, Map.of("id", "b"));

        JsonLines.Read<String> read = JsonLines.read(file, "run", n -> {
            if (!n.has("id")) {
                throw new IllegalArgumentException("no id");
            }
            return n.get("id").asText();
        });

        assertThat(read.records()).containsExactly("a", "b");
        assertThat(read.problems()).hasSize(3);
        assertThat(read.problems().get(0)).startsWith(file + ":2: not a run (malformed JSON");
        assertThat(read.problems().get(1)).isEqualTo(file + ":3: not a run (not a JSON object)");
        assertThat(read.problems().get(2)).isEqualTo(file + ":4: not a run (no id)");
    }
}
