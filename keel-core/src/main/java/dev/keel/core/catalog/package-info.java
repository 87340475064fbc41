/**
 * The catalog: one immutable model of a database's user objects, read by {@link dev.keel.core.catalog.CatalogReader}
 * with one query per kind of object, written and read as stable sorted JSON by
 * {@link dev.keel.core.catalog.CatalogJson}, and summed up for the terminal by
 * {@link dev.keel.core.catalog.CatalogSummary}. Diff, drift, docs, lint, audit, masking and insight read
 * databases through it rather than querying pg_catalog themselves.
 *
 * <p>The model: {@link dev.keel.core.catalog.Catalog} at the top; tables carry their columns, constraints,
 * indexes and policies; views and materialized views, sequences, routines, triggers, domains, enums,
 * composite types, extensions, roles, memberships and default privileges are lists of their own.
 * Privileges are parsed ACL entries ({@link dev.keel.core.catalog.Grant}). Nulls stand for "not set" and
 * lists are never null.
 */
package dev.keel.core.catalog;
