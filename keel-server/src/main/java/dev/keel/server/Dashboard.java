package dev.keel.server;

import dev.keel.core.connect.Secrets;
import dev.keel.core.progress.Progress;
import dev.keel.core.findings.Severity;
import dev.keel.ops.backup.VerifyHistory;
import dev.keel.ops.insight.ConnectionSummary;
import dev.keel.ops.insight.HealthCheck;
import dev.keel.ops.insight.HealthReport;
import dev.keel.ops.insight.Insight;
import dev.keel.ops.insight.InsightReport;
import dev.keel.ops.insight.StatementHistory;
import dev.keel.ops.insight.TopStatements;
import dev.keel.schema.migrate.MigrationState;
import dev.keel.server.check.CheckHistory;
import dev.keel.server.check.CheckHtml;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The server-rendered pages: plain HTML and one small echarts chart, no single-page framework. Each section is read
 * on its own, so a target that is down shows as down while the rest (backups, jobs) still renders.
 */
final class Dashboard {

    private static final com.fasterxml.jackson.databind.ObjectMapper CHART_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final KeelServer server;

    Dashboard(KeelServer server) {
        this.server = server;
    }

    String overview() {
        StringBuilder b = new StringBuilder();
        HealthReport health = server.health(false);
        boolean down = health.unreachable();
        b.append("<section><h2>Health</h2>");
        b.append("<p class=status-").append(down ? "down" : health.status().label()).append(">")
                .append(esc(server.target().describe())).append(": <strong>")
                .append(down ? "down" : esc(health.status().label())).append("</strong></p><table><tr><th>check<th>status<th>ms<th>detail</tr>");
        for (HealthCheck c : health.checks()) {
            b.append("<tr><td>").append(esc(c.name())).append("<td>").append(esc(c.status().label())).append("<td class=n>")
                    .append(c.millis()).append("<td>").append(esc(Secrets.mask(c.detail()))).append("</tr>");
        }
        b.append("</table></section>");
        if (down) {
            b.append("<section><h2>Database</h2><p>The target is down; statements, connections, size and migrations "
                    + "return when it is back.</p></section>");
        } else {
            databaseSections(b);
        }
        backupSection(b);
        readinessSection(b, false);
        jobsSection(b);
        return page("Keel — " + server.project().name(), b.toString());
    }

    private void databaseSections(StringBuilder b) {
        try {
            server.withConnection(c -> {
                InsightReport report = Insight.report(c, KeelServer.insightOptions());
                StatementHistory.Growth growth = StatementHistory.growth(c, Instant.now().minus(Duration.ofDays(30)));
                List<StatementHistory.Interval> intervals = StatementHistory.intervals(c, Instant.now().minus(Duration.ofDays(7)),
                        Instant.now().plusSeconds(60), OptionalLong.empty(), 50);
                b.append("<section><h2>Size and growth</h2>");
                growth.database().ifPresentOrElse(t -> b.append(String.format(Locale.ROOT,
                        "<p>Database %s: %s, %s%s per day, %s in 30 days.</p>", esc(t.name()), size(t.lastBytes()),
                        t.bytesPerDay() < 0 ? "-" : "+", size(Math.round(Math.abs(t.bytesPerDay()))), size(t.projected30Days()))),
                        () -> b.append("<p>Growth needs two snapshots some time apart (keel insight snapshot, or the snapshot job).</p>"));
                b.append("</section>");
                findings(b, report);
                connections(b, report);
                statements(b, report, intervals);
                return null;
            });
        } catch (KeelServer.TargetDown e) {
            b.append("<section><h2>Database</h2><p>down: ").append(esc(e.getMessage())).append("</p></section>");
        } catch (Exception e) {
            b.append("<section><h2>Database</h2><p>not available: ").append(esc(Secrets.mask(String.valueOf(e.getMessage()))))
                    .append("</p></section>");
        }
        try {
            Map<String, Integer> byState = new TreeMap<>();
            String current = null;
            for (MigrationState s : server.migrations()) {
                byState.merge(s.state().label(), 1, Integer::sum);
                if (s.installedOn() != null && s.version() != null && s.state() == MigrationState.State.SUCCESS) {
                    current = s.version().toString();
                }
            }
            b.append("<section><h2>Migrations</h2><p>Current version: ").append(current == null ? "none" : esc(current))
                    .append(". ");
            byState.forEach((k, v) -> b.append(v).append(' ').append(esc(k)).append(". "));
            b.append("</p></section>");
        } catch (RuntimeException e) {
            b.append("<section><h2>Migrations</h2><p>not available: ").append(esc(Secrets.mask(String.valueOf(e.getMessage()))))
                    .append("</p></section>");
        }
    }

