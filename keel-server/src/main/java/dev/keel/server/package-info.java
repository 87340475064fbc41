/**
 * The Keel server and scorecard: {@code keel check} evaluates the blueprint's implementation checklist against a
 * target and its project; {@code keel serve} offers the dashboard, the JSON API, {@code /metrics} and
 * {@code /health}. Both are thin over the engines of keel-schema and keel-ops.
 */
package dev.keel.server;
