package dev.keel.ops.insight;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Writes metric families in the Prometheus text exposition format 0.0.4: a {@code # HELP} and a
 * {@code # TYPE} line per family, then one line per sample, label values escaped (backslash, double quote,
 * newline) and help text escaped (backslash, newline).
 */
public final class MetricsExposition {

    /** The Content-Type a /metrics endpoint serves this with. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private MetricsExposition() {
    }

    public static String text(List<MetricFamily> families) {
        StringBuilder sb = new StringBuilder();
        write(families, sb);
        return sb.toString();
    }

    public static void write(List<MetricFamily> families, Appendable out) {
        try {
            for (MetricFamily f : families) {
                out.append("# HELP ").append(f.name()).append(' ').append(escapeHelp(f.help())).append('\n');
                out.append("# TYPE ").append(f.name()).append(' ').append(f.type().label()).append('\n');
                for (MetricFamily.Sample s : f.samples()) {
                    out.append(f.name());
                    if (!s.labels().isEmpty()) {
                        out.append('{');
                        boolean first = true;
                        for (Map.Entry<String, String> l : s.labels().entrySet()) {
                            if (!first) {
                                out.append(',');
                            }
                            first = false;
                            out.append(l.getKey()).append("=\"").append(escapeLabel(l.getValue())).append('"');
                        }
                        out.append('}');
                    }
                    out.append(' ').append(value(s.value())).append('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String escapeLabel(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String escapeHelp(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }

    static String value(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