    private static void findings(StringBuilder b, InsightReport report) {
        b.append("<section><h2>Findings</h2><p>");
        for (Severity s : Severity.values()) {
            b.append("<span class=sev-").append(s.label()).append('>').append(report.findings().count(s)).append(' ')
                    .append(s.label()).append("</span> ");
        }
        b.append("(<a href=\"/api/insight\">/api/insight</a>)</p></section>");
    }

    private static void connections(StringBuilder b, InsightReport report) {
        b.append("<section><h2>Connections</h2>");
        report.connections().ifPresentOrElse(c -> {
            b.append(String.format(Locale.ROOT, "<p>%d of %d usable (max_connections %d).", c.total(), c.usable(), c.maxConnections()));
            c.byState().forEach((k, v) -> b.append(' ').append(v).append(' ').append(esc(k)).append('.'));
            b.append("</p>");
        }, () -> b.append("<p>not available</p>"));
        b.append("</section>");
    }

    private static void statements(StringBuilder b, InsightReport report, List<StatementHistory.Interval> intervals) {
        b.append("<section><h2>Top statements</h2>");
        if (report.statements().isEmpty()) {
            b.append("<p>pg_stat_statements is not available (see the findings).</p>");
        } else {
            TopStatements top = report.statements().get();
            b.append("<table><tr><th>total ms<th>calls<th>mean ms<th>query</tr>");
            for (TopStatements.Statement s : top.byTotalTime()) {
                b.append(String.format(Locale.ROOT, "<tr><td class=n>%.1f<td class=n>%d<td class=n>%.2f<td><code>%s</code></tr>",
                        s.totalMs(), s.calls(), s.meanMs(), esc(clip(s.query(), 120))));
            }
            b.append("</table>");
        }
        if (intervals.isEmpty()) {
            b.append("<p>No snapshots in the last 7 days to chart (keel insight snapshot, or the snapshot job).</p>");
        } else {
            List<String> x = new ArrayList<>();
            List<Object> y = new ArrayList<>();
            for (StatementHistory.Interval i : intervals) {
                double total = i.statements().stream().mapToDouble(StatementHistory.StatementDelta::totalMillis).sum();
                x.add(i.end().truncatedTo(ChronoUnit.SECONDS).toString());
                y.add(Math.round(total * 10) / 10.0);
            }
            chart(b, "statements", "ms", x, Map.of("statement time per interval", y));
        }
        b.append("</section>");
    }

    private void backupSection(StringBuilder b) {
        b.append("<section><h2>Backups</h2>");
        try {
            List<Map<String, Object>> backups = server.backups();
            Map<String, Object> last = null;
            for (Map<String, Object> m : backups) {
                if ("complete".equals(m.get("status"))) {
                    last = m;
                }
            }
            if (last == null) {
                b.append("<p>No complete backup yet.</p>");
            } else {
                b.append("<p>Last backup: ").append(esc(String.valueOf(last.get("id")))).append(" (")
                        .append(esc(String.valueOf(last.get("type")))).append(", finished ")
                        .append(esc(String.valueOf(last.get("stopTime")))).append(").</p>");
            }
            Path verifyFile = server.project().keelDir().resolve(VerifyHistory.FILE_NAME);
            List<VerifyHistory.Run> verified = java.nio.file.Files.exists(verifyFile) ? VerifyHistory.read(verifyFile).runs() : List.of();
            if (verified.isEmpty()) {
                b.append("<p>No verification recorded.</p>");
            } else {
                VerifyHistory.Run v = verified.get(verified.size() - 1);
                b.append("<p>Last verification: ").append(esc(v.backup())).append(' ').append(v.ok() ? "PASS" : "FAIL")
                        .append(" at ").append(v.verifiedAt().truncatedTo(ChronoUnit.SECONDS)).append(", restore ")
                        .append(String.format(Locale.ROOT, "%.1f s", v.rtoMillis() / 1000.0)).append(".</p>");
            }
        } catch (RuntimeException e) {
            b.append("<p>not available: ").append(esc(Secrets.mask(String.valueOf(e.getMessage())))).append("</p>");
        }
        b.append("</section>");
    }

