package dev.keel.core.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Objects;

/**
 * The one JSON layout of everything Keel writes (catalog, findings, SARIF, {@code --json} documents):
 * two-space indents, {@code "key": value}, one value per line, "\n" line ends on every platform, a newline
 * after the document. Byte-stable output is what lets two snapshots diff line by line.
 */
public final class StableJson {

    private static final ObjectMapper PLAIN = JsonMapper.builder()
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .build();

    private StableJson() {
    }

    /** The pretty printer of Keel's layout; a new instance, as Jackson's printers are stateful. */
    public static DefaultPrettyPrinter printer() {
        return new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator(""))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
    }

    /** A writer of {@code mapper}'s that uses Keel's layout and never closes the caller's stream. */
    public static ObjectWriter writer(ObjectMapper mapper) {
        return mapper.writer(printer()).without(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    }

    /** Writes {@code value} with a plain mapper (maps keep their order) in Keel's layout. */
    public static void write(Object value, Writer out) {
        write(writer(PLAIN), value, out);
    }

    /** Writes {@code value} followed by a newline and flushes; {@code out} stays open. */
    public static void write(ObjectWriter writer, Object value, Writer out) {
        Objects.requireNonNull(out, "null out");
        try {
            writer.writeValue(out, value);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write JSON", e);
        }
    }
}
