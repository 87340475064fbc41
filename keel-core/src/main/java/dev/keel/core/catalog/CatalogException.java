package dev.keel.core.catalog;

import dev.keel.core.KeelException;

/**
 * Reading a catalog failed: a server error while querying pg_catalog (exit 3), a schema filter naming no
 * schema (exit 2), or a catalog JSON document that cannot be read (exit 2).
 */
public class CatalogException extends KeelException {

    CatalogException(String message, String remedy, int exitCode, Throwable cause) {
        super(message, remedy, exitCode, cause);
    }

    CatalogException(String message, Throwable cause) {
        super(message, cause);
    }
}
