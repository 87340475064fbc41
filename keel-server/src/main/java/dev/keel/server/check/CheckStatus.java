package dev.keel.server.check;

import java.util.Locale;

/** The outcome of one checklist item. */
public enum CheckStatus {
    /** The evidence shows the item is done. */
    PASS("✓"),
    /** The evidence shows the item is not done (or could not be gathered). */
    FAIL("✗"),
    /** keel.yaml does not say what the item needs (an objective, an interval, a list). */
    NOT_CONFIGURED("-"),
    /** The capability the item needs is not in this version of Keel: never a pass. */
    NOT_AVAILABLE("·");

    private final String symbol;

    CheckStatus(String symbol) {
        this.symbol = symbol;
    }

    /** "pass", "fail", "not-configured", "not-available": JSON and the history file. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** One character for the terminal table. */
    public String symbol() {
        return symbol;
    }

    /** The status of a label; IllegalArgumentException for anything else. */
    public static CheckStatus parse(String label) {
        for (CheckStatus s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("'" + label + "' is not pass, fail, not-configured or not-available");
    }
}
