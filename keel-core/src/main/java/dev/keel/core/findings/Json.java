package dev.keel.core.findings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.core.json.StableJson;
import java.io.Writer;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON plumbing the JSON and SARIF renderers share: documents are built as trees in a fixed key order
 * and written with two-space indents and "\n" line ends on every platform, so output is byte-stable.
 */
final class Json {

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final ObjectWriter WRITER = StableJson.writer(JsonMapper.builder().build());

    private Json() {
    }

    /** Writes one document followed by a newline, and flushes. */
    static void write(JsonNode document, Writer out) {
        StableJson.write(WRITER, document, out);
    }

    static ObjectNode evidence(Map<String, Object> evidence) {
        ObjectNode node = NODES.objectNode();
        evidence.forEach((key, value) -> node.set(key, value(value)));
        return node;
    }

    /**
     * Evidence values as JSON: numbers, booleans, strings, maps, collections and arrays as themselves;
     * anything else (Duration, Instant, enums, ...) by its {@code toString()}, so evidence never needs
     * a Jackson module and never fails to render.
     */
    static JsonNode value(Object value) {
        if (value == null) {
            return NODES.nullNode();
        } else if (value instanceof CharSequence text) {
            return NODES.textNode(text.toString());
        } else if (value instanceof Boolean bool) {
            return NODES.booleanNode(bool);
        } else if (value instanceof Integer || value instanceof Long
                || value instanceof Short || value instanceof Byte) {
            return NODES.numberNode(((Number) value).longValue());
        } else if (value instanceof BigInteger big) {
            return NODES.numberNode(big);
        } else if (value instanceof BigDecimal big) {
            return NODES.numberNode(big);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            return Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(Double.toString(d));
        } else if (value instanceof Severity severity) {
            return NODES.textNode(severity.label());
        } else if (value instanceof Optional<?> optional) {
            return value(optional.orElse(null));
        } else if (value instanceof Map<?, ?> map) {
            ObjectNode node = NODES.objectNode();
            map.forEach((k, v) -> node.set(String.valueOf(k), value(v)));
            return node;
        } else if (value instanceof Iterable<?> items) {
            ArrayNode node = NODES.arrayNode();
            items.forEach(item -> node.add(value(item)));
            return node;
        } else if (value.getClass().isArray()) {
            ArrayNode node = NODES.arrayNode();
            for (int i = 0, n = Array.getLength(value); i < n; i++) {
                node.add(value(Array.get(value, i)));
            }
            return node;
        }
        return NODES.textNode(value.toString());
    }
}
