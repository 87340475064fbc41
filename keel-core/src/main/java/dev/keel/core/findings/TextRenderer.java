package dev.keel.core.findings;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * The terminal table: a row of severity, rule and object per finding, the message below it wrapped to the
 * width, its evidence (all but the statement text, which the file and line point at), the remedy on its
 * own line after that, and a summary line. Remedies are not wrapped, so SQL can be
 * copied as written.
 */
final class TextRenderer implements FindingsRenderer {

    private static final String RESET = "\u001b[0m";
    private static final String BOLD = "\u001b[1m";
    private static final String RED = "\u001b[1;31m";
    private static final String YELLOW = "\u001b[33m";
    private static final String CYAN = "\u001b[36m";
    private static final String GAP = "  ";
    private static final String FIX = "fix: ";
    private static final String EVIDENCE = "evidence: ";
    private static final String DIM = "\u001b[2m";
    private static final int MIN_MESSAGE_WIDTH = 30;

    private final boolean colour;
    private final int width;

    TextRenderer(boolean colour, int width) {
        this.colour = colour;
        this.width = width;
    }

    @Override
    public void render(Findings findings, Writer out) {
        requireNonNull(findings, "null findings");
        requireNonNull(out, "null out");
        try {
            out.write(format(findings));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write findings", e);
        }
    }

    private String format(Findings findings) {
        if (findings.isEmpty()) {
            return "No findings.\n";
        }
        int severityWidth = "SEVERITY".length();
        int ruleWidth = "RULE".length();
        for (Finding finding : findings) {
            severityWidth = Math.max(severityWidth, finding.severity().label().length());
            ruleWidth = Math.max(ruleWidth, finding.rule().length());
        }
        String indent = " ".repeat(severityWidth + GAP.length());
        int messageWidth = Math.max(width - indent.length(), MIN_MESSAGE_WIDTH);

        StringBuilder text = new StringBuilder();
        String header = pad("SEVERITY", severityWidth) + GAP + pad("RULE", ruleWidth) + GAP + "OBJECT";
        line(text, style(BOLD, header));
        for (Finding finding : findings) {
            String label = finding.severity().label();
            line(text, style(colourOf(finding.severity()), label) + " ".repeat(severityWidth - label.length())
                    + GAP + pad(finding.rule(), ruleWidth) + GAP + finding.object() + where(finding));
            for (String part : wrap(finding.message(), messageWidth)) {
                line(text, indent + part);
            }
            if (!finding.evidence().isEmpty()) {
                List<String> facts = new ArrayList<>();
                finding.evidence().forEach((key, value) -> {
                    if (!key.equals("statement")) {
                        facts.add(key + "=" + value);
                    }
                });
                if (!facts.isEmpty()) {
                    for (String part : wrap(EVIDENCE + String.join(", ", facts), messageWidth)) {
                        line(text, indent + style(DIM, part));
                    }
                }
            }
            if (!finding.remedy().isBlank()) {
                String[] remedy = finding.remedy().strip().split("\\R");
                line(text, indent + FIX + remedy[0]);
                for (int i = 1; i < remedy.length; i++) {
                    line(text, indent + " ".repeat(FIX.length()) + remedy[i]);
                }
            }
        }
        text.append('\n');
        line(text, summary(findings));
        return text.toString();
    }

    /** "  (V7__x.sql:3)" when the finding points into a file, else nothing. */
    private static String where(Finding finding) {
        Finding.Location at = finding.location();
        if (at == null) {
            return "";
        }
        return "  (" + at.file() + (at.line() > 0 ? ":" + at.line() : "") + ")";
    }

    /** "3 findings: 1 error, 2 warnings"; severities with no findings are left out. */
    private String summary(Findings findings) {
        StringBuilder summary = new StringBuilder()
                .append(findings.size()).append(findings.size() == 1 ? " finding: " : " findings: ");
        String separator = "";
        for (Severity severity : Severity.values()) {
            int count = findings.count(severity);
            if (count > 0) {
                String noun = severity == Severity.INFO || count == 1 ? severity.label() : severity.label() + "s";
                summary.append(separator).append(style(colourOf(severity), count + " " + noun));
                separator = ", ";
            }
        }
        return summary.toString();
    }

    private static String colourOf(Severity severity) {
        return switch (severity) {
            case ERROR -> RED;
            case WARNING -> YELLOW;
            case INFO -> CYAN;
        };
    }

    private String style(String code, String text) {
        return colour ? code + text + RESET : text;
    }

    private static void line(StringBuilder text, String line) {
        text.append(line.stripTrailing()).append('\n');
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }

    /** Greedy word wrap; keeps the message's own line breaks and splits words longer than the width. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        for (String paragraph : text.strip().split("\\R", -1)) {
            StringBuilder current = new StringBuilder();
            for (String word : paragraph.strip().split("\\s+")) {
                while (word.length() > width) {
                    if (current.length() > 0) {
                        lines.add(current.toString());
                        current.setLength(0);
                    }
                    lines.add(word.substring(0, width));
                    word = word.substring(width);
                }
                if (current.length() > 0 && current.length() + 1 + word.length() > width) {
                    lines.add(current.toString());
                    current.setLength(0);
                }
                if (!word.isEmpty()) {
                    current.append(current.length() > 0 ? " " : "").append(word);
                }
            }
            if (current.length() > 0 || lines.isEmpty()) {
                lines.add(current.toString());
            }
        }
        return lines;
    }
}
