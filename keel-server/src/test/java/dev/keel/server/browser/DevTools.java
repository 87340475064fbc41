package dev.keel.server.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import static java.util.Objects.requireNonNull;

/**
 * One Chrome DevTools Protocol connection to the browser endpoint, in flat session mode: commands for a page carry
 * its session id, and its events come back with it. Events are dispatched on the WebSocket's thread, so listeners
 * must be quick and thread-safe.
 */
final class DevTools implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebSocket socket;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final Map<String, BiConsumer<String, JsonNode>> sessions = new ConcurrentHashMap<>();
    private final Duration commandTimeout;
    private volatile String closedBecause;

    private DevTools(WebSocket.Builder builder, URI endpoint, Duration commandTimeout) {
        this.commandTimeout = commandTimeout;
        try {
            this.socket = builder.buildAsync(endpoint, new Listener()).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrowserException("interrupted while connecting to Chromium's DevTools at " + endpoint, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new BrowserException("cannot connect to Chromium's DevTools at " + endpoint + ": " + e, e);
        }
    }

    static DevTools connect(URI endpoint, Duration commandTimeout) {
        requireNonNull(endpoint, "null endpoint");
        requireNonNull(commandTimeout, "null commandTimeout");
        return new DevTools(HttpClient.newHttpClient().newWebSocketBuilder(), endpoint, commandTimeout);
    }

    ObjectNode params() {
        return JSON.createObjectNode();
    }

    /** Runs a browser-level command and returns its result. */
    JsonNode call(String method, ObjectNode params) {
        return call(null, method, params);
    }

    /** Runs a command, in the page session when {@code sessionId} is not null, and returns its result. */
    JsonNode call(String sessionId, String method, ObjectNode params) {
        try {
            return send(sessionId, method, params).get(commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrowserException("interrupted while waiting for DevTools " + method, e);
        } catch (TimeoutException e) {
            throw new BrowserException("DevTools " + method + " got no answer within " + commandTimeout.toSeconds()
                    + " s: Chromium is hung or overloaded", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof BrowserException b ? b
                    : new BrowserException("DevTools " + method + " failed: " + e.getCause(), e.getCause());
        }
    }

    CompletableFuture<JsonNode> send(String sessionId, String method, ObjectNode params) {
        requireNonNull(method, "null method");
        if (closedBecause != null) {
            return CompletableFuture.failedFuture(new BrowserException(
                    "DevTools " + method + " after the connection closed (" + closedBecause + ")"));
        }
        long id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params == null ? JSON.createObjectNode() : params);
        if (sessionId != null) {
            message.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        pending.put(id, result);
        String text = message.toString();
        // sendText must not overlap with another send in progress; serialise the senders.
        synchronized (socket) {
            socket.sendText(text, true).join();
        }
        return result;
    }

    /** Routes the events of one page session to {@code listener(method, params)}. */
    void subscribe(String sessionId, BiConsumer<String, JsonNode> listener) {
        sessions.put(requireNonNull(sessionId, "null sessionId"), requireNonNull(listener, "null listener"));
    }

    void unsubscribe(String sessionId) {
        sessions.remove(sessionId);
    }

    @Override
    public void close() {
        fail("closed by the test");
        socket.abort();
    }

    private void dispatch(String text) {
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (Exception e) {
            return; // not JSON: nothing any caller waits for
        }
        if (message.has("id")) {
            CompletableFuture<JsonNode> result = pending.remove(message.get("id").asLong());
            if (result == null) {
                return;
            }
            if (message.has("error")) {
                result.completeExceptionally(new BrowserException("DevTools error: " + message.get("error")));
            } else {
                result.complete(message.path("result"));
            }
            return;
        }
        String sessionId = message.path("sessionId").asText(null);
        BiConsumer<String, JsonNode> listener = sessionId == null ? null : sessions.get(sessionId);
        if (listener != null) {
            listener.accept(message.path("method").asText(), message.path("params"));
        }
    }

    private void fail(String reason) {
        closedBecause = reason;
        pending.values().forEach(f -> f.completeExceptionally(
                new BrowserException("DevTools connection closed (" + reason + ")")));
        pending.clear();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                dispatch(text);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            fail("Chromium closed it: " + statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            fail(String.valueOf(error));
        }
    }
}
