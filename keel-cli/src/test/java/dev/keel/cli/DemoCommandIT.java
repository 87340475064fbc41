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
    void demo_buildsTheSampleShopAndShowsCatalogAndFindings() throws IOException {
        copy(repositoryRoot().resolve("examples/commerce"), dir);

        Run run = Run.keel("demo", "--example", dir.toString());

        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out())
                .contains("[1/7] embedded PostgreSQL").contains("started: PostgreSQL")
                .contains("applied 7 migrations; schema at version 6")
                .contains("generated sample data at scale 1")
                .contains("order_lines")
                .contains("design.no-primary-key").contains("shop.audit_events")
                .contains("5 findings: 1 error, 4 warnings")
                .contains("[5/7] migration lint of an unsafe change")
                .contains("[6/7] a short workload").contains("Top statements by total time")
                .contains("CREATE INDEX CONCURRENTLY ON shop.audit_events")
                .contains("[7/7] encrypted backup").contains("verify: PASS")
                .contains("lint.add-column-volatile-default").contains("lint.rename-column");
        String password = Files.readString(dir.resolve(".keel/pg/password")).strip();
        assertThat(run.all()).doesNotContain(password);

        Run again = Run.keel("demo", "--example", dir.toString());
        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).contains("running: PostgreSQL");
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
