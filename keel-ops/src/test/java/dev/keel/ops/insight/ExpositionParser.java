package dev.keel.ops.insight;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A strict reader of the Prometheus text format 0.0.4 for tests: every sample must belong to a # TYPE'd family. */
final class ExpositionParser {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    final Map<String, String> types = new HashMap<>();
    final List<Sample> samples = new ArrayList<>();

    static ExpositionParser parse(String text) {
        ExpositionParser p = new ExpositionParser();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                if (parts.length != 4 || !List.of("gauge", "counter", "untyped", "summary", "histogram").contains(parts[3])) {
                    throw new IllegalArgumentException("bad TYPE line: " + line);
                }
                if (p.types.put(parts[2], parts[3]) != null) {
                    throw new IllegalArgumentException("family typed twice: " + parts[2]);
                }
            } else if (line.startsWith("# HELP ")) {
                continue;
            } else if (line.isEmpty() || line.startsWith("#")) {
                throw new IllegalArgumentException("unexpected line: " + line);
            } else {
                p.samples.add(p.sample(line));
            }
        }
        return p;
    }

    private Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!types.containsKey(name)) {
            throw new IllegalArgumentException("sample of an untyped family: " + line);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq);
                if (!key.matches("[a-zA-Z_][a-zA-Z0-9_]*") || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("bad label in: " + line);
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char ch = line.charAt(j);
                    if (ch == '\\') {
                        char next = line.charAt(++j);
                        v.append(switch (next) {
                            case '\\' -> '\\';
                            case '"' -> '"';
                            case 'n' -> '\n';
                            default -> throw new IllegalArgumentException("bad escape in: " + line);
                        });
                    } else {
                        v.append(ch);
                    }
                    j++;
                }
                labels.put(key, v.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        if (line.charAt(i) != ' ') {
            throw new IllegalArgumentException("no value in: " + line);
        }
        String value = line.substring(i + 1);
        double d = switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(value);
        };
        return new Sample(name, labels, d);
    }

    List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }
}
