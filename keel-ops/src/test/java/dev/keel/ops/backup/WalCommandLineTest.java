package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalCommandLineTest {

    @TempDir
    Path dir;

    @Test
    void classArchive_fromTheLauncher_isPassedToArchiveCommandsJvm_onlyWhenItExists() throws Exception {
        Path archive = Files.createFile(dir.resolve("keel-1.jsa"));

        assertThat(WalCommandLine.classArchive(Map.of("KEEL_CLASS_ARCHIVE", archive.toString())))
                .isEqualTo("\"-XX:SharedArchiveFile=" + archive + "\"\n-Xlog:cds=off\n");
        assertThat(WalCommandLine.classArchive(Map.of("KEEL_CLASS_ARCHIVE", dir.resolve("gone.jsa").toString()))).isEmpty();
        assertThat(WalCommandLine.classArchive(Map.of())).isEmpty();
    }

    @Test
    void javaCommand_writesTheOptionsIntoTheRepositorysArgumentFile() throws Exception {
        String command = WalCommandLine.archiveCommand(dir.resolve("repo"), Compression.ZSTD);

        Path args = dir.resolve("repo").resolve(WalCommandLine.ARGS_FILE);
        assertThat(command).contains("'@" + args + "'").endsWith(" --compression zstd %p");
        assertThat(Files.readString(args)).contains("-XX:TieredStopAtLevel=1\n", "\ndev.keel.ops.backup.WalCommandLine\n");
    }
}
