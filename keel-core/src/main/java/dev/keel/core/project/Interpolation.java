package dev.keel.core.project;

import dev.keel.core.ConfigException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in keel.yaml values with environment variables, so
 * secrets stay out of the file. {@code $${} writes a literal {@code ${}. A variable that is not set and has
 * no default is an error naming the key.
 */
final class Interpolation {

    private static final Pattern VAR = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private Interpolation() {
    }

    static String apply(String value, Map<String, String> env, String where) {
        if (value == null || !value.contains("${")) {
            return value;
        }
        Matcher m = VAR.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$${")) {
                replacement = "${";
            } else {
                String name = m.group(1);
                String fallback = m.group(2);
                String v = env.get(name);
                if (v == null || (v.isEmpty() && fallback != null)) {
                    if (fallback == null) {
                        throw new ConfigException(where + " refers to ${" + name + "}, which is not set",
                                "export " + name + "=... or write ${" + name + ":-default}");
                    }
                    v = fallback;
                }
                replacement = v;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
