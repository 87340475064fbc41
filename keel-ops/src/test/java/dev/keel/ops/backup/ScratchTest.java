package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where unencrypted dump archives live for a while: private, and never left behind for long. */
class ScratchTest {

    @TempDir
    Path root;

    @Test
    void create_makesAnOwnerOnlyDirectory_andCloseRemovesItWithItsFiles() throws Exception {
        Path dir;
        try (Scratch scratch = Scratch.create(root.resolve("scratch"), "dump")) {
            dir = scratch.dir();
            assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(dir.getFileName().toString()).startsWith("dump-" + ProcessHandle.current().pid() + "-");
            Files.createDirectories(dir.resolve("archive"));
            Files.writeString(dir.resolve("archive/toc.dat"), "secret rows");
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void create_removesWhatDeadProcessesLeft_butNotWhatLiveOnesUse() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path leftover = Files.createDirectories(root.resolve("dump-" + gone.pid() + "-42/archive"));
        Files.writeString(leftover.resolve("toc.dat"), "secret rows");
        Path live = Files.createDirectories(root.resolve("load-" + ProcessHandle.current().pid() + "-7"));
        Path unrelated = Files.createDirectories(root.resolve("notes"));

        try (Scratch scratch = Scratch.create(root, "dump")) {
            assertThat(scratch.dir()).exists();
        }

        assertThat(leftover.getParent()).doesNotExist();
        assertThat(live).exists();
        assertThat(unrelated).exists();
    }
}
