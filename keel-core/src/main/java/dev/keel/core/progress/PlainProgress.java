package dev.keel.core.progress;

/**
 * Progress for CI logs and pipes: a line when the task starts, one at most every interval (5 s by default)
 * while it runs, and a final line. Every line is complete, so logs read well and grep well.
 */
final class PlainProgress extends TrackedProgress {

    PlainProgress(String task, long total, Unit unit, ProgressOutput out) {
        super(task, total, unit, out, out.plainIntervalNanos());
    }

    @Override
    String begin(Snapshot now) {
        return task + ": started" + (total >= 0 ? ", " + unit.formatWithNoun(total) : "") + "\n";
    }

    @Override
    String update(Snapshot now) {
        StringBuilder line = new StringBuilder(task).append(": ").append(amounts(now));
        if (total >= 0) {
            line.append(" (").append(now.percent()).append("%)");
        }
        line.append(", ").append(unit.formatRate(now.perSecond()));
        if (now.etaNanos() >= 0) {
            line.append(", ETA ").append(formatDuration(now.etaNanos()));
        }
        if (!now.status().isEmpty()) {
            line.append(" - ").append(now.status());
        }
        return line.append('\n').toString();
    }

    @Override
    String finish(Snapshot now) {
        return finalLine(now) + "\n";
    }
}
