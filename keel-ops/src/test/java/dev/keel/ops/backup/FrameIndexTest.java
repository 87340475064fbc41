package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The frame index of a full backup's tar: where each frame lies, and what a damaged one says. */
class FrameIndexTest {

    @Test
    void roundTrip_findsTheFrameOfEveryTarByte() throws IOException {
        FrameIndex index = new FrameIndex();
        index.add(262_656, 9_000);
        index.add(262_144, 12);
        index.add(1_024, 20);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        index.write(out);

        FrameIndex read = FrameIndex.read(new ByteArrayInputStream(out.toByteArray()), "b1");

        assertThat(read.count()).isEqualTo(3);
        assertThat(read.tarBytes()).isEqualTo(262_656 + 262_144 + 1_024);
        assertThat(read.tarOffset(2)).isEqualTo(262_656 + 262_144);
        assertThat(read.storedOffset(2)).isEqualTo(9_012);
        assertThat(read.storedLength(1)).isEqualTo(12);
        assertThat(read.frameAt(0)).isZero();
        assertThat(read.frameAt(262_655)).isZero();
        assertThat(read.frameAt(262_656)).isEqualTo(1);
        assertThat(read.frameAt(read.tarBytes() - 1)).isEqualTo(2);
        assertThatThrownBy(() -> read.frameAt(read.tarBytes())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void read_ofAnythingElse_isRefusedNamingTheBackupAndLine() {
        assertThatThrownBy(() -> read("keel-files 1\n"))
                .isInstanceOf(BackupException.class).hasMessageContaining("frame index of backup b1 is damaged");
        assertThatThrownBy(() -> read("keel-frames 1\n2\n10 5\n")).hasMessageContaining("line 4 is not two lengths");
        assertThatThrownBy(() -> read("keel-frames 1\n1\n10 x\n")).hasMessageContaining("line 3 holds no length");
        assertThatThrownBy(() -> read("keel-frames 1\n1\n0 5\n")).hasMessageContaining("line 3");
        assertThatThrownBy(() -> read("keel-frames 1\n1\n10 5\n7 7\n")).hasMessageContaining("goes on past its 1 frames");
    }

    private static FrameIndex read(String text) {
        return FrameIndex.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)), "b1");
    }
}
