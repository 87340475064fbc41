package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExplainTest {

    @Test
    void changesData_onlyPlainReadsAreNot() {
        assertThat(Explainer.changesData("select 1")).isFalse();
        assertThat(Explainer.changesData("  (select 1) union select 2")).isFalse();
        assertThat(Explainer.changesData("-- hi\nTABLE t")).isFalse();
        assertThat(Explainer.changesData("with x as (select 1) select * from x")).isFalse();
        assertThat(Explainer.changesData("with x as (delete from t returning *) select * from x")).isTrue();
        assertThat(Explainer.changesData("update t set a = 1")).isTrue();
        assertThat(Explainer.changesData("merge into t using s on true when matched then delete")).isTrue();
        assertThat(Explainer.changesData("call p()")).isTrue();
    }

    @Test
    void columnsIn_findsQualifiedAndCastColumnsInOrder() {
        List<String> columns = List.of("id", "category", "name", "b");
        assertThat(Explainer.columnsIn("((big.name)::text = 'x'::text) AND (big.category = 42)", columns))
                .containsExactly("name", "category");
        assertThat(Explainer.columnsIn("(lower(name) = 'b')", columns)).containsExactly("name");
    }

    @Test
    void suggestedWorkMem_isTwiceTheSpillRoundedUpToAPowerOfTwo() {
        assertThat(Explainer.suggestedWorkMemMb(100)).isEqualTo(8);
        assertThat(Explainer.suggestedWorkMemMb(10_000)).isEqualTo(32);
        assertThat(Explainer.suggestedWorkMemMb(16_384)).isEqualTo(32);
    }
}
