package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel demo on a copy of the sample project, so the checkout's own .keel is left alone. */
class DemoCommandIT {

    @TempDir
    Path dir;

    @AfterEach
    void destroy() {
        Run.keel("db", "destroy", "--yes", "--project", dir.resolve("keel.yaml").toString());
    }

    @Test
    void demo_buildsTheSampleShopAndShowsCatalogAndFindings() throws Exception {
        copy(repositoryRoot().resolve("examples/commerce"), dir);

        Run run = Run.keel("demo", "--no-serve", "--example", dir.toString());

        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out())
                .contains("[1/8] embedded PostgreSQL").contains("started: PostgreSQL")
                .contains("applied 7 migrations; schema at version 6")
                .contains("generated sample data at scale 1")
                .contains("order_lines")
                .contains("design.no-primary-key").contains("shop.audit_events")
                .contains("5 findings: 1 error, 4 warnings")
                .contains("[5/8] migration lint of an unsafe change")
                .contains("[6/8] a short workload").contains("Top statements by total time")
                .contains("CREATE INDEX CONCURRENTLY ON shop.audit_events")
                .contains("[7/8] encrypted backup").contains("verify: PASS")
                .contains("[8/8] readiness against the blueprint's checklist (keel check)").containsPattern("\\d+ pass, \\d+ fail")
                .contains("lint.add-column-volatile-default").contains("lint.rename-column");
        String password = Files.readString(dir.resolve(".keel/pg/password")).strip();
        assertThat(run.all()).doesNotContain(password);

        // again, as the tour: it serves the dashboard with its token until interrupted (Ctrl-C)
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int[] code = {-1};
        Thread tour = new Thread(() -> code[0] = Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true),
                "demo", "--example", dir.toString()));
        tour.start();
        try {
            java.util.regex.Matcher url = null;
            for (java.time.Instant until = java.time.Instant.now().plusSeconds(180); java.time.Instant.now().isBefore(until)
                    && tour.isAlive(); Thread.sleep(200)) {
                url = java.util.regex.Pattern.compile("(http://127\\.0\\.0\\.1:\\d+/)\\?token=(\\S+)").matcher(out.toString());
                if (url.find()) {
                    break;
                }
                url = null;
            }
            assertThat(url).as(out + "\n" + err).isNotNull();
            assertThat(out.toString()).contains("running: PostgreSQL").contains("Ctrl-C stops the dashboard");
            var http = java.net.http.HttpClient.newHttpClient();
            var page = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url.group(1)))
                    .header("Authorization", "Bearer " + url.group(2)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("Readiness (keel check)", "Top statements", "Last backup");
            var refused = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url.group(1))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
        } finally {
            tour.interrupt();
            tour.join(30_000);
        }
        assertThat(tour.isAlive()).as("the tour stops when interrupted").isFalse();
        assertThat(code[0]).isZero();
    }

    static Path repositoryRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("examples/commerce"))) {
                return d;
            }
        }
        throw new IllegalStateException("examples/commerce not found above " + Path.of("").toAbsolutePath());
    }

    static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path rel = from.relativize(p);
                if (rel.startsWith(".keel")) {
                    continue;
                }
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
