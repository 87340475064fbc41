package dev.keel.core.connect;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of output and logs. Every password Keel reads is registered here, and every message
 * that leaves Keel (errors, logs, effective settings) goes through {@link #mask(String)}, which hides the
 * registered values and anything shaped like a password inside a URL or a key=value string.
 */
public final class Secrets {

    public static final String MASK = "********";

    private static final Set<String> KNOWN = ConcurrentHashMap.newKeySet();
    // scheme://user:password@host  — the password is everything between the first ':' after '//' and the last '@'
    private static final Pattern URL_PASSWORD = Pattern.compile("(://[^:/?#@\\s]*:)([^\\s]*)(@)");
    private static final Pattern KEY_VALUE = Pattern.compile("(?i)(password|passwd|pwd|secret|token)(\\s*[=:]\\s*)('[^']*'|\"[^\"]*\"|[^\\s&;,]+)");

    private Secrets() {
    }

    /** Remembers a secret so that it is masked wherever it later appears. Short values are ignored. */
    public static void register(String secret) {
        if (secret != null && secret.length() >= 4) {
            KNOWN.add(secret);
        }
    }

    /** The text with every known secret and every URL or key=value password replaced by a mask. */
    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = text;
        for (String secret : KNOWN) {
            masked = masked.replace(secret, MASK);
        }
        masked = maskUrlPasswords(masked);
        return KEY_VALUE.matcher(masked).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                m.group(1) + m.group(2) + MASK));
    }

    private static String maskUrlPasswords(String text) {
        // Greedy up to the last '@' of the token, so a password that itself holds an unencoded '@' is hidden whole.
        return URL_PASSWORD.matcher(text).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                m.group(1) + MASK + m.group(3)));
    }
}
