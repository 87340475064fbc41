package dev.keel.core.catalog;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.keel.core.json.StableJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Writes a {@link Catalog} as stable JSON and reads it back. Keys are camelCase and sorted alphabetically,
 * lists are in the catalog's canonical order, every value is on a line of its own with two-space indents
 * and "\n" line ends, nulls and empty lists are left out: two snapshots of a database diff line by line,
 * and reading a document gives back an equal catalog. {@code counts} is written at the top level for
 * readers of the file and ignored on reading (it is derived from the lists).
 */
public final class CatalogJson {

    @JsonIgnoreProperties(value = "counts", allowGetters = true)
    private abstract static class CatalogMixin {
        @JsonProperty("counts")
        abstract CatalogCounts counts();
    }

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .disable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST) // counts (derived) sorts with the rest
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            // Newer Keel versions may add keys; an older one still reads the rest.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .withConfigOverride(List.class, o -> o.setInclude(
                    JsonInclude.Value.construct(JsonInclude.Include.NON_EMPTY, JsonInclude.Include.ALWAYS)))
            .addMixIn(Catalog.class, CatalogMixin.class)
            .build();

    private static final ObjectWriter WRITER = StableJson.writer(MAPPER);

    private CatalogJson() {
    }

    /** Writes {@code catalog} followed by a newline and flushes; {@code out} stays open. */
    public static void write(Catalog catalog, Writer out) {
        Objects.requireNonNull(catalog, "null catalog");
        Objects.requireNonNull(out, "null out");
        StableJson.write(WRITER, catalog, out);
    }

    /** Writes {@code catalog} as UTF-8 followed by a newline and flushes; {@code out} stays open. */
    public static void write(Catalog catalog, OutputStream out) {
        Objects.requireNonNull(out, "null out");
        write(catalog, new OutputStreamWriter(out, StandardCharsets.UTF_8));
    }

    /** The JSON document, ending with a newline. */
    public static String toJson(Catalog catalog) {
        StringWriter out = new StringWriter();
        write(catalog, out);
        return out.toString();
    }

    /**
     * Reads a catalog written by {@link #write}; keys it does not know are ignored.
     *
     * @throws CatalogException (exit 2) when the input is not a catalog document
     */
    public static Catalog read(InputStream in) {
        Objects.requireNonNull(in, "null in");
        try {
            return MAPPER.readValue(in, Catalog.class);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** Reads a catalog written by {@link #write}; see {@link #read(InputStream)}. */
    public static Catalog read(Reader in) {
        Objects.requireNonNull(in, "null in");
        try {
            return MAPPER.readValue(in, Catalog.class);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** Reads a catalog from its JSON text; see {@link #read(InputStream)}. */
    public static Catalog fromJson(String json) {
        Objects.requireNonNull(json, "null json");
        try {
            return MAPPER.readValue(json, Catalog.class);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    private static CatalogException unreadable(IOException e) {
        String where = "";
        if (e instanceof JsonProcessingException j && j.getLocation() != null) {
            where = " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
        }
        String reason = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return new CatalogException("not a catalog JSON document" + where + ": " + reason,
                "use a file written by keel inspect --json", dev.keel.core.KeelException.USAGE, e);
    }
}
