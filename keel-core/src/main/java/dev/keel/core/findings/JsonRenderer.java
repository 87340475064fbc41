package dev.keel.core.findings;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Writer;

/** Writes the {@code --json} document; key order is fixed here, not left to a serializer. */
final class JsonRenderer implements FindingsRenderer {

    static final JsonRenderer INSTANCE = new JsonRenderer();

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
            node.put("object", finding.object());
            node.put("message", finding.message());
            node.put("remedy", finding.remedy());
            node.set("evidence", Json.evidence(finding.evidence()));
            if (finding.location() != null) {
                ObjectNode location = node.putObject("location");
                location.put("file", finding.location().file());
                location.put("line", finding.location().line());
            }
        }
        ObjectNode summary = document.putObject("summary");
        for (Severity severity : Severity.values()) {
            summary.put(severity.label(), findings.count(severity));
        }
        return document;
    }
}
