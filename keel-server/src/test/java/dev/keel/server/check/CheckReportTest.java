package dev.keel.server.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which outcomes fail a run, and the HTML report's escaping. */
class CheckReportTest {

    private static CheckReport report(CheckItem... items) {
        return new CheckReport("t (app@db:5432/shop)", Instant.parse("2026-11-25T12:00:00Z"), List.of(items));
    }

    @Test
    void failed_onlyForARequiredFailure_orARequiredNotConfiguredWhenAskedFor() {
        CheckItem notAvailable = new CheckItem("testing", "security testing conducted", CheckStatus.NOT_AVAILABLE, "not built", "", true);
        CheckItem notConfigured = new CheckItem("planning", "high availability requirements defined", CheckStatus.NOT_CONFIGURED, "no slo", "", true);
        CheckItem optionalFail = new CheckItem("deployment", "initial data loaded", CheckStatus.FAIL, "empty", "", false);
        CheckItem requiredFail = new CheckItem("deployment", "documentation finalized", CheckStatus.FAIL, "no comments", "", true);

        assertThat(report(notAvailable, notConfigured, optionalFail).failed(false)).isFalse();
        assertThat(report(notAvailable, optionalFail).failed(true)).isFalse();
        assertThat(report(notAvailable, notConfigured).failed(true)).isTrue();
        assertThat(report(notAvailable, requiredFail).failed(false)).isTrue();
        assertThat(report(notConfigured, requiredFail, optionalFail).summary())
                .containsEntry("fail", 2).containsEntry("requiredFailing", 1).containsEntry("not-configured", 1);
    }

    @Test
    void html_escapesEvidence_andLinksToNothing() {
        String page = CheckHtml.render(report(new CheckItem("deployment", "documentation finalized", CheckStatus.FAIL,
                "table public.\"<script>\" has no comment", "COMMENT ON TABLE x IS '...';", true)),
                CheckHistory.Trend.of(List.of()));
        assertThat(page).doesNotContain("<script>").contains("&lt;script&gt;", "&#39;...&#39;")
                .doesNotContain("src=", "href=");
    }

    @Test
    void status_labels_roundTrip() {
        for (CheckStatus s : CheckStatus.values()) {
            assertThat(CheckStatus.parse(s.label())).isEqualTo(s);
        }
        assertThat(CheckStatus.NOT_CONFIGURED.label()).isEqualTo("not-configured");
    }
}
