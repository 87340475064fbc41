package dev.keel.ops.insight;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.core.connect.Secrets;
import dev.keel.core.findings.FindingsRenderer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON documents of {@code keel insight --json} and {@code keel health --json}, kept here so that the CLI and
 * {@code keel serve}'s API print the same shape from one implementation.
 */
public final class InsightJson {

    private InsightJson() {
    }

    /** {"findings": [...], "summary": {...}, "database", "statements": {...}, "connections": {...}}. */
    public static JsonNode document(InsightReport report) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode doc = mapper.createObjectNode();
        try {
            JsonNode findings = mapper.readTree(FindingsRenderer.json().renderToString(report.findings()));
            doc.set("findings", findings.get("findings"));
            doc.set("summary", findings.get("summary"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the findings renderer wrote invalid JSON", e);
        }
        doc.put("database", report.database());
        report.statements().ifPresent(t -> {
            ObjectNode s = doc.putObject("statements");
            s.put("totalExecMs", round(t.totalExecMs()));
            statements(s.putArray("byTotalTime"), t.byTotalTime());
            statements(s.putArray("byMeanTime"), t.byMeanTime());
            statements(s.putArray("byCalls"), t.byCalls());
            statements(s.putArray("byIo"), t.byIo());
        });
        report.connections().ifPresent(c -> {
            ObjectNode n = doc.putObject("connections");
            n.put("maxConnections", c.maxConnections());
            n.put("reserved", c.reserved());
            n.put("usable", c.usable());
            n.put("total", c.total());
            ObjectNode byState = n.putObject("byState");
            c.byState().forEach(byState::put);
            ArrayNode groups = n.putArray("groups");
            for (ConnectionSummary.Group g : c.groups()) {
                groups.addObject().put("database", g.database()).put("user", g.user()).put("application", g.application())
                        .put("state", g.state()).put("count", g.count());
            }
        });
        return doc;
    }

    private static void statements(ArrayNode into, List<TopStatements.Statement> list) {
        for (TopStatements.Statement s : list) {
            into.addObject().put("queryId", s.queryId()).put("user", s.user()).put("calls", s.calls())
                    .put("totalMs", round(s.totalMs())).put("meanMs", round(s.meanMs())).put("rows", s.rows())
                    .put("ioBlocks", s.ioBlocks()).put("ioMs", round(s.ioMs())).put("tempBlocksWritten", s.tempBlocksWritten())
                    .put("query", s.query());
        }
    }

    private static double round(double d) {
        return Math.round(d * 1000) / 1000.0;
    }

    /** {"status": "ok|warn|fail", "checks": [{"name", "status", "detail" (secrets masked), "millis"}]}. */
    public static Map<String, Object> health(HealthReport report) {
        List<Object> checks = new ArrayList<>();
        for (HealthCheck c : report.checks()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("status", c.status().label());
            m.put("detail", Secrets.mask(c.detail()));
            m.put("millis", c.millis());
            checks.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("status", report.status().label());
        doc.put("checks", checks);
        return doc;
    }

    /** {@code keel insight snapshot --json}; {@code keep} is the retention as the user wrote it. */
    public static Map<String, Object> snapshot(StatementHistory.Snapshot s, String keep) {
        return ordered("id", s.id(), "takenAt", s.takenAt().toString(),
                "statementsAvailable", s.statementsAvailable(), "statements", s.statements(), "tables", s.tables(),
                "indexes", s.indexes(), "databaseBytes", s.databaseBytes(), "pruned", s.pruned(),
                "keep", keep, "notes", s.notes());
    }

    /** The {@code keel insight history --json} document: since, snapshots, intervals, growth. */
    public static Map<String, Object> history(java.time.Instant since, int snapshots, List<StatementHistory.Interval> intervals,
                                              StatementHistory.Growth growth) {
        return ordered("since", since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(), "snapshots", snapshots,
                "intervals", intervals.stream().map(InsightJson::interval).toList(), "growth", growth(growth));
    }

    /** One interval of {@code keel insight history --json}: the statements' deltas between two snapshots. */
    public static Map<String, Object> interval(StatementHistory.Interval i) {
        List<Object> statements = new ArrayList<>();
        for (StatementHistory.StatementDelta d : i.statements()) {
            statements.add(ordered("queryid", d.queryid(), "query", d.query(), "calls", d.calls(),
                    "totalMillis", round(d.totalMillis()), "meanMillis", round(d.meanMillis()), "rows", d.rows(),
                    "blocksRead", d.blocksRead(), "blocksHit", d.blocksHit(), "tempBlocksWritten", d.tempBlocksWritten(),
                    "reset", d.reset()));
        }
        return ordered("fromSnapshot", i.fromSnapshot(), "toSnapshot", i.toSnapshot(), "start", i.start().toString(),
                "end", i.end().toString(), "seconds", round(i.duration().toMillis() / 1000.0), "reset", i.reset(),
                "statements", statements);
    }

    /** The size growth of {@code keel insight history --json}. */
    public static Map<String, Object> growth(StatementHistory.Growth g) {
        return ordered("snapshots", g.snapshots(), "database", g.database().map(InsightJson::trend).orElse(null),
                "tables", g.tables().stream().map(InsightJson::trend).toList(),
                "indexes", g.indexes().stream().map(InsightJson::trend).toList());
    }

    private static Map<String, Object> trend(StatementHistory.SizeTrend t) {
        return ordered("kind", t.kind(), "name", t.name(), "firstAt", t.firstAt().toString(), "firstBytes", t.firstBytes(),
                "lastAt", t.lastAt().toString(), "bytes", t.lastBytes(), "bytesPerDay", Math.round(t.bytesPerDay()),
                "percentPerDay", round(t.percentPerDay()), "projected30DaysBytes", t.projected30Days());
    }

    private static Map<String, Object> ordered(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
