package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyHistoryTest {

    @TempDir
    Path dir;

    @Test
    void append_thenRead_givesTheRunsOldestFirst() {
        Path file = dir.resolve(".keel").resolve(VerifyHistory.FILE_NAME);
        VerifyHistory.Run first = new VerifyHistory.Run("20261124T000000Z-full", true, List.of(), 5200, 3600, 3, 41, 5,
                Instant.parse("2026-11-24T01:00:00Z"));
        VerifyHistory.Run second = new VerifyHistory.Run("20261125T000000Z-full", false, List.of("amcheck of x: corrupt"),
                4100, 60, 3, 40, 2, Instant.parse("2026-11-25T01:00:00Z"));

        VerifyHistory.append(file, first);
        VerifyHistory.append(file, second);

        VerifyHistory.History h = VerifyHistory.read(file);
        assertThat(h.runs()).containsExactly(first, second);
        assertThat(h.problems()).isEmpty();
        assertThat(file).content().startsWith("{\"backup\":\"20261124T000000Z-full\",\"ok\":true,\"problems\":[],"
                + "\"rtoMillis\":5200,\"rpoSeconds\":3600,\"databases\":3,\"indexesChecked\":41,\"tablesCompared\":5,"
                + "\"verifiedAt\":\"2026-11-24T01:00:00Z\"}\n");
    }

    @Test
    void read_malformedLines_areNamedByFileAndLineAndSkipped() throws Exception {
        Path file = dir.resolve(VerifyHistory.FILE_NAME);
        Files.writeString(file, """
                {"backup":"b1","ok":true,"problems":[],"rtoMillis":10,"rpoSeconds":5,"databases":1,"indexesChecked":2,"verifiedAt":"2026-11-24T01:00:00Z"}
                {"backup":"b2","ok":tru
                [1, 2]

                {"backup":"b3","ok":"yes","verifiedAt":"2026-11-24T01:00:00Z"}
                {"backup":"b4","ok":false,"verifiedAt":"yesterday"}
                {"backup":"b5","ok":false,"problems":["x"],"rtoMillis":"slow","verifiedAt":"2026-11-25T01:00:00Z"}
                {"backup":"b6","ok":false,"problems":["x"],"verifiedAt":"2026-11-25T02:00:00Z"}
                """);

        VerifyHistory.History h = VerifyHistory.read(file);

        assertThat(h.runs()).extracting(VerifyHistory.Run::backup).containsExactly("b1", "b6");
        assertThat(h.problems()).hasSize(5);
        assertThat(h.problems().get(0)).startsWith(file + ":2: not a verification run (malformed JSON: ")
                .contains("'tru'");
        assertThat(h.problems().subList(1, 5)).containsExactly(
                file + ":3: not a verification run (not a JSON object)",
                file + ":5: not a verification run ('ok' is not true or false)",
                file + ":6: not a verification run ('verifiedAt' is not a time)",
                file + ":7: not a verification run ('rtoMillis' is not a whole number)");
    }

    @Test
    void read_missingFile_isAnEmptyHistory() {
        VerifyHistory.History h = VerifyHistory.read(dir.resolve("none.jsonl"));
        assertThat(h.runs()).isEmpty();
        assertThat(h.problems()).isEmpty();
    }
}
