package dev.keel.schema.diff;

import static dev.keel.schema.diff.ApplyOrder.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.schema.diff.ApplyOrder.Phase;
import dev.keel.schema.diff.ApplyOrder.Stage;
import dev.keel.schema.diff.ApplyOrder.Step;
import dev.keel.schema.diff.Difference.Change;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Finding names in DDL and ordering steps by them. */
class ApplyOrderTest {

    @Test
    void mentions_findsQualifiedNamesQuotedOrNotAndInsideStrings() {
        Set<String> found = ApplyOrder.mentions(
                "select nextval('shop.seq'::regclass) from \"Shop\".\"Orders\" o join SHOP.Lines l on l.x = o.x");

        assertThat(found).contains(key("shop", "seq"), key("Shop", "Orders"), key("shop", "lines"), key("l", "x"),
                "shop", "Shop");
        assertThat(found).doesNotContain(key("shop", "orders"));
    }

    @Test
    void mentions_doesNotMatchALongerName() {
        assertThat(ApplyOrder.mentions("from shop.orders_2024")).doesNotContain(key("shop", "orders"));
    }

    @Test
    void mentionsWord_matchesWholeIdentifiersOnly() {
        assertThat(ApplyOrder.mentionsWord("CREATE INDEX i ON shop.t USING btree (total, x)", "total")).isTrue();
        assertThat(ApplyOrder.mentionsWord("CREATE INDEX i ON shop.t USING btree (subtotal)", "total")).isFalse();
        assertThat(ApplyOrder.mentionsWord("btree (\"Total\")", "Total")).isTrue();
    }

    @Test
    void sort_createsWhatAStepNamesBeforeIt_evenAcrossPhases() {
        Step table = create("table", "shop.t", Phase.TABLE, Set.of(key("shop", "t")),
                "CREATE TABLE shop.t (id integer DEFAULT shop.next_id());");
        Step function = create("function", "shop.next_id()", Phase.ROUTINE, Set.of(key("shop", "next_id")),
                "CREATE FUNCTION shop.next_id() ...");
        Step index = create("index", "shop.t.i", Phase.INDEX, Set.of(), "CREATE INDEX i ON shop.t (id);");

        assertThat(ApplyOrder.sort(List.of(index, table, function))).extracting(Difference::object)
                .containsExactly("shop.next_id()", "shop.t", "shop.t.i");
    }

    @Test
    void sort_dropsWhatStillNeedsAnObjectBeforeIt() {
        Step referenced = drop("shop.a", "");
        Step referencing = drop("shop.b", "FOREIGN KEY (a_id) REFERENCES shop.a(id)");

        assertThat(ApplyOrder.sort(List.of(referenced, referencing))).extracting(Difference::object)
                .containsExactly("shop.b", "shop.a");
    }

    @Test
    void sort_cycle_isBrokenByTakingTheFunctionFirst() {
        Step table = create("table", "shop.t", Phase.TABLE, Set.of(key("shop", "t")), "DEFAULT shop.f()");
        Step function = create("function", "shop.f()", Phase.ROUTINE, Set.of(key("shop", "f")), "select from shop.t");

        assertThat(ApplyOrder.sort(List.of(table, function))).extracting(Difference::object)
                .containsExactly("shop.f()", "shop.t");
    }

    private static Step create(String kind, String object, Phase phase, Set<String> provides, String ddl) {
        return new Step(new Difference(kind, object, Change.MISSING, "missing", ddl), phase, Stage.CREATE, provides, ddl);
    }

    private static Step drop(String object, String definition) {
        String[] parts = object.split("\\.");
        return new Step(new Difference("table", object, Change.EXTRA, "extra", "DROP TABLE " + object + ";"),
                Phase.TABLE, Stage.LATE_DROP, Set.of(key(parts[0], parts[1])), definition);
    }
}
