package dev.keel.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/** Property tests: any names, comments and definitions survive a JSON round trip unchanged. */
class CatalogJsonPropertyTest {

    @Property(tries = 200)
    void roundTrip_anyText_givesEqualCatalogAndIdenticalJson(
            @ForAll("text") String name, @ForAll("text") String comment,
            @ForAll @Size(max = 5) List<@StringLength(max = 20) String> labels,
            @ForAll long start, @ForAll boolean flag) {
        Catalog catalog = new Catalog(name, comment, 150000,
                List.of(new Schema(name, name, comment, List.of(new Grant(name, "o", List.of("USAGE"), flag)))),
                List.of(new Table(name, comment, "o", flag, null, null, null, List.of(), flag, List.of(comment),
                        null, flag, false, comment,
                        List.of(new Column(1, name, "text", flag, comment, null, null, comment, comment, List.of())),
                        List.of(), List.of(), List.of(), List.of(), null)),
                List.of(), List.of(new Sequence(name, name, "o", "bigint", start, -start, Long.MIN_VALUE,
                        Long.MAX_VALUE, flag, 1, null, false, comment, List.of())),
                List.of(), List.of(), List.of(), List.of(new EnumType(name, name, "o", labels, comment, List.of())),
                List.of(), List.of(), List.of(), List.of(), List.of());

        String json = CatalogJson.toJson(catalog);
        Catalog back = CatalogJson.fromJson(json);

        assertThat(back).isEqualTo(catalog);
        assertThat(CatalogJson.toJson(back)).isEqualTo(json);
    }

    @Provide
    Arbitrary<String> text() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMinLength(1).ofMaxLength(40),
                Arbitraries.of("\"quoted\"", "back\\slash", "line\nbreak", "tab\tand\u0000nul", "emoji \uD83D\uDE00",
                        "bıgınt", "null", "[]", "{\"a\":1}"));
    }
}
