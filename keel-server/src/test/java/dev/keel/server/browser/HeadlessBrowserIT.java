package dev.keel.server.browser;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The browser tooling against a small token-protected site served here: a dashboard-like page whose two echarts
 * charts draw data fetched from a JSON endpoint, and a broken page (a missing script, an empty chart, a console
 * error, an uncaught exception) to show that every check can fail.
 */
class HeadlessBrowserIT {

    private static final String TOKEN = "s3cret-token";
    private static final String ECHARTS = "META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";

    private static final String DASHBOARD = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Test dashboard</title>
            <link rel="icon" href="data:,">
            <script src="/assets/echarts.min.js"></script>
            <style>body { margin: 0; font-family: sans-serif; } .chart { width: 600px; height: 300px; }</style>
            </head><body>
            <div class="chart" data-chart="connections"></div>
            <div class="chart" data-chart="cache-hit"></div>
            <script>
              fetch('/api/series').then(r => r.json()).then(d => {
                echarts.init(document.querySelector('[data-chart=connections]'), null, {renderer: 'canvas'}).setOption({
                  animation: false, xAxis: {type: 'category', data: d.labels}, yAxis: {type: 'value'},
                  series: [{type: 'line', data: d.connections}]});
                echarts.init(document.querySelector('[data-chart=cache-hit]')).setOption({
                  animation: false, xAxis: {type: 'category', data: d.labels}, yAxis: {type: 'value'},
                  series: [{type: 'bar', data: d.hits}, {type: 'bar', data: d.misses}]});
              });
            </script>
            </body></html>
            """;

    private static final String SERIES = """
            {"labels": ["10:00", "10:01", "10:02", "10:03"], "connections": [4, 7, 5, 9],
             "hits": [98, 99, 97, 99], "misses": [2, 1, 3, 1]}
            """;

    private static final String BROKEN = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Broken</title>
            <link rel="icon" href="data:,">
            <script src="/assets/echarts.min.js"></script>
            <script src="/assets/missing.js"></script>
            <style>.chart { width: 400px; height: 200px; }</style>
            </head><body>
            <div class="chart" data-chart="good"></div>
            <div class="chart" data-chart="empty"></div>
            <div class="chart" data-chart="never-drawn"></div>
            <script>
              echarts.init(document.querySelector('[data-chart=good]')).setOption({animation: false,
                xAxis: {type: 'category', data: ['a', 'b']}, yAxis: {}, series: [{type: 'line', data: [1, 2]}]});
              echarts.init(document.querySelector('[data-chart=empty]')).setOption({animation: false,
                xAxis: {type: 'category', data: []}, yAxis: {}, series: [{type: 'line', data: []}]});
              console.error('boom: the series endpoint said no');
              setTimeout(() => { throw new Error('kaput'); }, 0);
            </script>
            </body></html>
            """;

    private static HttpServer server;
    private static URI base;
    private static HeadlessBrowser browser;
    /** The dashboard, loaded once with the token, for the tests that only look at it. */
    private static BrowserPage dashboard;

    @BeforeAll
    static void serveAndStart() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", HeadlessBrowserIT::handle);
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        browser = HeadlessBrowser.start(HeadlessBrowser.Settings.defaults().withViewport(1024, 700));
        dashboard = browser.load(base, Credentials.bearer(TOKEN));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void load_withBearerToken_rendersEveryChartWithDataAndNoRequestFails() {
        assertThat(dashboard.problems()).isEmpty();
        assertThat(dashboard.documentStatus()).isEqualTo(200);
        // The header reached the script and the fetch too, not only the document.
        assertThat(dashboard.requests()).extracting(RecordedRequest::path, RecordedRequest::status)
                .contains(tuple("/assets/echarts.min.js", 200), tuple("/api/series", 200));
        List<ChartState> charts = dashboard.echarts();
        assertThat(charts).extracting(ChartState::name).containsExactly("connections", "cache-hit");
        assertThat(charts).allSatisfy(chart -> assertThat(chart.hasData()).as(chart.toString()).isTrue());
        assertThat(charts.get(1).series()).isEqualTo(2);
        assertThat(charts.get(1).points()).isEqualTo(8);
    }

    @Test
    void load_withCookie_rendersTheSamePage() {
        try (BrowserPage page = browser.load(base, Credentials.cookie("keel_token", TOKEN))) {
            assertThat(page.problems()).isEmpty();
            assertThat(page.echarts()).hasSize(2).allMatch(ChartState::hasData);
        }
    }

    @Test
    void load_withoutToken_isRefusedWith401() {
        try (BrowserPage page = browser.load(base)) {
            assertThat(page.documentStatus()).isEqualTo(401);
            // Chromium also asks for /favicon.ico, which is refused the same way.
            assertThat(page.failedRequests()).isNotEmpty().allMatch(r -> r.status() == 401)
                    .anySatisfy(request -> {
                        assertThat(request.path()).isEqualTo("/");
                        assertThat(request.resourceType()).isEqualTo("Document");
                    });
            assertThat(page.problems()).anyMatch(p -> p.contains(base + " (Document) -> 401"));
            assertThat(page.echarts()).isEmpty();
        }
        try (BrowserPage page = browser.load(base, Credentials.bearer("not-" + TOKEN))) {
            assertThat(page.documentStatus()).isEqualTo(401);
        }
    }

