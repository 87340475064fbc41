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
    void get_intoAnArray_usesItWhenTheObjectFits_elseANewOne() {
        LocalRepository repo = new LocalRepository(dir.resolve("repo"));
        repo.put("a/small", "0123456789".getBytes(StandardCharsets.UTF_8));
        byte[] reuse = new byte[16];

        java.nio.ByteBuffer small = repo.get("a/small", reuse).orElseThrow();
        assertThat(small.array()).isSameAs(reuse);
        assertThat(small.remaining()).isEqualTo(10);
        assertThat(new String(reuse, 0, 10, StandardCharsets.UTF_8)).isEqualTo("0123456789");

        repo.put("a/large", new byte[100]);
        java.nio.ByteBuffer large = repo.get("a/large", reuse).orElseThrow();
        assertThat(large.array()).isNotSameAs(reuse).hasSize(100);
        assertThat(large.remaining()).isEqualTo(100);
        assertThat(repo.get("a/missing", reuse)).isEmpty();
    }

    @Test
    void children_areTheNamesOneLevelDownThatHoldObjects_asTheFullListingGivesThem() throws Exception {
        LocalRepository repo = new LocalRepository(dir.resolve("repo"));
        repo.put("backups/b1/manifest.json", new byte[1]);
        repo.put("backups/b2/data/base.tar/000000.chunk", new byte[1]);
        repo.put("backups/loose", new byte[1]);                       // an object, not a level
        Files.createDirectories(dir.resolve("repo/backups/empty/data")); // a level without objects
        Files.createDirectories(dir.resolve("repo/backups/writing"));
        Files.write(dir.resolve("repo/backups/writing/.manifest.json.tmp-1"), new byte[1]); // a write in progress
        repo.put("wal/x", new byte[1]);

        assertThat(repo.children("backups/")).containsExactly("b1", "b2");
        Repository listing = new Repository() { // the interface's own answer, from the full listing
            public void put(String path, byte[] bytes) { }
            public void put(String path, java.io.InputStream in) { }
            public java.util.Optional<byte[]> get(String path) { return repo.get(path); }
            public boolean exists(String path) { return repo.exists(path); }
            public java.util.List<String> list(String prefix) { return repo.list(prefix); }
            public void delete(String path) { }
        };
        assertThat(listing.children("backups/")).containsExactly("b1", "b2");
        assertThat(repo.children("nothing/")).isEmpty();
    }

    @Test
    void paths_outsideTheRoot_areRejected() {
        LocalRepository repo = new LocalRepository(dir);
        for (String bad : new String[] {"../x", "/etc/passwd", "a//b", "a/./b", "a/", ""}) {
            assertThatThrownBy(() -> repo.put(bad, new byte[0])).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
