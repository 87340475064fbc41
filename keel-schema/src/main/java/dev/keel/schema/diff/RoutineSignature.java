package dev.keel.schema.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Argument types from {@code pg_get_function_identity_arguments}, which also writes argument modes and
 * names ({@code a integer, "B" text, VARIADIC c integer[]}). PostgreSQL tells overloads apart by type
 * alone, so the diff keys routines by {@code integer, text, VARIADIC integer[]}.
 *
 * <p>An argument is {@code [mode ][name ]type}. Modes are upper-case keywords; a name is one identifier,
 * quoted when it needs to be. The type is what {@code format_type} writes: built-in types unqualified
 * (some of them several words: {@code double precision}, {@code timestamp with time zone}), other types
 * schema-qualified. So an argument has a name exactly when it holds a space outside double quotes and is
 * not one of the multi-word built-in types.
 */
final class RoutineSignature {

    private static final Set<String> MODES = Set.of("IN", "OUT", "INOUT", "VARIADIC");
    private static final Set<String> MULTI_WORD_TYPES = Set.of("bit varying", "character varying",
            "double precision", "time without time zone", "time with time zone", "timestamp without time zone",
            "timestamp with time zone");

    private RoutineSignature() {
    }

    /** The arguments without their names, joined by {@code ", "}; {@code IN} modes dropped. */
    static String types(String identityArguments) {
        List<String> out = new ArrayList<>();
        for (String argument : split(identityArguments)) {
            String rest = argument.strip();
            String mode = "";
            int space = topLevelSpace(rest);
            if (space > 0 && MODES.contains(rest.substring(0, space))) {
                mode = rest.substring(0, space).equals("IN") ? "" : rest.substring(0, space) + " ";
                rest = rest.substring(space + 1);
            }
            space = topLevelSpace(rest);
            if (space > 0 && !MULTI_WORD_TYPES.contains(withoutArray(rest))) {
                rest = rest.substring(space + 1);
            }
            out.add(mode + rest);
        }
        return String.join(", ", out);
    }

    private static String withoutArray(String type) {
        String t = type;
        while (t.endsWith("[]")) {
            t = t.substring(0, t.length() - 2);
        }
        return t;
    }

    /** Splits on commas outside double quotes and parentheses. */
    private static List<String> split(String arguments) {
        List<String> out = new ArrayList<>();
        if (arguments == null || arguments.isBlank()) {
            return out;
        }
        boolean quoted = false;
        int depth = 0;
        int start = 0;
        for (int i = 0; i < arguments.length(); i++) {
            char ch = arguments.charAt(i);
            if (ch == '"') {
                quoted = !quoted;
            } else if (!quoted && ch == '(') {
                depth++;
            } else if (!quoted && ch == ')') {
                depth--;
            } else if (!quoted && depth == 0 && ch == ',') {
                out.add(arguments.substring(start, i));
                start = i + 1;
            }
        }
        out.add(arguments.substring(start));
        return out;
    }

    private static int topLevelSpace(String s) {
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ' ' && !quoted) {
                return i;
            }
        }
        return -1;
    }
}
