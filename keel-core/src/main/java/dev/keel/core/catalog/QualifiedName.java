package dev.keel.core.catalog;

import java.util.Comparator;
import java.util.Objects;

/** A schema-qualified object name, used where one catalog object points at another. */
public record QualifiedName(String schema, String name) implements Comparable<QualifiedName> {

    static final Comparator<QualifiedName> ORDER = Comparator.nullsFirst(
            Comparator.comparing(QualifiedName::schema).thenComparing(QualifiedName::name));

    public QualifiedName {
        Objects.requireNonNull(schema, "null schema");
        Objects.requireNonNull(name, "null name");
    }

    public static QualifiedName of(String schema, String name) {
        return new QualifiedName(schema, name);
    }

    @Override
    public int compareTo(QualifiedName other) {
        return ORDER.compare(this, other);
    }

    /** {@code schema.name}, unquoted: for messages, not for SQL. */
    @Override
    public String toString() {
        return schema + "." + name;
    }
}
