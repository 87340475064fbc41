package dev.keel.server.browser;

import dev.keel.core.KeelException;

/**
 * The headless browser could not do what a test asked: Chromium did not start or crashed, a DevTools command
 * failed, or a page did not finish loading in time. The message names the page or command and what to check.
 */
public final class BrowserException extends KeelException {

    BrowserException(String message, Throwable cause) {
        super(message, cause);
    }

    BrowserException(String message) {
        super(message);
    }
}
