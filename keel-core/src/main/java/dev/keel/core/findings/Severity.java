package dev.keel.core.findings;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How much a finding matters. Constants are declared most severe first, so the natural order sorts the
 * worst findings to the top; {@link #isAtLeast} is the comparison {@code --fail-on} uses.
 */
public enum Severity {
    ERROR,
    WARNING,
    INFO;

    /** The lowercase name used in JSON output and on the command line: "error", "warning", "info". */
    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when this severity is {@code threshold} or more severe (ERROR is at least WARNING). */
    public boolean isAtLeast(Severity threshold) {
        requireNonNull(threshold, "null threshold");
        return ordinal() <= threshold.ordinal();
    }

    /**
     * Parses user text such as {@code --fail-on Warning}, ignoring case and surrounding blanks.
     *
     * @throws IllegalArgumentException naming the valid values when the text is not one of them
     */
    @JsonCreator
    public static Severity parse(String text) {
        requireNonNull(text, "null severity");
        String wanted = text.strip();
        for (Severity severity : values()) {
            if (severity.name().equalsIgnoreCase(wanted)) {
                return severity;
            }
        }
        throw new IllegalArgumentException("Unknown severity '" + text + "'; valid values: "
                + Arrays.stream(values()).map(Severity::label).collect(Collectors.joining(", ")));
    }
}
