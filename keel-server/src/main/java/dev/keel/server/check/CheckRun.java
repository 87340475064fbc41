package dev.keel.server.check;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One evaluation of the checklist with the trend over the stored runs: what {@code keel check}, the server's
 * {@code /api/check} and its check job all do. Recording appends the run to the project's history; a look
 * without recording (a GET) leaves the history as it was.
 *
 * @param report the evaluated items
 * @param trend  the failing items over the stored runs in {@code check.window}, this one included
 */
public record CheckRun(CheckReport report, CheckHistory.Trend trend) {

    public CheckRun {
        requireNonNull(report, "null report");
        requireNonNull(trend, "null trend");
    }

    /** Evaluates the checklist; with {@code record} the run joins the history. Unreadable history lines go to {@code problems}. */
    public static CheckRun evaluate(CheckContext ctx, boolean record, Consumer<String> problems) {
        requireNonNull(ctx, "null ctx");
        requireNonNull(problems, "null problems");
        CheckReport report = Checklist.evaluate(ctx);
        var historyFile = CheckHistory.file(ctx.project().keelDir());
        CheckHistory.History history = CheckHistory.read(historyFile);
        history.problems().forEach(problems);
        CheckHistory.Run run = CheckHistory.Run.of(report);
        if (record) {
            CheckHistory.append(historyFile, run);
        }
        Instant since = report.checkedAt().minus(ctx.project().config().check().windowDuration());
        List<CheckHistory.Run> runs = new ArrayList<>(history.since(since));
        runs.add(run);
        return new CheckRun(report, CheckHistory.Trend.of(runs));
    }

    /** The {@code keel check --json} document: target, checkedAt, items, summary, trend. */
    public Map<String, Object> document() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", report.target());
        m.put("checkedAt", report.checkedAt().toString());
        m.put("items", report.items().stream().map(CheckItem::toMap).toList());
        m.put("summary", report.summary());
        m.put("trend", trend.toMap());
        return m;
    }
}
