package dev.keel.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.project.Project;
import dev.keel.core.project.ProjectLoader;
import dev.keel.server.browser.BrowserPage;
import dev.keel.server.browser.ChartState;
import dev.keel.server.browser.Credentials;
import dev.keel.server.browser.HeadlessBrowser;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard as a user sees it, in headless Chromium: a real workload with two statement snapshots and two
 * recorded keel check runs behind it, every page loaded with the token, every chart drawn with data, no request
 * failing; without the token, refused. Screenshots go to target/browser/.
 */
@KeelPostgres
class DashboardBrowserIT {

    @TempDir
    static Path dir;

    private static KeelServer server;
    private static HeadlessBrowser browser;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start(TestDatabase db) throws Exception {
        Files.createDirectories(dir.resolve("db/migrations"));
        Files.writeString(dir.resolve("db/migrations/V1__orders.sql"),
                "create table orders (id int primary key, customer int not null, total numeric not null);\n");
        Files.writeString(dir.resolve("keel.yaml"), "name: shop\ntargets:\n  db:\n    url: " + db.uri() + "\n");
        Project project = ProjectLoader.load(null, dir, Map.of());
        server = KeelServer.start(ServerOptions.from(project, Map.of()).withPort(0).withAllowActions(true), project,
                project.target(null, null));
        db.execute("""
                create extension if not exists pg_stat_statements;
                create table orders (id int primary key, customer int not null, total numeric not null);
                insert into orders select g, g % 100, g from generate_series(1, 5000) g;
                analyze orders;
                """);
        workload(db, 50);
        run("snapshot");
        workload(db, 200);
        run("snapshot");
        run("check");
        run("check");
        browser = HeadlessBrowser.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
        ProjectLoader.load(null, dir, Map.of()).embeddedServer().destroy(); // the check's drift replay server
    }

    private static void workload(TestDatabase db, int calls) throws Exception {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("select sum(total) from orders where customer = ?")) {
            for (int i = 0; i < calls; i++) {
                ps.setInt(1, i % 100);
                ps.executeQuery().close();
            }
        }
    }

    /** POST /api/actions/NAME and wait for the run to end ok. */
    private static void run(String action) throws Exception {
        String auth = "Bearer " + server.token().value();
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(server.url()).resolve("/api/actions/" + action))
                .header("Authorization", auth).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        URI status = URI.create(server.url()).resolve(accepted.headers().firstValue("Location").orElseThrow());
        String body = "";
        for (Instant until = Instant.now().plusSeconds(90); Instant.now().isBefore(until) && !body.contains("\"status\": \"ok\"")
                && !body.contains("\"status\": \"failed\""); Thread.sleep(100)) {
            body = HTTP.send(HttpRequest.newBuilder(status).header("Authorization", auth).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
        assertThat(body).as(action).contains("\"status\": \"ok\"");
    }

    private static BrowserPage load(String path) {
        return browser.load(URI.create(server.url()).resolve(path), Credentials.bearer(server.token().value()));
    }

    @Test
    void overview_withTheToken_drawsEveryChartWithDataAndNoRequestFails() {
        try (BrowserPage page = load("/")) {
            page.screenshot(Path.of("target", "browser", "dashboard.png"));

            assertThat(page.documentStatus()).isEqualTo(200);
            assertThat(page.problems()).isEmpty();
            assertThat(page.echarts()).extracting(ChartState::name).containsExactlyInAnyOrder("statements", "check");
            assertThat(page.echarts()).allSatisfy(c -> assertThat(c.hasData()).as(c.toString()).isTrue());
            assertThat(page.evaluate("document.body.innerText", String.class))
                    .contains("Health", "Top statements", "Connections", "Findings", "Migrations", "Backups", "Readiness",
                            "select sum(total) from orders where customer = $1");
        }
    }

    @Test
    void everyPage_loadsWithoutAFailedRequest() {
        for (String path : new String[]{"/insight", "/migrations", "/backups", "/check"}) {
            try (BrowserPage page = load(path)) {
                page.screenshot(Path.of("target", "browser", "dashboard-" + path.substring(1) + ".png"));
                assertThat(page.documentStatus()).as(path).isEqualTo(200);
                assertThat(page.problems()).as(path).isEmpty();
                assertThat(page.echarts()).as(path).allSatisfy(c -> assertThat(c.hasData()).as(c.toString()).isTrue());
            }
        }
        try (BrowserPage check = load("/check")) {
            assertThat(check.echarts()).extracting(ChartState::name).containsExactly("check");
            assertThat(check.evaluate("document.body.innerText", String.class))
                    .contains("schema migration system configured", "not-available");
        }
    }

    @Test
    void withoutTheToken_theDashboardIsRefused() {
        try (BrowserPage page = browser.load(URI.create(server.url()).resolve("/"))) {
            assertThat(page.documentStatus()).isEqualTo(401);
            assertThat(page.evaluate("document.body.innerText", String.class)).doesNotContain(server.token().value());
        }
        try (BrowserPage page = browser.load(URI.create(server.url()).resolve("/api/insight"), Credentials.bearer("wrong"))) {
            assertThat(page.documentStatus()).isEqualTo(401);
        }
    }
}
