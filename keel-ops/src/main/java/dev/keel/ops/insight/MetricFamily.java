package dev.keel.ops.insight;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One metric family of the Prometheus exposition: name, help, type and its samples. */
public record MetricFamily(String name, String help, Type type, List<Sample> samples) {

    /** The Prometheus metric types Keel emits. */
    public enum Type { GAUGE, COUNTER;
        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One sample: label names to values, in order, and the value. */
    public record Sample(Map<String, String> labels, double value) {
        public Sample {
            labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        }
    }

    public MetricFamily {
        requireNonNull(name, "null name");
        requireNonNull(help, "null help");
        requireNonNull(type, "null type");
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("not a Prometheus metric name: " + name);
        }
        samples = List.copyOf(samples);
    }

    static MetricFamily single(String name, String help, Type type, double value) {
        return new MetricFamily(name, help, type, List.of(new Sample(Map.of(), value)));
    }

    /** Collects samples for a family under construction. */
    static final class Builder {
        private final String name;
        private final String help;
        private final Type type;
        private final List<Sample> samples = new ArrayList<>();

        Builder(String name, String help, Type type) {
            this.name = name;
            this.help = help;
            this.type = type;
        }

        Builder add(double value, String... labelPairs) {
            Map<String, String> labels = new LinkedHashMap<>();
            for (int i = 0; i < labelPairs.length; i += 2) {
                labels.put(labelPairs[i], labelPairs[i + 1] == null ? "" : labelPairs[i + 1]);
            }
            samples.add(new Sample(labels, value));
            return this;
        }

        MetricFamily build() {
            return new MetricFamily(name, help, type, samples);
        }
    }
}
