package dev.keel.core.connect;

import dev.keel.core.KeelException;

/** Keel could not reach or log in to a target: names host:port, user and the server's own words. Exit 3. */
public class ConnectionFailedException extends KeelException {

    public ConnectionFailedException(String message, String remedy, Throwable cause) {
        super(message, remedy, RUNTIME, cause);
    }
}
