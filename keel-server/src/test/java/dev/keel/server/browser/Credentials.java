package dev.keel.server.browser;

import static java.util.Objects.requireNonNull;

/**
 * How a page load authenticates: an extra header sent with every request of the page (the document, its scripts
 * and its fetches), a cookie set for the page's origin before it loads, or nothing.
 */
public sealed interface Credentials {

    /** {@code Authorization: Bearer <token>} on every request. */
    static Credentials bearer(String token) {
        return new Header("Authorization", "Bearer " + requireNonNull(token, "null token"));
    }

    static Credentials header(String name, String value) {
        return new Header(name, value);
    }

    static Credentials cookie(String name, String value) {
        return new Cookie(name, value);
    }

    static Credentials none() {
        return None.INSTANCE;
    }

    record Header(String name, String value) implements Credentials {
        public Header {
            requireNonNull(name, "null name");
            requireNonNull(value, "null value");
        }

        /** The value is a secret: only its name is shown. */
        @Override
        public String toString() {
            return "header " + name;
        }
    }

    record Cookie(String name, String value) implements Credentials {
        public Cookie {
            requireNonNull(name, "null name");
            requireNonNull(value, "null value");
        }

        /** The value is a secret: only its name is shown. */
        @Override
        public String toString() {
            return "cookie " + name;
        }
    }

    enum None implements Credentials {
        INSTANCE;

        @Override
        public String toString() {
            return "no credentials";
        }
    }
}
