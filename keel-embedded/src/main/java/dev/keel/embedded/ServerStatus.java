package dev.keel.embedded;

import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * What {@code keel db status} shows: whether the embedded server is initialised and running, with its pid,
 * port, version, provider, data directory and size on disk.
 */
public record ServerStatus(boolean initialized, boolean running, OptionalInt pid, int port, String version,
                           Provider provider, Path binDir, Path dataDir, long sizeBytes) {
}