    private void jobsSection(StringBuilder b) {
        List<Map<String, Object>> jobs = server.runs().jobs();
        b.append("<section><h2>Jobs</h2>");
        if (jobs.isEmpty()) {
            b.append("<p>No scheduled jobs (server.jobs in keel.yaml).</p>");
        }
        for (Map<String, Object> j : jobs) {
            Object last = j.get("lastRun");
            b.append("<p>").append(esc(String.valueOf(j.get("name")))).append(" every ").append(esc(String.valueOf(j.get("every"))))
                    .append(": ").append(last == null ? "not run yet" : esc(String.valueOf(((Map<?, ?>) last).get("status"))))
                    .append("</p>");
        }
        b.append("</section>");
    }

    /** /insight: every finding with its remedy, the top statements and the connection groups. */
    String insight() {
        StringBuilder b = new StringBuilder();
        try {
            server.withConnection(c -> {
                InsightReport report = Insight.report(c, KeelServer.insightOptions());
                findings(b, report);
                b.append("<section><h2>All findings</h2><table><tr><th>severity<th>rule<th>object<th>message<th>remedy</tr>");
                for (dev.keel.core.findings.Finding f : report.findings()) {
                    b.append("<tr><td class=sev-").append(f.severity().label()).append('>').append(f.severity().label())
                            .append("<td>").append(esc(f.rule())).append("<td>").append(esc(f.object())).append("<td>")
                            .append(esc(f.message())).append("<td><code>").append(esc(f.remedy())).append("</code></tr>");
                }
                b.append("</table></section>");
                statements(b, report, List.of());
                connections(b, report);
                report.connections().ifPresent(cs -> {
                    b.append("<table><tr><th>count<th>database<th>user<th>application<th>state</tr>");
                    for (ConnectionSummary.Group g : cs.groups()) {
                        b.append("<tr><td class=n>").append(g.count()).append("<td>").append(esc(g.database())).append("<td>")
                                .append(esc(g.user())).append("<td>").append(esc(g.application())).append("<td>")
                                .append(esc(g.state())).append("</tr>");
                    }
                    b.append("</table>");
                });
                return null;
            });
        } catch (KeelServer.TargetDown e) {
            b.append("<p class=status-down>down: ").append(esc(e.getMessage())).append("</p>");
        } catch (Exception e) {
            b.append("<p>not available: ").append(esc(Secrets.mask(String.valueOf(e.getMessage())))).append("</p>");
        }
        return page("Keel — insight", b.toString());
    }

    /** /migrations: keel info as a table. */
    String migrations() {
        StringBuilder b = new StringBuilder();
        try {
            b.append("<table><tr><th>version<th>description<th>type<th>installed on<th>state</tr>");
            for (MigrationState s : server.migrations()) {
                b.append("<tr><td>").append(s.version() == null ? "" : esc(s.version().toString())).append("<td>")
                        .append(esc(s.description())).append("<td>").append(esc(s.type())).append("<td>")
                        .append(s.installedOn() == null ? "" : s.installedOn().truncatedTo(ChronoUnit.SECONDS)).append("<td>")
                        .append(esc(s.state().label())).append("</tr>");
            }
            b.append("</table>");
        } catch (KeelServer.TargetDown e) {
            b.setLength(0);
            b.append("<p class=status-down>down: ").append(esc(e.getMessage())).append("</p>");
        } catch (RuntimeException e) {
            b.setLength(0);
            b.append("<p>not available: ").append(esc(Secrets.mask(String.valueOf(e.getMessage())))).append("</p>");
        }
        return page("Keel — migrations", b.toString());
    }

