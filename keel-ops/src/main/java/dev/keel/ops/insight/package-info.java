/**
 * Performance insight: {@link dev.keel.ops.insight.Explainer} reads a statement's plan and reports the
 * costly parts of it as {@link dev.keel.core.findings.Findings}.
 */
package dev.keel.ops.insight;
