package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalRepositoryTest {

    @TempDir
    Path dir;

    @Test
    void putGetListDelete_behaveAsAnObjectStore() throws Exception {
        LocalRepository repo = new LocalRepository(dir);
        repo.put("a/b/one", "1".getBytes(StandardCharsets.UTF_8));
        repo.put("a/b/two", new ByteArrayInputStream("2".getBytes(StandardCharsets.UTF_8)));
        repo.put("a/c", "3".getBytes(StandardCharsets.UTF_8));
        repo.put("a/c", "3b".getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("a/b/.two.tmp-leftover"), "partial"); // a crashed put

        assertThat(repo.list("a/")).containsExactly("a/b/one", "a/b/two", "a/c");
        assertThat(repo.list("a/b/")).containsExactly("a/b/one", "a/b/two");
        assertThat(repo.list("zzz/")).isEmpty();
        assertThat(repo.get("a/c")).hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.UTF_8))
                .isEqualTo("3b"));
        assertThat(repo.get("a/missing")).isEmpty();
        assertThat(repo.exists("a/b/two")).isTrue();

        repo.delete("a/b/one");
        repo.delete("a/b/one");
        assertThat(repo.exists("a/b/one")).isFalse();
        assertThat(repo.list("a/")).containsExactly("a/b/two", "a/c");
    }

    @Test
    void paths_outsideTheRoot_areRejected() {
        LocalRepository repo = new LocalRepository(dir);
        for (String bad : new String[] {"../x", "/etc/passwd", "a//b", "a/./b", "a/", ""}) {
            assertThatThrownBy(() -> repo.put(bad, new byte[0])).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