    /** /backups: keel backup list and the recorded verifications, newest first. */
    String backups() {
        StringBuilder b = new StringBuilder("<section><h2>Backups</h2>");
        List<Map<String, Object>> backups = server.backups();
        if (backups.isEmpty()) {
            b.append("<p>No backups in the repository.</p>");
        } else {
            b.append("<table><tr><th>id<th>type<th>status<th>stop time<th>size<th>stored</tr>");
            for (int i = backups.size() - 1; i >= 0; i--) {
                Map<String, Object> m = backups.get(i);
                b.append("<tr><td>").append(esc(String.valueOf(m.get("id")))).append("<td>").append(esc(String.valueOf(m.get("type"))))
                        .append("<td>").append(esc(String.valueOf(m.get("status")))).append("<td>")
                        .append(m.get("stopTime") == null ? "" : esc(m.get("stopTime").toString())).append("<td class=n>")
                        .append(m.get("sizeBytes") == null ? "" : size((Long) m.get("sizeBytes"))).append("<td class=n>")
                        .append(m.get("storedBytes") == null ? "" : size((Long) m.get("storedBytes"))).append("</tr>");
            }
            b.append("</table>");
        }
        b.append("</section><section><h2>Verifications</h2>");
        Path verifyFile = server.project().keelDir().resolve(VerifyHistory.FILE_NAME);
        List<VerifyHistory.Run> runs = java.nio.file.Files.exists(verifyFile) ? VerifyHistory.read(verifyFile).runs() : List.of();
        if (runs.isEmpty()) {
            b.append("<p>No verification recorded (keel backup verify, or the verify job).</p>");
        } else {
            b.append("<table><tr><th>verified at<th>backup<th>result<th>restore (RTO)<th>RPO<th>indexes checked<th>problems</tr>");
            for (int i = runs.size() - 1; i >= 0 && i >= runs.size() - 20; i--) {
                VerifyHistory.Run v = runs.get(i);
                b.append("<tr><td>").append(v.verifiedAt().truncatedTo(ChronoUnit.SECONDS)).append("<td>").append(esc(v.backup()))
                        .append("<td class=status-").append(v.ok() ? "ok>PASS" : "fail>FAIL")
                        .append(String.format(Locale.ROOT, "<td class=n>%.1f s<td class=n>%d s<td class=n>%d<td>", v.rtoMillis() / 1000.0,
                                v.rpoSeconds(), v.indexesChecked()))
                        .append(esc(String.join("; ", v.problems()))).append("</tr>");
            }
            b.append("</table>");
        }
        b.append("</section>");
        return page("Keel — backups", b.toString());
    }

    /** /check: the stored keel check runs, newest first, and the trend of failing items (read, never evaluated: a GET). */
    String check() {
        StringBuilder b = new StringBuilder();
        readinessSection(b, true);
        return page("Keel — readiness", b.toString());
    }

    /** The blueprint checklist as the last recorded keel check runs saw it, with the failing items over time. */
    private void readinessSection(StringBuilder b, boolean full) {
        b.append("<section><h2>Readiness (keel check)</h2>");
        List<CheckHistory.Run> runs;
        try {
            runs = CheckHistory.read(CheckHistory.file(server.project().keelDir())).runs();
        } catch (RuntimeException e) {
            b.append("<p>not available: ").append(esc(Secrets.mask(String.valueOf(e.getMessage())))).append("</p></section>");
            return;
        }
        if (runs.isEmpty()) {
            b.append("<p>No keel check run recorded yet (keel check, the check job, or POST /api/actions/check).</p></section>");
            return;
        }
        CheckHistory.Run last = runs.get(runs.size() - 1);
        b.append(String.format(Locale.ROOT, "<p>Last run %s: <span class=status-ok>%d pass</span>, <span class=status-fail>%d fail"
                        + "</span> (%d required), %d not configured, %d not available.</p>", last.checkedAt().truncatedTo(ChronoUnit.SECONDS),
                last.pass(), last.fail(), last.requiredFailing(), last.notConfigured(), last.notAvailable()));
        List<String> x = new ArrayList<>();
        List<Object> pass = new ArrayList<>();
        List<Object> fail = new ArrayList<>();
        for (CheckHistory.Run r : runs.subList(Math.max(0, runs.size() - 60), runs.size())) {
            x.add(r.checkedAt().truncatedTo(ChronoUnit.SECONDS).toString());
            pass.add(r.pass());
            fail.add(r.fail());
        }
        Map<String, List<Object>> series = new LinkedHashMap<>();
        series.put("pass", pass);
        series.put("fail", fail);
        chart(b, "check", "items", x, series);
        if (full) {
            b.append("<table><tr><th>item<th>status</tr>");
            last.items().forEach((item, status) -> b.append("<tr><td>").append(esc(item)).append("<td class=status-")
                    .append(status == dev.keel.server.check.CheckStatus.PASS ? "ok" : status == dev.keel.server.check.CheckStatus.FAIL
                            ? "fail" : "warn").append('>').append(esc(status.label())).append("</tr>"));
            b.append("</table><p>Evidence and next steps: <a href=\"/api/check\">/api/check</a> (evaluated afresh, not "
                    + "recorded) or keel check.</p>");
        }
        b.append("</section>");
    }

