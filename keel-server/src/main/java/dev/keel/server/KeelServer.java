package dev.keel.server;

import static java.util.Objects.requireNonNull;

import dev.keel.core.KeelException;
import dev.keel.core.connect.Secrets;
import dev.keel.core.json.StableJson;
import dev.keel.core.project.Project;
import dev.keel.server.check.CheckContext;
import dev.keel.server.check.CheckRun;
import dev.keel.core.project.Target;
import dev.keel.ops.backup.BackupCatalog;
import dev.keel.ops.backup.LocalRepository;
import dev.keel.ops.insight.HealthChecks;
import dev.keel.ops.insight.HealthReport;
import dev.keel.ops.insight.HealthStatus;
import dev.keel.ops.insight.Insight;
import dev.keel.ops.insight.InsightJson;
import dev.keel.ops.insight.InsightOptions;
import dev.keel.ops.insight.MetricFamily;
import dev.keel.ops.insight.MetricsCollectors;
import dev.keel.ops.insight.MetricsExposition;
import dev.keel.ops.insight.StatementHistory;
import dev.keel.schema.migrate.MigrationSettings;
import dev.keel.schema.migrate.MigrationState;
import dev.keel.schema.migrate.Migrator;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.BindException;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code keel serve}: the dashboard, the JSON API, {@code /metrics} and {@code /health} for one target, on Javalin.
 *
 * <p>Security model: it listens on 127.0.0.1 unless told otherwise. Everything but {@code /health/*} and the login
 * form needs the bearer token ({@code Authorization: Bearer}, or the HttpOnly SameSite=Strict cookie a browser gets
 * from the login form or a one-time {@code ?token=} link). Failed attempts are limited per client address. GET never
 * changes state; actions are POSTs that also need {@code --allow-actions}. No request is logged, so the token
 * cannot reach a log through a URL, and the token is registered with {@link Secrets} for every message that is.
 */
public final class KeelServer implements AutoCloseable {

    static final String COOKIE = "keel_token";
    /** The only paths served without the token. */
    static final java.util.Set<String> OPEN = java.util.Set.of("/health/live", "/health/ready", "/login");
    static final String ECHARTS = "/META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";
    private static final Logger LOG = LoggerFactory.getLogger(KeelServer.class);

    private final ServerOptions options;
    private final Project project;
    private final Target target;
    private final ServerToken token;
    private final LoginLimiter limiter = new LoginLimiter(10, 60_000, System::currentTimeMillis);
    private final Runs runs;
    private final Dashboard dashboard;
    private Javalin app;
    private ServerConnector connector;

    private KeelServer(ServerOptions options, Project project, Target target) {
        this.options = options;
        this.project = project;
        this.target = target;
        this.token = ServerToken.loadOrCreate(options.tokenFile());
        this.runs = new Runs(project, target, options.actions(), options.jobs());
        this.dashboard = new Dashboard(this);
    }

    /**
     * Starts serving {@code target} of {@code project}.
     *
     * @throws KeelException naming the address when the port is in use, or the keystore when TLS cannot start
     */
    public static KeelServer start(ServerOptions options, Project project, Target target) {
        requireNonNull(options, "null options");
        requireNonNull(project, "null project");
        requireNonNull(target, "null target");
        KeelServer server = new KeelServer(options, project, target);
        server.listen();
        server.runs.scheduleJobs();
        return server;
    }

    /** The port it listens on (the chosen one when the options asked for 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://127.0.0.1:7432/} or {@code https://...}: safe to print, it holds no token. */
    public String url() {
        String host = options.bind().contains(":") ? "[" + options.bind() + "]" : options.bind();
        if (host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        }
        return (options.tls().isPresent() ? "https" : "http") + "://" + host + ":" + port() + "/";
    }

    public ServerToken token() {
        return token;
    }

    public ServerOptions options() {
        return options;
    }

    @Override
    public void close() {
        runs.close();
        if (app != null) {
            app.stop();
        }
    }

    private void listen() {
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.jetty.addConnector((server, http) -> {
                http.setSendServerVersion(false);
                ServerConnector c;
                if (options.tls().isPresent()) {
                    SslContextFactory.Server ssl = new SslContextFactory.Server();
                    ssl.setKeyStorePath(options.tls().get().keystore().toString());
                    ssl.setKeyStorePassword(options.tls().get().password());
                    HttpConfiguration https = new HttpConfiguration(http);
                    SecureRequestCustomizer secure = new SecureRequestCustomizer();
                    secure.setSniHostCheck(false); // clients reach us as 127.0.0.1 or localhost, whatever the certificate says
                    https.addCustomizer(secure);
                    c = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
                } else {
                    c = new ServerConnector(server, new HttpConnectionFactory(http));
                }
                c.setHost(options.bind());
                c.setPort(options.port());
                connector = c;
                return c;
            });
            routes(cfg);
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            close();
            token.discardIfCreated(); // nobody saw it: the next start creates and prints a new one
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BindException) {
                    throw new KeelException("port " + options.port() + " on " + options.bind() + " is in use",
                            "stop what listens there or choose another with --port", KeelException.RUNTIME, e);
                }
            }
            throw new KeelException("keel serve could not start on " + options.bind() + ":" + options.port() + ": "
                    + Secrets.mask(String.valueOf(e.getMessage())), options.tls().isPresent()
                    ? "check server.tls.keystore and the password in the environment variable server.tls.password-env names"
                    : null, KeelException.RUNTIME, e);
        }
    }

    private void routes(io.javalin.config.JavalinConfig cfg) {
        var r = cfg.routes;
        r.before(this::authenticate);
        r.get("/health/live", ctx -> health(ctx, true));
        r.get("/health/ready", ctx -> health(ctx, false));
        r.get("/login", ctx -> html(ctx, 200, Dashboard.loginPage(false)));
        r.post("/login", this::login);
        r.post("/logout", ctx -> {
            ctx.cookie(cookie("", 0));
            ctx.redirect("/login");
        });
        r.get("/assets/echarts.min.js", this::echarts);
        r.get("/", ctx -> html(ctx, 200, dashboard.overview()));
        r.get("/insight", ctx -> html(ctx, 200, dashboard.insight()));
        r.get("/migrations", ctx -> html(ctx, 200, dashboard.migrations()));
        r.get("/backups", ctx -> html(ctx, 200, dashboard.backups()));
        r.get("/check", ctx -> html(ctx, 200, dashboard.check()));
        r.get("/metrics", this::metrics);
        r.get("/api/health", ctx -> health(ctx, false));
        r.get("/api/insight", ctx -> json(ctx, 200, withConnection(c -> InsightJson.document(Insight.report(c, insightOptions())))));
        r.get("/api/history", this::history);
        r.get("/api/backups", ctx -> json(ctx, 200, Map.of("backups", backups())));
        r.get("/api/migrations", ctx -> json(ctx, 200, Map.of("migrations", migrations().stream().map(MigrationState::toMap).toList())));
        r.get("/api/jobs", ctx -> json(ctx, 200, Map.of("jobs", runs.jobs())));
        r.get("/api/check", this::check);
        r.get("/api/actions", ctx -> json(ctx, 200, Map.of("allowActions", options.allowActions(), "runs", runs.recent())));
        r.get("/api/actions/runs/{id}", this::runStatus);
        r.post("/api/actions/{name}", this::action);
        r.exception(TargetDown.class, (e, ctx) -> json(ctx, 503, error("target down: " + e.getMessage())));
        r.exception(Exception.class, (e, ctx) -> {
            String message = Secrets.mask(String.valueOf(e.getMessage()));
            LOG.warn("{} {} failed: {}", ctx.method(), ctx.path(), message);
            json(ctx, 500, error(message));
        });
    }

    // ---- security

    private void authenticate(Context ctx) {
        String path = ctx.path();
        // exact paths, never a prefix: "/health/../api/insight" must not pass as a health check
        if (OPEN.contains(path)) {
            return;
        }
        String address = ctx.ip();
        long wait = limiter.retryAfterSeconds(address);
        if (wait > 0) {
            ctx.header("Retry-After", String.valueOf(wait));
            json(ctx, 429, error("too many failed attempts; try again in " + wait + " s"));
            ctx.skipRemainingHandlers();
            return;
        }
        String query = ctx.queryParam("token");
        if (query != null && ctx.method().name().equals("GET")) {
            if (token.matches(query)) {
                // the link's one use: set the cookie and drop the token from the address bar and the history
                ctx.cookie(cookie(token.value(), -1));
                ctx.redirect(path);
            } else {
                reject(ctx, address);
            }
            ctx.skipRemainingHandlers();
            return;
        }
        String header = ctx.header("Authorization");
        String presented = null;
        if (header != null) {
            presented = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : "";
        } else if (ctx.cookie(COOKIE) != null) {
            presented = ctx.cookie(COOKIE);
        }
        if (presented != null && token.matches(presented)) {
            return;
        }
        if (presented != null) {
            reject(ctx, address);
        } else {
            unauthorized(ctx);
        }
        ctx.skipRemainingHandlers();
    }

    private void reject(Context ctx, String address) {
        limiter.failed(address);
        LOG.warn("rejected a wrong token from {} for {} {}", address, ctx.method(), ctx.path());
        unauthorized(ctx);
    }

    /** 401 and nothing about the valid token: a browser gets the login form, anything else a JSON error. */
    private static void unauthorized(Context ctx) {
        ctx.header("WWW-Authenticate", "Bearer realm=\"keel\"");
        String accept = ctx.header("Accept");
        if (accept != null && accept.contains("text/html")) {
            html(ctx, 401, Dashboard.loginPage(true));
        } else {
            json(ctx, 401, error("unauthorized: send Authorization: Bearer <token>"));
        }
    }

    private void login(Context ctx) {
        String address = ctx.ip();
        long wait = limiter.retryAfterSeconds(address);
        if (wait > 0) {
            ctx.header("Retry-After", String.valueOf(wait));
            html(ctx, 429, Dashboard.page("Keel", "<p>Too many failed attempts; try again in " + wait + " s.</p>"));
            return;
        }
        if (token.matches(ctx.formParam("token"))) {
            ctx.cookie(cookie(token.value(), -1));
            ctx.redirect("/");
        } else {
            limiter.failed(address);
            LOG.warn("rejected a wrong token from {} for the login form", address);
            html(ctx, 401, Dashboard.loginPage(true));
        }
    }

    private Cookie cookie(String value, int maxAge) {
        Cookie c = new Cookie(COOKIE, value, "/", maxAge, options.tls().isPresent(), true, null, SameSite.STRICT);
        c.setHttpOnly(true);
        c.setSameSite(SameSite.STRICT);
        c.setSecure(options.tls().isPresent());
        return c;
    }

    // ---- endpoints

    private void health(Context ctx, boolean live) {
        HealthReport report = health(live);
        json(ctx, report.unreachable() || report.status() == HealthStatus.FAIL ? 503 : 200, InsightJson.health(report));
    }

    HealthReport health(boolean live) {
        return HealthChecks.run(() -> target.connect(status -> { }), live);
    }

    private void metrics(Context ctx) {
        List<MetricFamily> families;
        Connection c;
        try {
            c = target.connect(status -> { });
        } catch (KeelException e) {
            families = MetricsCollectors.down(); // as postgres_exporter: pg_up 0, and the scrape still succeeds
            ctx.contentType(MetricsExposition.CONTENT_TYPE).result(MetricsExposition.text(families));
            return;
        }
        try (c) {
            families = MetricsCollectors.collect(c, problem -> LOG.warn("metrics: {}", Secrets.mask(problem)));
        } catch (java.sql.SQLException e) {
            throw new KeelException("cannot close the connection: " + e.getMessage(), e);
        }
        ctx.contentType(MetricsExposition.CONTENT_TYPE).result(MetricsExposition.text(families));
    }

    /** GET never changes state: pg_stat_statements is not created here even on the embedded server. */
    static InsightOptions insightOptions() {
        return InsightOptions.defaults().withCreateExtension(false);
    }

    private void history(Context ctx) throws Exception {
        Duration age;
        try {
            age = dev.keel.core.project.ProjectConfig.parseDuration(ctx.queryParam("since") == null ? "7d" : ctx.queryParam("since"));
        } catch (IllegalArgumentException e) {
            json(ctx, 400, error("since: " + e.getMessage()));
            return;
        }
        json(ctx, 200, withConnection(c -> history(c, age, 5)));
    }

    /** As {@code keel insight history --json}. */
    static Map<String, Object> history(Connection c, Duration age, int top) throws Exception {
        Instant now = Instant.now();
        Instant from = now.minus(age);
        return InsightJson.history(from, StatementHistory.snapshots(c).size(),
                StatementHistory.intervals(c, from, now.plusSeconds(60), OptionalLong.empty(), top), StatementHistory.growth(c, from));
    }

    List<Map<String, Object>> backups() {
        java.nio.file.Path root = project.backupRepository();
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        return BackupCatalog.describe(new LocalRepository(root));
    }

    List<MigrationState> migrations() {
        try {
            return Migrator.of(() -> target.connect(status -> { }), MigrationSettings.from(project)).info();
        } catch (dev.keel.core.connect.ConnectionFailedException e) {
            throw new TargetDown(e);
        }
    }

    private void check(Context ctx) throws Exception {
        // a GET looks: the checklist is evaluated but not added to the history (POST /api/actions/check records)
        json(ctx, 200, CheckRun.evaluate(CheckContext.of(project, target, line -> { }), false, problem -> { }).document());
    }

    private void action(Context ctx) {
        String name = ctx.pathParam("name");
        if (!options.allowActions()) {
            json(ctx, 403, error("actions are disabled: start keel serve with --allow-actions to allow " + name));
            return;
        }
        if (!runs.knows(name)) {
            json(ctx, 404, error("no action '" + name + "'; available: " + String.join(", ", options.actions().keySet())));
            return;
        }
        Runs.Run run = runs.submit(name, "api");
        Map<String, Object> doc = new LinkedHashMap<>(run.toMap());
        doc.put("statusUrl", "/api/actions/runs/" + run.id);
        ctx.header("Location", "/api/actions/runs/" + run.id);
        json(ctx, 202, doc);
    }

    private void runStatus(Context ctx) {
        long id;
        try {
            id = Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            json(ctx, 404, error("no run " + ctx.pathParam("id")));
            return;
        }
        runs.run(id).ifPresentOrElse(run -> json(ctx, 200, run.toMap()), () -> json(ctx, 404, error("no run " + id)));
    }

    private byte[] echartsBytes;

    private void echarts(Context ctx) throws IOException {
        if (echartsBytes == null) {
            try (InputStream in = KeelServer.class.getResourceAsStream(ECHARTS)) {
                if (in == null) {
                    throw new KeelException("echarts is missing from the classpath (" + ECHARTS + ")");
                }
                echartsBytes = in.readAllBytes();
            }
        }
        ctx.header("Cache-Control", "private, max-age=86400");
        ctx.contentType("text/javascript; charset=utf-8").result(echartsBytes);
    }

    // ---- helpers

    /** Where Jetty listens, as host:port, for the test that nothing else (such as Javalin's default 8080) is open. */
    List<String> listening() {
        return java.util.Arrays.stream(app.jettyServer().server().getConnectors())
                .map(c -> c instanceof ServerConnector s ? s.getHost() + ":" + s.getLocalPort() : c.toString()).toList();
    }

    Target target() {
        return target;
    }

    Project project() {
        return project;
    }

    Runs runs() {
        return runs;
    }

    /** A target that cannot be reached: the API answers 503, the dashboard shows "down". */
    static final class TargetDown extends RuntimeException {
        TargetDown(KeelException cause) {
            super(Secrets.mask(cause.getMessage()), cause);
        }
    }

    interface WithConnection<T> {
        T apply(Connection c) throws Exception;
    }

    <T> T withConnection(WithConnection<T> body) throws Exception {
        Connection c;
        try {
            c = target.connect(status -> { });
        } catch (KeelException e) {
            throw new TargetDown(e);
        }
        try (c) {
            return body.apply(c);
        }
    }

    static Map<String, Object> error(String message) {
        return Map.of("error", message);
    }

    static void json(Context ctx, int status, Object doc) {
        StringWriter w = new StringWriter();
        StableJson.write(doc, w);
        ctx.status(status).contentType("application/json; charset=utf-8").result(w.toString());
    }

    static void html(Context ctx, int status, String page) {
        ctx.header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:");
        ctx.header("X-Frame-Options", "DENY");
        ctx.status(status).contentType("text/html; charset=utf-8").result(page);
    }
}
