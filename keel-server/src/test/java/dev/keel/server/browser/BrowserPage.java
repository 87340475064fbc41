package dev.keel.server.browser;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * One page loaded in the {@link HeadlessBrowser}: every request it made and how each ended, the console errors
 * and uncaught exceptions it produced, JavaScript evaluation in it, and screenshots. Requests made after the load
 * (a dashboard's refresh) keep being recorded until the page is closed.
 */
public final class BrowserPage implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Network idle means no request in flight for this long, as Puppeteer's networkidle0 does. */
    private static final Duration QUIET = Duration.ofMillis(500);

    /**
     * Asks each element with a {@code data-chart} attribute for its echarts instance and counts the series and
     * non-null data points of the instance's option; data may sit in the series or in a dataset.
     */
    private static final String ECHARTS_PROBE = """
            (() => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
              const name = el.getAttribute('data-chart') || el.id || el.tagName.toLowerCase();
              const rect = el.getBoundingClientRect();
              const size = {width: Math.round(rect.width), height: Math.round(rect.height)};
              const chart = typeof echarts === 'undefined' ? undefined : echarts.getInstanceByDom(el);
              if (!chart) return {name, instance: false, series: 0, points: 0, ...size};
              const option = chart.getOption() || {};
              const series = option.series || [];
              const count = rows => Array.isArray(rows)
                  ? rows.filter(v => v !== null && v !== undefined && v !== '-').length : 0;
              let points = series.reduce((n, s) => n + count(s.data), 0);
              if (points === 0 && Array.isArray(option.dataset)) {
                points = option.dataset.reduce((n, d) => n + count(d.source), 0);
              }
              return {name, instance: true, series: series.length, points, ...size};
            }))()
            """;

    private final DevTools devTools;
    private final String targetId;
    private final String sessionId;
    private final String url;
    private final Duration timeout;

    private final Object lock = new Object();
    private final Map<String, InFlight> inFlight = new LinkedHashMap<>();
    private final List<RecordedRequest> requests = new ArrayList<>();
    private final Map<String, RecordedRequest> lastByRequestId = new LinkedHashMap<>();
    private final List<String> consoleErrors = new ArrayList<>();
    private final List<String> exceptions = new ArrayList<>();
    private final CompletableFuture<Void> loadEvent = new CompletableFuture<>();
    private volatile long lastActivity = System.nanoTime();
    private volatile String crashed;
    private String loaderId;

    private record InFlight(String method, String url, String type, int status) {
        InFlight withStatus(int newStatus) {
            return new InFlight(method, url, type, newStatus);
        }
    }

    BrowserPage(DevTools devTools, String targetId, String sessionId, String url, Duration timeout) {
        this.devTools = devTools;
        this.targetId = targetId;
        this.sessionId = sessionId;
        this.url = url;
        this.timeout = timeout;
        devTools.subscribe(sessionId, this::onEvent);
    }

    /** Navigates and waits for the load event and then for network idle. */
    void navigate() {
        ObjectNode params = devTools.params().put("url", url);
        JsonNode result = devTools.call(sessionId, "Page.navigate", params);
        synchronized (lock) {
            loaderId = result.path("loaderId").asText(null);
        }
        // A navigation that fails outright (connection refused) shows Chromium's error page, whose load event
        // may come or not; the failed request itself is recorded from Network.loadingFailed.
        boolean failedOutright = result.hasNonNull("errorText");
        waitForIdle(!failedOutright);
    }

    /** The URL this page was asked to load. */
    public String url() {
        return url;
    }

    /**
     * The HTTP status of the page's document (after redirects), or 0 when no response arrived (see
     * {@link #failedRequests()} for the network error).
     */
    public int documentStatus() {
        synchronized (lock) {
            RecordedRequest document = loaderId == null ? null : lastByRequestId.get(loaderId);
            return document == null ? 0 : document.status();
        }
    }

    /** Every finished request so far, in the order they finished. */
    public List<RecordedRequest> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    /** Requests that ended in a network error or an HTTP status of 400 or more. */
    public List<RecordedRequest> failedRequests() {
        return requests().stream().filter(RecordedRequest::failed).toList();
    }

    /** {@code console.error} and {@code console.assert} calls, and the browser's own error log entries. */
    public List<String> consoleErrors() {
        synchronized (lock) {
            return List.copyOf(consoleErrors);
        }
    }

    /** Uncaught JavaScript exceptions and unhandled promise rejections. */
    public List<String> exceptions() {
        synchronized (lock) {
            return List.copyOf(exceptions);
        }
    }

    /**
     * Everything that went wrong on the page, one line each: failed requests, console errors, uncaught exceptions.
     * Empty for a clean page, so {@code assertThat(page.problems()).isEmpty()} shows them all when it fails.
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        failedRequests().forEach(r -> problems.add("request failed: " + r));
        consoleErrors().forEach(e -> problems.add("console error: " + e));
        exceptions().forEach(e -> problems.add("uncaught exception: " + e));
        if (crashed != null) {
            problems.add("page crashed: " + crashed);
        }
        return problems;
    }

    /** The echarts charts on the page, one per element with a {@code data-chart} attribute, in document order. */
    public List<ChartState> echarts() {
        JsonNode charts = evaluate(ECHARTS_PROBE);
        List<ChartState> states = new ArrayList<>();
        for (JsonNode chart : charts) {
            states.add(new ChartState(chart.path("name").asText(), chart.path("instance").asBoolean(),
                    chart.path("series").asInt(), chart.path("points").asInt(),
                    chart.path("width").asInt(), chart.path("height").asInt()));
        }
        return List.copyOf(states);
    }

    /**
     * Evaluates a JavaScript expression in the page, awaiting it when it is a promise, and returns its value as
     * JSON (a missing node for {@code undefined}).
     *
     * @throws BrowserException when the expression throws; the message has the JavaScript error
     */
    public JsonNode evaluate(String expression) {
        requireNonNull(expression, "null expression");
        ObjectNode params = devTools.params()
                .put("expression", expression)
                .put("returnByValue", true)
                .put("awaitPromise", true);
        JsonNode result = devTools.call(sessionId, "Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new BrowserException("JavaScript failed on " + url + ": " + describe(result.get("exceptionDetails"))
                    + "\nexpression: " + abbreviate(expression));
        }
        return result.path("result").path("value");
    }

    /** Evaluates an expression and converts its value with Jackson. */
    public <T> T evaluate(String expression, Class<T> type) {
        requireNonNull(type, "null type");
        try {
            return JSON.treeToValue(evaluate(expression), type);
        } catch (JsonProcessingException e) {
            throw new BrowserException("the value of " + abbreviate(expression) + " is not a " + type.getSimpleName()
                    + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Waits until a JavaScript condition is truthy, for pages that render after their data arrives by other
     * means than a request (timers, animation frames).
     *
     * @throws BrowserException when it is still falsy after the browser's timeout
     */
    public void waitUntil(String condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String truthy = "Boolean(" + requireNonNull(condition, "null condition") + ")";
        while (!evaluate(truthy).asBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new BrowserException("on " + url + ", " + abbreviate(condition) + " was still false after "
                        + timeout.toSeconds() + " s; problems so far: " + problems());
            }
            sleep(50);
        }
    }

    /**
     * Saves a PNG screenshot of the viewport, creating the parent directories.
     *
     * @return {@code file}
     */
    public Path screenshot(Path file) {
        requireNonNull(file, "null file");
        JsonNode shot = devTools.call(sessionId, "Page.captureScreenshot", devTools.params().put("format", "png"));
        byte[] png = Base64.getDecoder().decode(shot.path("data").asText());
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.write(file, png);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the screenshot of " + url + " to " + file, e);
        }
        return file;
    }

    /** Closes the tab; the browser stays up for the next page. */
    @Override
    public void close() {
        devTools.unsubscribe(sessionId);
        try {
            devTools.call("Target.closeTarget", devTools.params().put("targetId", targetId));
        } catch (BrowserException e) {
            // The browser is gone or closing: the tab goes with it.
        }
    }

    @Override
    public String toString() {
        return "page " + url;
    }

    private void waitForIdle(boolean expectLoadEvent) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (crashed != null) {
                throw new BrowserException("the page " + url + " crashed while loading: " + crashed);
            }
            boolean loaded = !expectLoadEvent || loadEvent.isDone();
            boolean idle;
            synchronized (lock) {
                idle = inFlight.isEmpty() && System.nanoTime() - lastActivity >= QUIET.toNanos();
            }
            if (loaded && idle) {
                return;
            }
            if (System.nanoTime() > deadline) {
                String pending;
                synchronized (lock) {
                    pending = inFlight.values().stream().map(r -> r.method() + " " + r.url())
                            .collect(Collectors.joining(", "));
                }
                throw new BrowserException("the page " + url + " did not finish loading within " + timeout.toSeconds()
                        + " s (load event " + (loadEvent.isDone() ? "fired" : "not fired") + "; requests in flight: "
                        + (pending.isEmpty() ? "none" : pending) + ")");
            }
            sleep(25);
        }
    }

    private void onEvent(String method, JsonNode params) {
        switch (method) {
            case "Network.requestWillBeSent" -> {
                String id = params.path("requestId").asText();
                JsonNode request = params.path("request");
                String type = params.path("type").asText("Other");
                synchronized (lock) {
                    if (params.has("redirectResponse")) {
                        finish(id, params.path("redirectResponse").path("status").asInt(), Optional.empty());
                    }
                    // EventSource streams never finish; they must not keep the page from being idle.
                    if (!type.equals("EventSource")) {
                        inFlight.put(id, new InFlight(request.path("method").asText("GET"),
                                request.path("url").asText(), type, 0));
                    }
                    lastActivity = System.nanoTime();
                }
            }
            case "Network.responseReceived" -> {
                String id = params.path("requestId").asText();
                synchronized (lock) {
                    InFlight request = inFlight.get(id);
                    if (request != null) {
                        inFlight.put(id, request.withStatus(params.path("response").path("status").asInt()));
                    }
                }
            }
            case "Network.loadingFinished" -> {
                synchronized (lock) {
                    String id = params.path("requestId").asText();
                    InFlight request = inFlight.get(id);
                    finish(id, request == null ? 0 : request.status(), Optional.empty());
                }
            }
            case "Network.loadingFailed" -> {
                String error = params.path("errorText").asText("failed");
                if (params.hasNonNull("blockedReason")) {
                    error += " (blocked: " + params.get("blockedReason").asText() + ")";
                }
                synchronized (lock) {
                    String id = params.path("requestId").asText();
                    InFlight request = inFlight.get(id);
                    finish(id, request == null ? 0 : request.status(), Optional.of(error));
                }
            }
            case "Page.loadEventFired" -> loadEvent.complete(null);
            case "Runtime.consoleAPICalled" -> {
                String type = params.path("type").asText();
                if (type.equals("error") || type.equals("assert")) {
                    List<String> args = new ArrayList<>();
                    params.path("args").forEach(a -> args.add(a.has("value") ? a.get("value").asText()
                            : a.path("description").asText(a.path("type").asText())));
                    synchronized (lock) {
                        consoleErrors.add(String.join(" ", args));
                    }
                }
            }
            case "Log.entryAdded" -> {
                JsonNode entry = params.path("entry");
                if (entry.path("level").asText().equals("error")) {
                    String where = entry.path("url").asText("");
                    synchronized (lock) {
                        consoleErrors.add(entry.path("text").asText() + (where.isEmpty() ? "" : " (" + where + ")"));
                    }
                }
            }
            case "Runtime.exceptionThrown" -> {
                String description = describe(params.path("exceptionDetails"));
                synchronized (lock) {
                    exceptions.add(description);
                }
            }
            case "Inspector.targetCrashed" -> crashed = "the renderer process died";
            default -> {
                // Other events are not needed to judge a page.
            }
        }
    }

    /** Moves a request from in flight to finished; called with {@code lock} held. */
    private void finish(String id, int status, Optional<String> error) {
        InFlight request = inFlight.remove(id);
        if (request == null) {
            return; // an EventSource, or a request that started before this page listened
        }
        RecordedRequest done = new RecordedRequest(request.method(), request.url(), request.type(), status, error);
        requests.add(done);
        lastByRequestId.put(id, done);
        lastActivity = System.nanoTime();
    }

    private static String describe(JsonNode details) {
        JsonNode exception = details.path("exception");
        String text = exception.hasNonNull("description") ? exception.get("description").asText()
                : exception.hasNonNull("value") ? exception.get("value").asText()
                : details.path("text").asText("unknown error");
        String where = details.path("url").asText("");
        return where.isEmpty() ? text
                : text + " (" + where + ":" + (details.path("lineNumber").asInt() + 1) + ")";
    }

    private static String abbreviate(String expression) {
        String line = expression.strip().replaceAll("\\s+", " ");
        return line.length() <= 120 ? line : line.substring(0, 117) + "...";
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrowserException("interrupted while waiting for the page", e);
        }
    }
}
