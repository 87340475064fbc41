package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestoreWriterTest {

    @TempDir
    Path tmp;

    @Test
    void writes_landExactlyWhereTheySay_inAnyOrder_overSeveralBufferSizes() throws Exception {
        byte[] data = new byte[5 * (1 << 20) + 123]; // more than the writers' 1 MiB buffers
        new Random(7).nextBytes(data);
        List<Integer> starts = new ArrayList<>();
        int piece = 700_001;
        for (int at = 0; at < data.length; at += piece) {
            starts.add(at);
        }
        Collections.shuffle(starts, new Random(3));
        Path out = tmp.resolve("file");
        try (RestoreWriter w = new RestoreWriter(Throttle.NONE)) {
            RestoreWriter.OpenFile f = w.open(out, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    RestoreWriter.FILE_MODE);
            for (int at : starts) {
                w.write(f, data, at, Math.min(piece, data.length - at), at);
            }
            f.release();
            w.finish();
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
    }

    @Test
    void aFailedWrite_isReportedNamingTheFile_andCloseLeavesNoDescriptorOpen() throws Exception {
        Path readOnly = tmp.resolve("read-only");
        Files.write(readOnly, new byte[10]);
        long before = openDescriptors();
        RestoreWriter w = new RestoreWriter(Throttle.NONE);
        RestoreWriter.OpenFile ok = w.open(tmp.resolve("ok"), Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        RestoreWriter.OpenFile bad = w.open(readOnly, Set.of(StandardOpenOption.READ));
        w.write(ok, new byte[100], 0, 100, 0);
        w.write(bad, new byte[100], 0, 100, 0);

        assertThatThrownBy(w::finish).isInstanceOf(IOException.class).hasMessageContaining("could not write " + readOnly);
        w.close(); // neither file was released by its opener, as after a failure part-way
        assertThat(openDescriptors()).isEqualTo(before);
    }

    @Test
    void inside_refusesNamesThatLeaveTheDataDirectory() {
        Path data = tmp.resolve("data");
        assertThat(RestoreWriter.inside(data, "base/1/2")).contains(data.resolve("base/1/2"));
        assertThat(RestoreWriter.inside(data, "../x")).isEmpty();
        assertThat(RestoreWriter.inside(data, "base/../../x")).isEmpty();
        assertThat(RestoreWriter.inside(data, "/etc/passwd")).isEmpty();
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
