/**
 * Performance insight: {@link dev.keel.ops.insight.Explainer} reads a statement's plan and reports the
 * costly parts of it as {@link dev.keel.core.findings.Findings}; {@link dev.keel.ops.insight.IndexAdvisor}
 * recommends indexes for a {@link dev.keel.ops.insight.Workload}, validated with hypothetical indexes.
 */
package dev.keel.ops.insight;
