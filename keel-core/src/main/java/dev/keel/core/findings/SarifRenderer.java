package dev.keel.core.findings;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Writer;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes findings as a SARIF 2.1.0 log with one run, so GitHub code scanning and other SARIF viewers can
 * show them.
 *
 * <p>Mapping notes. Keel findings carry no rule catalog, so each distinct rule id becomes one
 * {@code reportingDescriptor} (sorted by id; {@code ruleIndex} points into that array): its name and short
 * description come from the id ("design.no-primary-key" becomes "NoPrimaryKey", "No primary key"), and its
 * full description (which GitHub code scanning requires), help text and default level come from the
 * rule's first, most severe, finding: its message, remedy and level.
 * A finding with a file location gets a {@code physicalLocation} (region only when the line is known);
 * every finding also gets a {@code logicalLocation} naming the database object. Object, remedy and
 * evidence go in the result's property bag. Severity INFO maps to SARIF level "note".
 */
final class SarifRenderer implements FindingsRenderer {

    static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
    static final String VERSION = "2.1.0";
    static final String TOOL_NAME = "keel";

    private final String toolVersion;
    private final String informationUri;

    SarifRenderer(String toolVersion, String informationUri) {
        this.toolVersion = toolVersion;
        this.informationUri = informationUri;
    }

    @Override
    public void render(Findings findings, Writer out) {
        requireNonNull(findings, "null findings");
        requireNonNull(out, "null out");
        Json.write(document(findings), out);
    }

    ObjectNode document(Findings findings) {
        // The first finding of each rule in report order is its most severe one.
        Map<String, Finding> firstByRule = new TreeMap<>();
        for (Finding finding : findings) {
            firstByRule.putIfAbsent(finding.rule(), finding);
        }
        Map<String, Integer> ruleIndex = new LinkedHashMap<>();

        ObjectNode log = Json.NODES.objectNode();
        log.put("$schema", SCHEMA);
        log.put("version", VERSION);
        ObjectNode run = log.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", TOOL_NAME);
        driver.put("version", toolVersion);
        if (informationUri != null) {
            driver.put("informationUri", informationUri);
        }
        ArrayNode rules = driver.putArray("rules");
        for (Finding first : firstByRule.values()) {
            ruleIndex.put(first.rule(), rules.size());
            rules.add(rule(first));
        }

        ArrayNode results = run.putArray("results");
        for (Finding finding : findings) {
            results.add(result(finding, ruleIndex.get(finding.rule())));
        }
        return log;
    }

    private static ObjectNode rule(Finding first) {
        ObjectNode rule = Json.NODES.objectNode();
        rule.put("id", first.rule());
        rule.put("name", friendlyName(first.rule()));
        rule.putObject("shortDescription").put("text", describe(first.rule()));
        rule.putObject("fullDescription").put("text", first.message());
        if (!first.remedy().isBlank()) {
            rule.putObject("help").put("text", first.remedy());
        }
        rule.putObject("defaultConfiguration").put("level", level(first.severity()));
        int dot = first.rule().indexOf('.');
        if (dot > 0) {
            rule.putObject("properties").putArray("tags").add(first.rule().substring(0, dot));
        }
        return rule;
    }

    private static ObjectNode result(Finding finding, int ruleIndex) {
        ObjectNode result = Json.NODES.objectNode();
        result.put("ruleId", finding.rule());
        result.put("ruleIndex", ruleIndex);
        result.put("level", level(finding.severity()));
        result.putObject("message").put("text", finding.message());
        ObjectNode location = result.putArray("locations").addObject();
        if (finding.location() != null) {
            ObjectNode physical = location.putObject("physicalLocation");
            physical.putObject("artifactLocation").put("uri", uri(finding.location().file()));
            if (finding.location().line() > 0) {
                physical.putObject("region").put("startLine", finding.location().line());
            }
        }
        location.putArray("logicalLocations").addObject().put("fullyQualifiedName", finding.object());
        ObjectNode properties = result.putObject("properties");
        properties.put("object", finding.object());
        properties.put("remedy", finding.remedy());
        properties.set("evidence", Json.evidence(finding.evidence()));
        return result;
    }

    static String level(Severity severity) {
        return switch (severity) {
            case ERROR -> "error";
            case WARNING -> "warning";
            case INFO -> "note";
        };
    }

    /** "design.no-primary-key" becomes "No primary key". */
    static String describe(String ruleId) {
        String name = ruleId.substring(ruleId.lastIndexOf('.') + 1).replace('-', ' ').replace('_', ' ').strip();
        if (name.isEmpty()) {
            return ruleId;
        }
        return name.substring(0, 1).toUpperCase(Locale.ROOT) + name.substring(1);
    }

    /** "design.no-primary-key" becomes "NoPrimaryKey". */
    static String friendlyName(String ruleId) {
        StringBuilder name = new StringBuilder();
        for (String word : describe(ruleId).split(" ")) {
            if (!word.isEmpty()) {
                name.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
            }
        }
        return name.toString();
    }

    /**
     * A file path as a SARIF artifact URI: forward slashes, percent-encoded; relative paths stay relative
     * (viewers resolve them against the repository root), absolute paths become file: URIs.
     */
    static String uri(String file) {
        String path = file.replace('\\', '/');
        try {
            if (path.matches("[A-Za-z]:/.*")) {
                return new URI("file", "", "/" + path, null, null).toASCIIString();
            }
            if (path.startsWith("/")) {
                return new URI("file", "", path, null, null).toASCIIString();
            }
            // A colon in the first segment would read as a scheme; "./" keeps the reference relative.
            String firstSegment = path.contains("/") ? path.substring(0, path.indexOf('/')) : path;
            String safe = firstSegment.contains(":") ? "./" + path : path;
            return new URI(null, null, safe, null).toASCIIString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot express file as a URI: " + file, e);
        }
    }
}