    @Test
    void load_brokenPage_reportsMissingAssetEmptyChartConsoleErrorAndException() {
        try (BrowserPage page = browser.load(base.resolve("/broken"), Credentials.bearer(TOKEN))) {
            assertThat(page.documentStatus()).isEqualTo(200);
            assertThat(page.failedRequests()).extracting(RecordedRequest::path, RecordedRequest::status)
                    .containsExactly(tuple("/assets/missing.js", 404));
            assertThat(page.echarts()).extracting(ChartState::name, ChartState::hasData).containsExactly(
                    tuple("good", true),
                    tuple("empty", false),
                    tuple("never-drawn", false));
            assertThat(page.consoleErrors()).anyMatch(e -> e.contains("boom: the series endpoint said no"));
            assertThat(page.exceptions()).anyMatch(e -> e.contains("kaput"));
            assertThat(page.problems()).anyMatch(p -> p.startsWith("request failed: GET " + base + "assets/missing.js"));
        }
    }

    @Test
    void load_serverNotListening_recordsTheNetworkError() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        try (BrowserPage page = browser.load(URI.create("http://127.0.0.1:" + port + "/"), Credentials.bearer(TOKEN))) {
            assertThat(page.documentStatus()).isZero();
            assertThat(page.failedRequests()).singleElement()
                    .satisfies(r -> assertThat(r.error()).hasValue("net::ERR_CONNECTION_REFUSED"));
        }
    }

    @Test
    void screenshot_writesPngOfTheViewportWithTheChartsDrawn() throws IOException {
        Path file = Path.of("target", "browser", "HeadlessBrowserIT-dashboard.png");
        Files.deleteIfExists(file);
        dashboard.screenshot(file);
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image.getWidth()).isEqualTo(1024);
        assertThat(image.getHeight()).isEqualTo(700);
        // A blank page is one colour; the line, bars, axes and labels add many.
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < 600; y += 3) {
            for (int x = 0; x < 600; x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertThat(colours).hasSizeGreaterThan(10);
    }

    @Test
    void evaluate_returnsValuesAndReportsJavaScriptErrors() {
        assertThat(dashboard.evaluate("document.title").asText()).isEqualTo("Test dashboard");
        assertThat(dashboard.evaluate("fetch('/api/series').then(r => r.status)", Integer.class)).isEqualTo(200);
        dashboard.waitUntil("document.querySelectorAll('canvas').length >= 2");
        assertThatThrownBy(() -> dashboard.evaluate("notDefined.x"))
                .isInstanceOf(BrowserException.class)
                .hasMessageContaining("notDefined is not defined");
    }

    @Test
    void start_chromiumMissing_failsNamingTheAptPackage() {
        HeadlessBrowser.Settings missing = new HeadlessBrowser.Settings(
                Path.of("/nonexistent/chromium"), 800, 600, Duration.ofSeconds(5));
        assertThatThrownBy(() -> HeadlessBrowser.start(missing))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("/nonexistent/chromium")
                .hasMessageContaining("apt-get install chromium");
    }

    @Test
    void start_browserExitsAtOnce_reportsTheExitCodeAndItsOutput() {
        // echo stands in for a Chromium that cannot start: it prints its arguments and exits.
        HeadlessBrowser.Settings broken = new HeadlessBrowser.Settings(
                Path.of("/bin/echo"), 800, 600, Duration.ofSeconds(5));
        assertThatThrownBy(() -> HeadlessBrowser.start(broken))
                .isInstanceOf(BrowserException.class)
                .hasMessageContaining("/bin/echo exited with code 0 before it opened DevTools")
                .hasMessageContaining("--headless");
    }

    @Test
    void close_killsChromiumAndItsChildrenAndDeletesTheProfile() {
        HeadlessBrowser own = HeadlessBrowser.start();
        ProcessHandle chromium = ProcessHandle.of(own.pid()).orElseThrow();
        // Loading a page makes sure the renderer and the other helpers exist.
        own.load(base, Credentials.bearer(TOKEN)).close();
        List<ProcessHandle> tree = chromium.descendants().toList();
        assertThat(tree).isNotEmpty();
        Path profile = own.profile();
        assertThat(profile).isDirectory();

        own.close();

        assertThat(HeadlessBrowser.running(chromium)).isFalse();
        assertThat(tree).noneMatch(HeadlessBrowser::running);
        assertThat(profile).doesNotExist();
    }

    private static void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String cookie = exchange.getRequestHeaders().getFirst("Cookie");
            boolean allowed = ("Bearer " + TOKEN).equals(authorization)
                    || (cookie != null && List.of(cookie.split(";\\s*")).contains("keel_token=" + TOKEN));
            if (!allowed) {
                respond(exchange, 401, "text/plain", "token required\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            switch (exchange.getRequestURI().getPath()) {
                case "/" -> respond(exchange, 200, "text/html", DASHBOARD.getBytes(StandardCharsets.UTF_8));
                case "/broken" -> respond(exchange, 200, "text/html", BROKEN.getBytes(StandardCharsets.UTF_8));
                case "/api/series" -> respond(exchange, 200, "application/json", SERIES.getBytes(StandardCharsets.UTF_8));
                case "/assets/echarts.min.js" -> {
                    try (InputStream in = HeadlessBrowserIT.class.getClassLoader().getResourceAsStream(ECHARTS)) {
                        if (in == null) {
                            throw new IllegalStateException(ECHARTS + " is not on the test classpath");
                        }
                        respond(exchange, 200, "text/javascript", in.readAllBytes());
                    }
                }
                default -> respond(exchange, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }
}
