/** Schema as code: Flyway-compatible migrations, plan, lint, undo, drift and diff. */
package dev.keel.schema;