    /**
     * A small line chart: a container marked {@code data-chart} (what the browser test looks for) and the option
     * as JSON, written by Jackson so no value can break out of the script.
     */
    private static void chart(StringBuilder b, String name, String unit, List<String> x, Map<String, List<Object>> series) {
        Map<String, Object> option = new LinkedHashMap<>();
        option.put("tooltip", Map.of("trigger", "axis"));
        option.put("legend", Map.of());
        option.put("xAxis", Map.of("type", "category", "data", x));
        option.put("yAxis", Map.of("type", "value", "name", unit));
        List<Object> s = new ArrayList<>();
        series.forEach((label, data) -> s.add(Map.of("name", label, "type", "line", "data", data)));
        option.put("series", s);
        String json;
        try {
            json = CHART_JSON.writeValueAsString(option).replace("</", "<\\/");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write a chart's option: " + e.getMessage(), e);
        }
        b.append("<div id=chart-").append(name).append(" data-chart=").append(name).append(" style=\"height:220px\"></div>")
                .append("<script>echarts.init(document.getElementById('chart-").append(name).append("')).setOption(")
                .append(json).append(");</script>");
    }

    static String loginPage(boolean failed) {
        return page("Keel — sign in", (failed ? "<p class=status-fail>That token is not valid.</p>" : "")
                + "<form method=post action=\"/login\"><label>Token (printed by keel serve on its first start, or in "
                + ".keel/server-token) <input type=password name=token autocomplete=off autofocus></label> "
                + "<button type=submit>Sign in</button></form>");
    }

    static String page(String title, String body) {
        return "<!doctype html><html lang=en><head><meta charset=utf-8><title>" + esc(title) + "</title>"
                + "<link rel=icon href=\"data:,\">"
                + (body.contains("data-chart=") ? "<script src=\"/assets/echarts.min.js\"></script>" : "")
                + "<meta name=viewport content=\"width=device-width,initial-scale=1\"><style>"
                + "body{font:14px system-ui,sans-serif;margin:1.5em auto;max-width:70em;color:#222}"
                + "table{border-collapse:collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}"
                + "td.n{text-align:right}code{font-size:12px}.status-down,.status-fail,.sev-error{color:#b00}"
                + ".status-warn,.sev-warning{color:#a60}.status-ok{color:#070}section{margin-bottom:1.5em}"
                + "nav a{margin-right:1em}</style></head><body><nav><a href=\"/\">Overview</a><a href=\"/insight\">Insight</a>"
                + "<a href=\"/migrations\">Migrations</a><a href=\"/backups\">Backups</a><a href=\"/check\">Readiness</a></nav><h1>" + esc(title) + "</h1>"
                + body + "</body></html>";
    }

    private static String size(long bytes) {
        return Progress.Unit.BYTES.format(bytes);
    }

    /** HTML-escaped text; the one escaping of the server's pages is CheckHtml's. */
    static String esc(String s) {
        return s == null ? "" : CheckHtml.esc(s);
    }

    private static String clip(String s, int width) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= width ? one : one.substring(0, width - 1) + "…";
    }
}
