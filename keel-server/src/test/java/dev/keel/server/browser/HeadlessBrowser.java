package dev.keel.server.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * A headless Chromium for tests of web pages, driven over the Chrome DevTools Protocol: it loads a page with
 * credentials, waits until the page has loaded and the network is idle, and gives a {@link BrowserPage} that
 * knows every request, console error and uncaught exception of the page. Start one per test class; each
 * {@link #load} opens a fresh tab.
 *
 * <p>Chromium runs with the flags STACK.md gives for the closed network and a fresh profile directory; closing
 * the browser kills its process tree and deletes the profile. The DevTools endpoint is found through the
 * {@code DevToolsActivePort} file Chromium writes into the profile, so the port is ephemeral and parallel
 * builds do not collide.
 */
public final class HeadlessBrowser implements AutoCloseable {

    /** Where Debian's chromium package puts the browser; {@code KEEL_CHROMIUM} overrides it. */
    static final Path DEFAULT_CHROMIUM = Path.of("/usr/bin/chromium");

    private final Settings settings;
    private final Path profile;
    private final Path log;
    private final Process process;
    private final DevTools devTools;
    private final Thread killer;
    private boolean closed;

    /**
     * How to run the browser.
     *
     * @param chromium the Chromium executable
     * @param width    viewport width in CSS pixels (screenshots have this size)
     * @param height   viewport height in CSS pixels
     * @param timeout  how long starting, loading a page or waiting for a condition may take
     */
    public record Settings(Path chromium, int width, int height, Duration timeout) {
        public Settings {
            requireNonNull(chromium, "null chromium");
            requireNonNull(timeout, "null timeout");
            if (width < 100 || height < 100) {
                throw new IllegalArgumentException("viewport " + width + "x" + height + " is too small (100x100 at least)");
            }
        }

        /** /usr/bin/chromium (or {@code $KEEL_CHROMIUM}), a 1280x800 viewport, 20 seconds. */
        public static Settings defaults() {
            String override = System.getenv("KEEL_CHROMIUM");
            Path chromium = override == null || override.isBlank() ? DEFAULT_CHROMIUM : Path.of(override);
            return new Settings(chromium, 1280, 800, Duration.ofSeconds(20));
        }

        public Settings withViewport(int newWidth, int newHeight) {
            return new Settings(chromium, newWidth, newHeight, timeout);
        }

        public Settings withTimeout(Duration newTimeout) {
            return new Settings(chromium, width, height, newTimeout);
        }
    }

    private HeadlessBrowser(Settings settings) {
        this.settings = settings;
        if (!Files.isExecutable(settings.chromium())) {
            // Fail, never skip: a browser test that silently does not run proves nothing.
            throw new AssertionError("Chromium is missing: " + settings.chromium() + " is not an executable file. "
                    + "Install it with `apt-get install chromium chromium-driver` (Debian; .ci/run does this), "
                    + "or point KEEL_CHROMIUM at a Chromium binary.");
        }
        try {
            this.profile = Files.createTempDirectory("keel-chromium-");
            this.log = Files.createTempFile("keel-chromium-", ".log");
            List<String> command = List.of(settings.chromium().toString(),
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                    // Containers often have a 64 MB /dev/shm, which crashes renderers of larger pages.
                    "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
                    "--window-size=" + settings.width() + "," + settings.height(),
                    "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank");
            this.process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new BrowserException("cannot start Chromium " + settings.chromium() + ": " + e.getMessage(), e);
        }
        this.killer = new Thread(this::kill, "keel-chromium-killer");
        Runtime.getRuntime().addShutdownHook(killer);
        try {
            this.devTools = DevTools.connect(endpoint(), settings.timeout());
        } catch (RuntimeException e) {
            kill();
            Runtime.getRuntime().removeShutdownHook(killer);
            throw e;
        }
    }

    /** Starts Chromium with {@link Settings#defaults()}. */
    public static HeadlessBrowser start() {
        return start(Settings.defaults());
    }

    /**
     * Starts Chromium.
     *
     * @throws AssertionError    when Chromium is not installed, naming the apt package
     * @throws BrowserException when it is installed but does not start
     */
    public static HeadlessBrowser start(Settings settings) {
        return new HeadlessBrowser(requireNonNull(settings, "null settings"));
    }

    public Settings settings() {
        return settings;
    }

    /** Loads a page without credentials. */
    public BrowserPage load(URI url) {
        return load(url, Credentials.none());
    }

    /**
     * Opens a tab, loads {@code url} with the credentials on every request, and waits for the load event and then
     * for half a second without requests in flight. A page that answers 401 or fails to connect still loads: the
     * outcome is in {@link BrowserPage#documentStatus()} and {@link BrowserPage#failedRequests()}.
     *
     * @throws BrowserException when the page does not settle within the timeout, naming the requests in flight
     */
    public synchronized BrowserPage load(URI url, Credentials credentials) {
        requireNonNull(url, "null url");
        requireNonNull(credentials, "null credentials");
        if (closed) {
            throw new IllegalStateException("the browser is closed");
        }
        String targetId = devTools.call("Target.createTarget", devTools.params().put("url", "about:blank"))
                .path("targetId").asText();
        String sessionId = devTools.call("Target.attachToTarget",
                devTools.params().put("targetId", targetId).put("flatten", true)).path("sessionId").asText();
        BrowserPage page = new BrowserPage(devTools, targetId, sessionId, url.toString(), settings.timeout());
        for (String domain : List.of("Page", "Network", "Runtime", "Log")) {
            devTools.call(sessionId, domain + ".enable", devTools.params());
        }
        // Every load must reach the server: a cached asset would hide a broken route.
        devTools.call(sessionId, "Network.setCacheDisabled", devTools.params().put("cacheDisabled", true));
        devTools.call(sessionId, "Emulation.setDeviceMetricsOverride", devTools.params()
                .put("width", settings.width()).put("height", settings.height())
                .put("deviceScaleFactor", 1).put("mobile", false));
        if (credentials instanceof Credentials.Header header) {
            ObjectNode headers = devTools.params().put(header.name(), header.value());
            ObjectNode params = devTools.params();
            params.set("headers", headers);
            devTools.call(sessionId, "Network.setExtraHTTPHeaders", params);
        } else if (credentials instanceof Credentials.Cookie cookie) {
            JsonNode set = devTools.call(sessionId, "Network.setCookie", devTools.params()
                    .put("name", cookie.name()).put("value", cookie.value()).put("url", url.toString()));
            if (!set.path("success").asBoolean(true)) {
                throw new BrowserException("Chromium refused the " + cookie + " for " + url);
            }
        }
        page.navigate();
        return page;
    }

    /** The browser's process id, for checks that it is gone. */
    long pid() {
        return process.pid();
    }

    /** The fresh profile directory, deleted on close. */
    Path profile() {
        return profile;
    }

    /** Closes the tabs, kills Chromium and its child processes, and deletes the profile directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            devTools.call("Browser.close", devTools.params());
        } catch (BrowserException e) {
            // Already gone, or hung: kill() below does it the hard way.
        }
        devTools.close();
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // The JVM is shutting down and the hook is running or ran.
        }
    }

    @Override
    public String toString() {
        return "headless " + settings.chromium() + " (pid " + process.pid() + ", profile " + profile + ")";
    }

    /**
     * Waits for Chromium to write its DevTools port into the profile and returns the browser endpoint. On failure
     * the caller kills the process, after the message has read the log.
     */
    private URI endpoint() {
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new BrowserException("Chromium " + settings.chromium() + " exited with code "
                        + process.exitValue() + " before it opened DevTools; its output ends with:\n" + logTail());
            }
            try {
                List<String> lines = Files.exists(portFile) ? Files.readAllLines(portFile) : List.of();
                if (lines.size() >= 2 && !lines.get(0).isBlank()) {
                    return URI.create("ws://127.0.0.1:" + lines.get(0).strip() + lines.get(1).strip());
                }
            } catch (IOException e) {
                // Being written: read it again.
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BrowserException("interrupted while waiting for Chromium to start", e);
            }
        }
        throw new BrowserException("Chromium " + settings.chromium() + " did not open DevTools within "
                + settings.timeout().toSeconds() + " s; its output ends with:\n" + logTail());
    }

    /**
     * Kills the browser and every process it started (renderers, GPU and network services, crash handler), and
     * deletes the profile and the log. Descendants are listed first because they are reparented once the
     * browser is gone.
     */
    private void kill() {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        try {
            process.waitFor(3, TimeUnit.SECONDS); // Browser.close lets it shut down cleanly
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tree.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (tree.stream().anyMatch(HeadlessBrowser::running) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        deleteTree(profile);
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // A temp file: the OS cleans it up eventually.
        }
    }

    /**
     * Whether a process still runs. A killed child of the dead browser stays a zombie until PID 1 reaps it, which
     * in a container may take seconds; {@link ProcessHandle#isAlive()} counts zombies as alive, this does not.
     */
    static boolean running(ProcessHandle handle) {
        if (!handle.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
            // The state follows the parenthesised command name, which may itself contain ") ".
            int end = stat.lastIndexOf(") ");
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (IOException e) {
            return handle.isAlive(); // no /proc (not Linux), or it exited meanwhile
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** Deletes a directory tree; retried because a dying Chromium may still write into it. */
    private static void deleteTree(Path dir) {
        for (int attempt = 0; attempt < 5 && Files.exists(dir); attempt++) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}

