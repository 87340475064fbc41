package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.server.check.Checklist;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel check on a project whose target is the test database: exit codes, the JSON shape, the HTML report. */
@KeelPostgres
class CheckCommandIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private String project(String url, String extra) throws Exception {
        Files.writeString(dir.resolve("keel.yaml"), """
                targets:
                  t:
                    url: %s
                %s""".formatted(url, extra));
        return dir.resolve("keel.yaml").toString();
    }

    private static String url(TestDatabase db) {
        return "postgresql://%s:%s@127.0.0.1:%d/%s".formatted(db.user(), db.password(), db.port(), db.name());
    }

    @Test
    void check_json_givesEveryItemInExactShape_storesTheRun_andExitsOneOnARequiredFailure(TestDatabase db) throws Exception {
        String p = project(url(db), "");

        Run run = Run.keel("check", "--json", "--project", p);

        assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
        JsonNode doc = JSON.readTree(run.out());
        JsonNode items = doc.get("items");
        assertThat(items).hasSize(25);
        List<String> names = new ArrayList<>();
        for (JsonNode i : items) {
            List<String> keys = new ArrayList<>();
            i.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).containsExactly("phase", "item", "status", "evidence", "next");
            assertThat(i.get("status").asText()).isIn("pass", "fail", "not-configured", "not-available");
            names.add(i.get("item").asText());
        }
        assertThat(names).isEqualTo(Checklist.itemNames());
        assertThat(items.get(0).get("phase").asText()).isEqualTo("planning");
        assertThat(doc.get("summary").get("requiredFailing").asInt()).isPositive();
        assertThat(run.all()).doesNotContain(db.password());
        assertThat(Files.readAllLines(dir.resolve(".keel/check/history.jsonl"))).hasSize(1);

        Run again = Run.keel("check", "--json", "--project", p);
        JsonNode trend = JSON.readTree(again.out()).get("trend");
        assertThat(trend.get("runs")).hasSize(2);
        assertThat(Files.readAllLines(dir.resolve(".keel/check/history.jsonl"))).hasSize(2);
    }

    @Test
    void check_everyItemOptional_exitsZero_andWritesASelfContainedHtmlReport(TestDatabase db) throws Exception {
        String optional = Checklist.itemNames().stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", "));
        String p = project(url(db), "check: {optional: [" + optional + "]}\n");
        Path html = dir.resolve("out/check.html");

        Run run = Run.keel("check", "--html", html.toString(), "--project", p);

        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out()).contains("PLANNING", "OPERATIONAL", "schema migration system configured", "(optional)");
        String page = Files.readString(html);
        assertThat(page).startsWith("<!DOCTYPE html>").contains("documentation finalized", "not-available")
                .doesNotContain("src=", "href=", "http://", "https://").doesNotContain(db.password());

        Run strict = Run.keel("check", "--fail-on", "not-configured", "--project", project(url(db), "slo: {rpo: 5m}\n"
                + "check: {optional: [" + Checklist.itemNames().stream().filter(n -> !n.equals(Checklist.HA_REQUIREMENTS))
                .map(n -> "\"" + n + "\"").collect(Collectors.joining(", ")) + "]}\n"));
        assertThat(strict.exitCode()).as(strict.all()).isEqualTo(1);
        assertThat(strict.out()).contains("only rpo declared");
    }

    @Test
    void check_unreachableTarget_failsTheItemsThatNeedIt_andNothingPasses() throws Exception {
        String p = project("postgresql://keel:secret-pw@127.0.0.1:" + EmbeddedPostgres.freeLoopbackPort() + "/postgres", "");

        Run run = Run.keel("check", "--json", "--project", p);

        assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
        JsonNode items = JSON.readTree(run.out()).get("items");
        Set<String> statuses = new java.util.HashSet<>();
        items.forEach(i -> statuses.add(i.get("status").asText()));
        assertThat(statuses).doesNotContain("pass");
        JsonNode tech = items.get(0);
        assertThat(tech.get("status").asText()).isEqualTo("fail");
        assertThat(tech.get("evidence").asText()).startsWith("not evaluated: target unreachable");
        assertThat(run.all()).doesNotContain("secret-pw");
    }

    @Test
    void check_badConfiguration_exitsTwo(TestDatabase db) throws Exception {
        Run unknownItem = Run.keel("check", "--project", project(url(db), "check: {optional: [coffee break]}\n"));
        assertThat(unknownItem.exitCode()).isEqualTo(2);
        assertThat(unknownItem.err()).contains("check.optional", "'coffee break' is not a checklist item");

        Run badDuration = Run.keel("check", "--project", project(url(db), "slo: {rpo: soon, rto: 1h}\n"));
        assertThat(badDuration.exitCode()).isEqualTo(2);
        assertThat(badDuration.err()).contains("slo.rpo", "'soon' is not a duration");

        Run badFailOn = Run.keel("check", "--fail-on", "warning", "--project", project(url(db), ""));
        assertThat(badFailOn.exitCode()).isEqualTo(2);
    }
}
