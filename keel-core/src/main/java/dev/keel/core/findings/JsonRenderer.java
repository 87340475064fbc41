package dev.keel.core.findings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Writer;

/**
 * Writes the {@code --json} document; key order is fixed here, not left to a serializer. A finding's file
 * and line, and the evidence keys every statement-level check shares ({@link #PROMOTED}: statement,
 * lockMode, rewrite, scan), are written as top-level fields, so migration lint reads
 * {@code {"rule", "severity", "file", "line", "statement", "object", "lockMode", "rewrite", "scan", "evidence",
 * "message", "remedy"}}; the rest of the evidence stays under {@code evidence}.
 */
final class JsonRenderer implements FindingsRenderer {

    static final JsonRenderer INSTANCE = new JsonRenderer();

    /** Evidence keys written as top-level fields of a finding. */
    static final List<String> PROMOTED = List.of("statement", "lockMode", "rewrite", "scan");

    private JsonRenderer() {
    }

    @Override
    public void render(Findings findings, Writer out) {
        requireNonNull(findings, "null findings");
        requireNonNull(out, "null out");
        Json.write(document(findings), out);
    }

    static ObjectNode document(Findings findings) {
        ObjectNode document = Json.NODES.objectNode();
        ArrayNode list = document.putArray("findings");
        for (Finding finding : findings) {
            ObjectNode node = list.addObject();
            node.put("rule", finding.rule());
            node.put("severity", finding.severity().label());
            if (finding.location() != null) {
                node.put("file", finding.location().file());
                node.put("line", finding.location().line());
            }
            Map<String, Object> rest = new LinkedHashMap<>(finding.evidence());
            if (rest.containsKey("statement")) {
                node.set("statement", Json.value(rest.remove("statement")));
            }
            node.put("object", finding.object());
            for (String key : PROMOTED) {
                if (!key.equals("statement") && rest.containsKey(key)) {
                    node.set(key, Json.value(rest.remove(key)));
                }
            }
            node.set("evidence", Json.evidence(rest));
            node.put("message", finding.message());
            node.put("remedy", finding.remedy());
        }
        ObjectNode summary = document.putObject("summary");
        for (Severity severity : Severity.values()) {
            summary.put(severity.label(), findings.count(severity));
        }
        return document;
    }
}
