package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.Objects;

/** An installed extension; the objects it created are left out of the rest of the catalog. */
public record Extension(String name, String version, String schema, String owner, String comment) {

    static final Comparator<Extension> ORDER = Comparator.comparing(Extension::name);

    public Extension {
        Objects.requireNonNull(name, "null name");
    }
}
