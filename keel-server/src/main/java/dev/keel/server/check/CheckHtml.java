package dev.keel.server.check;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code keel check --html FILE}: the report as one self-contained HTML page (inline CSS, no scripts, no external
 * assets), so it can be mailed or attached to a CI run. Items are grouped by phase; the trend of earlier runs
 * is a small table.
 */
public final class CheckHtml {

    private CheckHtml() {
    }

    public static String render(CheckReport report, CheckHistory.Trend trend) {
        requireNonNull(report, "null report");
        requireNonNull(trend, "null trend");
        StringBuilder b = new StringBuilder(16_384);
        b.append("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8">
                <title>keel check</title>
                <style>
                body{font-family:system-ui,sans-serif;margin:2em;color:#222}
                table{border-collapse:collapse;width:100%;margin-bottom:1.5em}
                th,td{border-bottom:1px solid #ddd;padding:.35em .6em;text-align:left;vertical-align:top}
                th{background:#f4f4f4}
                .pass{color:#17803d;font-weight:600}.fail{color:#c62828;font-weight:600}
                .not-configured{color:#8a6d00;font-weight:600}.not-available{color:#777;font-weight:600}
                .optional{color:#777;font-size:.85em}
                </style></head><body>
                """);
        b.append("<h1>keel check</h1>\n<p>Target ").append(esc(report.target())).append(", checked at ")
                .append(esc(report.checkedAt().toString())).append(".</p>\n<p>");
        report.summary().forEach((k, v) -> b.append(esc(k)).append(": <b>").append(v).append("</b> &nbsp; "));
        b.append("</p>\n");
        Map<String, List<CheckItem>> byPhase = new LinkedHashMap<>();
        report.items().forEach(i -> byPhase.computeIfAbsent(i.phase(), k -> new java.util.ArrayList<>()).add(i));
        byPhase.forEach((phase, items) -> {
            b.append("<h2>").append(esc(phase)).append("</h2>\n<table><tr><th>status</th><th>item</th><th>evidence</th><th>next</th></tr>\n");
            for (CheckItem i : items) {
                b.append("<tr><td class=\"").append(i.status().label()).append("\">").append(i.status().label()).append("</td><td>")
                        .append(esc(i.item())).append(i.required() ? "" : " <span class=\"optional\">(optional)</span>")
                        .append("</td><td>").append(esc(i.evidence())).append("</td><td>").append(esc(i.next())).append("</td></tr>\n");
            }
            b.append("</table>\n");
        });
        if (!trend.points().isEmpty()) {
            b.append("<h2>trend (").append(esc(trend.direction())).append(")</h2>\n<table><tr><th>checked at</th><th>pass</th>")
                    .append("<th>fail</th><th>not configured</th><th>not available</th></tr>\n");
            for (CheckHistory.Trend.Point p : trend.points()) {
                b.append("<tr><td>").append(esc(p.checkedAt().toString())).append("</td><td>").append(p.pass()).append("</td><td>")
                        .append(p.fail()).append("</td><td>").append(p.notConfigured()).append("</td><td>").append(p.notAvailable())
                        .append("</td></tr>\n");
            }
            b.append("</table>\n");
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    /** The text with {@code < > & " '} escaped for HTML text and attribute values. */
    public static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
