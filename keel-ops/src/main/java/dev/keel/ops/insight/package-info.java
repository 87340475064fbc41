/**
 * Performance insight: {@link dev.keel.ops.insight.Explainer} reads a statement's plan and reports the
 * costly parts of it as {@link dev.keel.core.findings.Findings}; {@link dev.keel.ops.insight.Insight} reports
 * what needs attention on a server (statements, sessions, blocking chains, connections, replication,
 * checkpoints, settings); {@link dev.keel.ops.insight.IndexAdvisor} recommends indexes for a
 * {@link dev.keel.ops.insight.Workload}, validated with hypothetical indexes; {@link dev.keel.ops.insight.MaintenancePlan}
 * turns findings into maintenance; {@link dev.keel.ops.insight.HealthChecks} and
 * {@link dev.keel.ops.insight.MetricsCollectors} serve orchestrators and Prometheus.
 */
package dev.keel.ops.insight;
