package dev.keel.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.KeelException;
import dev.keel.core.project.Project;
import dev.keel.core.project.ProjectLoader;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel serve over real HTTP against the test PostgreSQL: security, health, API, actions, TLS. */
@KeelPostgres
class KeelServerIT {

    @TempDir
    Path dir;

    private KeelServer server;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Project project(String url, String extra) throws Exception {
        Files.createDirectories(dir.resolve("db/migrations"));
        Files.writeString(dir.resolve("db/migrations/V1__init.sql"), "create table served (id int primary key);\n");
        Files.writeString(dir.resolve("keel.yaml"), "targets:\n  db:\n    url: " + url + "\n" + extra);
        return ProjectLoader.load(null, dir, Map.of());
    }

    private KeelServer start(TestDatabase db, boolean allowActions) throws Exception {
        Project p = project(db.uri(), "");
        server = KeelServer.start(ServerOptions.from(p, Map.of()).withPort(0).withAllowActions(allowActions), p,
                p.target(null, null));
        return server;
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url()).resolve(path)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> authed(String path) throws Exception {
        return get(path, "Authorization", "Bearer " + server.token().value());
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url()).resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void api_withoutOrWithAWrongTokenIs401WithoutAHint(TestDatabase db) throws Exception {
        start(db, false);
        String token = server.token().value();

        HttpResponse<String> none = get("/api/insight");
        HttpResponse<String> wrong = get("/api/insight", "Authorization", "Bearer " + token.substring(0, 20) + "x");
        HttpResponse<String> page = get("/", "Accept", "text/html");

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(page.statusCode()).isEqualTo(401);
        assertThat(page.body()).contains("<form");
        for (HttpResponse<String> r : List.of(none, wrong, page)) {
            assertThat(r.body()).doesNotContain(token).doesNotContain(token.substring(0, 8));
            assertThat(r.headers().map().toString()).doesNotContain(token.substring(0, 8));
        }
        assertThat(get("/metrics").statusCode()).isEqualTo(401);
        HttpResponse<String> traversal = http.send(HttpRequest.newBuilder(URI.create(server.url() + "health/../api/insight"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(traversal.statusCode()).isIn(400, 401);
        assertThat(traversal.body()).doesNotContain("findings");
        assertThat(get("/assets/echarts.min.js").statusCode()).isEqualTo(401);
    }

    @Test
    void api_withTheBearerTokenServesInsightMetricsAndTheOverview(TestDatabase db) throws Exception {
        db.execute("create table t (id int primary key, v text); insert into t select g, 'x' from generate_series(1, 1000) g");
        start(db, false);

        HttpResponse<String> insight = authed("/api/insight");
        HttpResponse<String> metrics = authed("/metrics");
        HttpResponse<String> overview = authed("/");
        HttpResponse<String> chart = authed("/assets/echarts.min.js");

        assertThat(insight.statusCode()).isEqualTo(200);
        assertThat(insight.body()).contains("\"findings\"", "\"summary\"", "\"connections\"");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).containsPattern("(?m)^pg_up 1(\\.0)?$");
        assertThat(overview.statusCode()).isEqualTo(200);
        assertThat(overview.body()).contains("Health", "Top statements", "Connections", "Findings", "Backups", "Migrations");
        assertThat(overview.body()).doesNotContain("cdn", "http://", "https://");
        assertThat(authed("/insight").body()).contains("All findings", "<td>insight.");
        assertThat(authed("/migrations").body()).contains("<td>init", "Pending");
        assertThat(authed("/backups").body()).contains("No backups in the repository", "No verification recorded");
        assertThat(chart.statusCode()).isEqualTo(200);
        assertThat(chart.body()).contains("echarts");
        assertThat(authed("/api/backups").body()).contains("\"backups\"");
        assertThat(authed("/api/migrations").body()).contains("\"migrations\"", "\"state\": \"Pending\"");
        assertThat(authed("/api/history").body()).contains("\"intervals\"", "\"growth\"");
        assertThat(authed("/api/jobs").body()).contains("\"jobs\"");
        try {
            HttpResponse<String> check = authed("/api/check");
            assertThat(check.statusCode()).isEqualTo(200);
            assertThat(check.body()).contains("\"items\"", "\"phase\": \"planning\"", "\"status\": \"not-available\"");
            assertThat(dir.resolve(".keel/check/history.jsonl")).as("a GET records no check run").doesNotExist();
        } finally {
            ProjectLoader.load(null, dir, Map.of()).embeddedServer().destroy(); // the drift check's scratch server
        }
    }

    @Test
    void overview_chartsStatementTimeOverSnapshotsWithTheLocalChartLibrary(TestDatabase db) throws Exception {
        db.execute("create extension if not exists pg_stat_statements");
        db.execute("create table w (id int primary key, v int)");
        start(db, false);
        try (Connection c = db.connect()) {
            dev.keel.ops.insight.StatementHistory.snapshot(c);
            db.execute("insert into w select g, g from generate_series(1, 5000) g");
            for (int i = 0; i < 20; i++) {
                db.execute("select count(*) from w where v % 7 = " + i);
            }
            dev.keel.ops.insight.StatementHistory.snapshot(c);
        }

        HttpResponse<String> page = authed("/");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<script src=\"/assets/echarts.min.js\"></script>", "echarts.init(")
                .contains("statement time per interval").contains("from w where v");
    }

    @Test
    void login_formAndTokenLinkSetAStrictHttpOnlyCookieThatOpensTheDashboard(TestDatabase db) throws Exception {
        start(db, false);
        String token = server.token().value();

        HttpResponse<String> form = post("/login", "token=" + token, "Content-Type", "application/x-www-form-urlencoded");
        HttpResponse<String> link = get("/api/jobs?token=" + token);

        assertThat(form.statusCode()).isEqualTo(302);
        String cookie = form.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly").containsIgnoringCase("SameSite=Strict");
        assertThat(link.statusCode()).isEqualTo(302);
        assertThat(link.headers().firstValue("Location").orElseThrow()).isEqualTo("/api/jobs").doesNotContain(token);
        HttpResponse<String> page = get("/", "Cookie", cookie.substring(0, cookie.indexOf(';')));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Health");
        assertThat(post("/login", "token=nope-" + token.substring(3), "Content-Type", "application/x-www-form-urlencoded")
                .statusCode()).isEqualTo(401);
    }

    @Test
    void health_needsNoTokenAndIsReadyOnTheTestDatabase(TestDatabase db) throws Exception {
        start(db, false);

        HttpResponse<String> ready = get("/health/ready");
        HttpResponse<String> live = get("/health/live");

        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"checks\"", "\"write\"");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).contains("\"connect\"");
    }

    @Test
    void downTarget_healthIs503AndTheDashboardStillServesShowingDown() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Project p = project("postgresql://nobody:pw@127.0.0.1:" + closed + "/gone", "");
        server = KeelServer.start(ServerOptions.from(p, Map.of()).withPort(0), p, p.target(null, null));

        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
        assertThat(get("/health/live").statusCode()).isEqualTo(503);
        HttpResponse<String> page = authed("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("down").contains("Backups");
        assertThat(authed("/insight").body()).contains("down");
        assertThat(authed("/migrations").statusCode()).isEqualTo(200);
        assertThat(authed("/api/insight").statusCode()).isEqualTo(503);
        assertThat(authed("/metrics").body()).containsPattern("(?m)^pg_up 0(\\.0)?$");
        assertThat(authed("/health/ready").statusCode()).isEqualTo(503); // and still serving afterwards
    }

    @Test
    void rateLimit_answers429WithRetryAfterAfterTenFailures(TestDatabase db) throws Exception {
        start(db, false);
        for (int i = 0; i < 10; i++) {
            assertThat(get("/api/jobs", "Authorization", "Bearer wrong-" + i).statusCode()).isEqualTo(401);
        }

        HttpResponse<String> limited = get("/api/jobs", "Authorization", "Bearer " + server.token().value());

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void get_changesNothingAndActionsNeedAllowActions(TestDatabase db) throws Exception {
        start(db, false);
        String before = state(db);
        for (String path : List.of("/", "/insight", "/migrations", "/backups", "/api/insight", "/api/health", "/api/history", "/api/backups", "/api/migrations",
                "/api/jobs", "/api/actions", "/metrics", "/health/ready", "/api/actions/snapshot")) {
            authed(path);
        }
        assertThat(state(db)).isEqualTo(before);

        HttpResponse<String> refused = post("/api/actions/snapshot", "", "Authorization", "Bearer " + server.token().value());

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("--allow-actions");
        assertThat(state(db)).isEqualTo(before);
    }

    @Test
    void action_snapshotRunsAsynchronouslyWithAllowActionsAndTheToken(TestDatabase db) throws Exception {
        start(db, true);
        long before = snapshots(db);
        assertThat(post("/api/actions/snapshot", "").statusCode()).isEqualTo(401);

        HttpResponse<String> accepted = post("/api/actions/snapshot", "", "Authorization", "Bearer " + server.token().value());

        assertThat(accepted.statusCode()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        String status = "";
        for (Instant until = Instant.now().plusSeconds(30); Instant.now().isBefore(until) && !status.contains("\"ok\"")
                && !status.contains("\"failed\""); Thread.sleep(50)) {
            status = authed(location).body();
        }
        assertThat(status).contains("\"status\": \"ok\"", "\"takenAt\"");
        assertThat(snapshots(db)).isEqualTo(before + 1);
        assertThat(post("/api/actions/nothing", "", "Authorization", "Bearer " + server.token().value()).statusCode())
                .isEqualTo(404);
    }

    @Test
    void jobs_runOnTheirScheduleAndReportTheLastRun(TestDatabase db) throws Exception {
        Project p = project(db.uri(), "server:\n  jobs:\n    snapshot: 1s\n");
        server = KeelServer.start(ServerOptions.from(p, Map.of()).withPort(0), p, p.target(null, null));
        String jobs = "";
        for (Instant until = Instant.now().plusSeconds(30); Instant.now().isBefore(until) && !jobs.contains("\"ok\"");
             Thread.sleep(100)) {
            jobs = authed("/api/jobs").body();
        }
        assertThat(jobs).contains("\"name\": \"snapshot\"", "\"status\": \"ok\"", "\"trigger\": \"job\"");
    }

    @Test
    void token_isCreated0600AndReusedOnRestart(TestDatabase db) throws Exception {
        start(db, false);
        ServerToken first = server.token();
        server.close();
        start(db, false);

        assertThat(first.created()).isTrue();
        assertThat(Files.getPosixFilePermissions(first.file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(first.file()).isEqualTo(dir.resolve(".keel/server-token"));
        assertThat(server.token().created()).isFalse();
        assertThat(server.token().value()).isEqualTo(first.value());
        assertThat(first.value()).hasSize(43); // 32 bytes, base64url without padding
    }

    @Test
    void token_neverReachesTheLog(TestDatabase db) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        String token;
        try {
            start(db, false);
            token = server.token().value();
            get("/?token=" + token);
            get("/api/insight?token=" + token + "x");
            get("/api/insight", "Authorization", "Bearer " + token + "x");
            authed("/api/insight");
            post("/login", "token=" + token, "Content-Type", "application/x-www-form-urlencoded");
            server.close();
            server = null;
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("rejected a wrong token"); // the log was captured
        assertThat(log).doesNotContain(token).doesNotContain(token.substring(0, 12));
    }

    @Test
    void tls_servesHttpsFromAKeytoolKeystore(TestDatabase db) throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "keel", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "test-secret", "-keypass", "test-secret")
                .redirectErrorStream(true).start();
        keytool.getInputStream().readAllBytes();
        assertThat(keytool.waitFor()).isZero();
        Project p = project(db.uri(), "server:\n  tls:\n    keystore: server.p12\n    password-env: KEEL_TEST_TLS\n");
        server = KeelServer.start(ServerOptions.from(p, Map.of("KEEL_TEST_TLS", "test-secret")).withPort(0), p,
                p.target(null, null));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, "test-secret".toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(ssl).build();

        HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create(server.url() + "api/jobs"))
                .header("Authorization", "Bearer " + server.token().value()).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(server.url()).startsWith("https://127.0.0.1:");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"jobs\"");
    }

    @Test
    void start_listensOnLoopbackOnlyByDefault(TestDatabase db) throws Exception {
        start(db, false);

        assertThat(server.listening()).containsExactly("127.0.0.1:" + server.port());
        assertThat(server.url()).isEqualTo("http://127.0.0.1:" + server.port() + "/");
    }

    @Test
    void start_onAPortInUseFailsWithOneLineNamingIt(TestDatabase db) throws Exception {
        Project p = project(db.uri(), "");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> KeelServer.start(ServerOptions.from(p, Map.of()).withPort(taken.getLocalPort()), p,
                    p.target(null, null)))
                    .isInstanceOf(KeelException.class)
                    .hasMessage("port " + taken.getLocalPort() + " on 127.0.0.1 is in use");
        }
    }

    private static long snapshots(TestDatabase db) throws SQLException {
        String state = state(db);
        return Long.parseLong(state.substring("snapshots=".length(), state.indexOf(' ')));
    }

    /** What a GET must not change: Keel's snapshots, the extensions, the tables. */
    private static String state(TestDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            long snapshots = 0;
            try (ResultSet rs = st.executeQuery("select count(*) from pg_tables where schemaname = 'keel_history' and tablename = 'insight_snapshot'")) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    try (ResultSet n = c.createStatement().executeQuery("select count(*) from keel_history.insight_snapshot")) {
                        n.next();
                        snapshots = n.getLong(1);
                    }
                }
            }
            StringBuilder b = new StringBuilder("snapshots=" + snapshots);
            try (ResultSet rs = st.executeQuery("select string_agg(extname, ',' order by extname) from pg_extension")) {
                rs.next();
                b.append(" extensions=").append(rs.getString(1));
            }
            try (ResultSet rs = st.executeQuery("select string_agg(schemaname || '.' || relname, ',' order by schemaname, relname) from pg_stat_user_tables")) {
                rs.next();
                b.append(" tables=").append(rs.getString(1));
            }
            return b.toString();
        }
    }
}
