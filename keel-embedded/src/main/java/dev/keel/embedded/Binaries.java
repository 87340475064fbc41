package dev.keel.embedded;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One installation of PostgreSQL's server programs: the directory holding initdb, pg_ctl and postgres,
 * its version, and which provider found it.
 */
public record Binaries(Path binDir, String version, int major, Provider provider) {

    public Path program(String name) {
        return binDir.resolve(name);
    }

    /** The directory of loadable modules (pg_stat_statements.so, pgaudit.so). */
    public Path libDir() {
        Path pkglib = binDir.getParent().resolve("lib");
        Path nested = pkglib.resolve("postgresql");
        return Files.isRegularFile(nested.resolve("pg_stat_statements.so")) ? nested : pkglib;
    }

    /** True when the installation has the shared library for {@code module}, e.g. "pgaudit". */
    public boolean hasModule(String module) {
        return Files.isRegularFile(libDir().resolve(module + ".so"));
    }
}
