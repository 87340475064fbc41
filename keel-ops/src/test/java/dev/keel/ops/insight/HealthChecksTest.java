package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.ops.backup.WalSetup;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The wal-archive verdicts for archiver states that are hard to produce on a test server. */
class HealthChecksTest {

    static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static WalSetup.Status status(String mode, Instant archived, Instant failed, long lag) {
        return new WalSetup.Status(mode, "cp %p /x/%f", 10, "000000010000000000000003", archived, 2,
                "000000010000000000000004", failed, "000000010000000000000009", lag);
    }

    @Test
    void walArchive_failsWhenTheLastFailureIsAfterTheLastSuccess() {
        var o = HealthChecks.walArchive(status("on", T, T.plusSeconds(5), 1));
        assertThat(o.status()).isEqualTo(HealthStatus.FAIL);
        assertThat(o.detail()).contains("failing").contains("000000010000000000000004");
    }

    @Test
    void walArchive_okWhenAnOldFailureWasFollowedBySuccess() {
        assertThat(HealthChecks.walArchive(status("on", T.plusSeconds(5), T, 0)).status()).isEqualTo(HealthStatus.OK);
    }

    @Test
    void walArchive_warnsWhenMoreThanTwoSegmentsWait() {
        var o = HealthChecks.walArchive(status("on", T, null, 3));
        assertThat(o.status()).isEqualTo(HealthStatus.WARN);
        assertThat(o.detail()).startsWith("3 finished segments");
        assertThat(HealthChecks.walArchive(status("on", T, null, 2)).status()).isEqualTo(HealthStatus.OK);
    }

    @Test
    void walArchive_warnsWhenArchiveModeIsOff() {
        assertThat(HealthChecks.walArchive(status("off", null, null, -1)).detail()).startsWith("not archiving");
    }

    @Test
    void report_statusIgnoresSkippedAndTakesTheWorst() {
        HealthReport r = new HealthReport(java.util.List.of(new HealthCheck("connect", HealthStatus.OK, "x", 1),
                new HealthCheck("disk", HealthStatus.SKIPPED, "remote", 0), new HealthCheck("write", HealthStatus.WARN, "y", 2)));
        assertThat(r.status()).isEqualTo(HealthStatus.WARN);
        assertThat(r.unreachable()).isFalse();
    }
}
