package dev.keel.server.browser;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One request a page made and how it ended: the HTTP status (0 when no response arrived) or the network error
 * Chromium reported (such as {@code net::ERR_CONNECTION_REFUSED}). A redirect is recorded as its own request.
 *
 * @param resourceType DevTools' resource type: Document, Script, Stylesheet, Fetch, XHR, Image, ...
 */
public record RecordedRequest(String method, String url, String resourceType, int status, Optional<String> error) {

    public RecordedRequest {
        requireNonNull(method, "null method");
        requireNonNull(url, "null url");
        requireNonNull(resourceType, "null resourceType");
        requireNonNull(error, "null error");
    }

    /** A network error, or an HTTP status of 400 or more. */
    public boolean failed() {
        return error.isPresent() || status >= 400;
    }

    /** The path and query of the URL, for assertions that should not depend on the ephemeral port. */
    public String path() {
        int scheme = url.indexOf("://");
        int slash = scheme < 0 ? -1 : url.indexOf('/', scheme + 3);
        return slash < 0 ? "/" : url.substring(slash);
    }

    @Override
    public String toString() {
        return method + " " + url + " (" + resourceType + ") -> " + error.orElse(String.valueOf(status));
    }
}
