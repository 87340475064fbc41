package dev.keel.schema.diff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Routine identity: argument types without names, whatever the names and types look like. */
class RoutineSignatureTest {

    @Test
    void types_dropsNamesAndTheInModeButKeepsOtherModes() {
        assertThat(RoutineSignature.types("a integer, \"B\" text, VARIADIC c integer[]"))
                .isEqualTo("integer, text, VARIADIC integer[]");
        assertThat(RoutineSignature.types("INOUT x integer, OUT y integer")).isEqualTo("INOUT integer, OUT integer");
        assertThat(RoutineSignature.types("IN p_id bigint")).isEqualTo("bigint");
    }

    @Test
    void types_keepsMultiWordTypesWithAndWithoutNames() {
        assertThat(RoutineSignature.types("double precision, at timestamp with time zone[]"))
                .isEqualTo("double precision, timestamp with time zone[]");
        assertThat(RoutineSignature.types("\"my arg\" \"My Schema\".\"My Type\", character varying"))
                .isEqualTo("\"My Schema\".\"My Type\", character varying");
    }

    @Test
    void types_noArguments_isEmpty() {
        assertThat(RoutineSignature.types("")).isEmpty();
    }

    record Argument(String mode, String name, String type) {
        String full() {
            return (mode.isEmpty() ? "" : mode + " ") + (name.isEmpty() ? "" : name + " ") + type;
        }

        String unnamed() {
            return (mode.isEmpty() || mode.equals("IN") ? "" : mode + " ") + type;
        }
    }

    @Property
    void types_equalsTheArgumentsWrittenWithoutNames(@ForAll("arguments") List<Argument> arguments) {
        String written = arguments.stream().map(Argument::full).collect(Collectors.joining(", "));
        String expected = arguments.stream().map(Argument::unnamed).collect(Collectors.joining(", "));

        assertThat(RoutineSignature.types(written)).isEqualTo(expected);
    }

    @Provide
    Arbitrary<List<Argument>> arguments() {
        Arbitrary<String> modes = Arbitraries.of("", "IN", "OUT", "INOUT", "VARIADIC");
        Arbitrary<String> plainNames = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8)
                .map(SqlText::ident);
        Arbitrary<String> quotedNames = Arbitraries.strings().withChars("Ab c,()\"x").ofMinLength(1).ofMaxLength(6)
                .map(s -> "\"" + s.replace("\"", "\"\"") + "\"");
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.just(""), plainNames, quotedNames);
        Arbitrary<String> baseTypes = Arbitraries.of("integer", "text", "bigint", "double precision",
                "character varying", "timestamp with time zone", "time without time zone", "bit varying", "\"char\"",
                "shop.order_status", "\"My Schema\".\"Odd, Type\"", "numeric", "anyelement");
        Arbitrary<String> types = Combinators.combine(baseTypes, Arbitraries.integers().between(0, 2))
                .as((t, dims) -> t + "[]".repeat(dims));
        return Combinators.combine(modes, names, types).as(Argument::new).list().ofMaxSize(5);
    }
}
