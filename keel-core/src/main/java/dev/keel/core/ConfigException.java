package dev.keel.core;

/** Bad configuration or bad usage: names the file, line and key when it can. Exit code 2. */
public class ConfigException extends KeelException {

    public ConfigException(String message, String remedy) {
        super(message, remedy, USAGE, null);
    }

    public ConfigException(String message, String remedy, Throwable cause) {
        super(message, remedy, USAGE, cause);
    }
}
