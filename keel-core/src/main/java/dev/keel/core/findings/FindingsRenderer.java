package dev.keel.core.findings;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;

/**
 * Shows a {@link Findings} report in one output format: a terminal table, the {@code --json} document, or
 * SARIF 2.1.0 for code scanning. Commands pick one and hand it the report; none formats findings itself.
 */
public interface FindingsRenderer {

    /**
     * Writes the whole report to {@code out} and flushes it; does not close it.
     *
     * @throws UncheckedIOException when {@code out} fails
     */
    void render(Findings findings, Writer out);

    /** Writes the whole report to a stream such as {@code System.out}, in the stream's own encoding. */
    default void render(Findings findings, PrintStream out) {
        requireNonNull(out, "null out");
        out.print(renderToString(findings));
        out.flush();
    }

    default String renderToString(Findings findings) {
        StringWriter text = new StringWriter();
        render(findings, text);
        return text.toString();
    }

    /**
     * The human format: one row per finding (severity, rule, object, message) with the remedy on an
     * indented line below it, and a closing summary line.
     *
     * @param colour ANSI colour on; callers pass true only when stdout is a terminal and NO_COLOR is unset
     * @param width  the terminal width to wrap messages to (at least 40)
     */
    static FindingsRenderer text(boolean colour, int width) {
        if (width < 40) {
            throw new IllegalArgumentException("width must be at least 40, was " + width);
        }
        return new TextRenderer(colour, width);
    }

    /**
     * The {@code --json} format: {@code {"findings": [...], "summary": {"error": n, "warning": n, "info": n}}}
     * with keys in a fixed order.
     */
    static FindingsRenderer json() {
        return JsonRenderer.INSTANCE;
    }

    /**
     * SARIF 2.1.0, one run, for GitHub code scanning and other SARIF viewers.
     *
     * @param toolVersion    Keel's version, reported as tool.driver.version
     * @param informationUri where users learn about Keel, reported as tool.driver.informationUri; null leaves
     *                       the optional property out
     */
    static FindingsRenderer sarif(String toolVersion, String informationUri) {
        requireNonNull(toolVersion, "null toolVersion");
        if (toolVersion.isBlank()) {
            throw new IllegalArgumentException("blank toolVersion");
        }
        if (informationUri != null && !URI.create(informationUri).isAbsolute()) {
            throw new IllegalArgumentException("informationUri must be an absolute URI, was " + informationUri);
        }
        return new SarifRenderer(toolVersion, informationUri);
    }
}
