package dev.keel.schema.diff;

import static dev.keel.schema.diff.CatalogDiffIT.apply;
import static dev.keel.schema.diff.CatalogDiffIT.describe;
import static dev.keel.schema.diff.CatalogDiffIT.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.catalog.Catalog;
import dev.keel.schema.diff.Difference.Change;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The diff on the commerce sample (partitions, identity and serial columns, generated columns, an enum,
 * a trigger, a view, comments, a quoted camelCase column): equal reads compare equal, and the DDL alone can
 * build the whole schema from nothing and take it away again.
 */
@KeelPostgres(migrations = "examples/commerce/db/migrations")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CatalogDiffCommerceIT {

    @Test
    @Order(1)
    void compare_twoReadsOfTheSample_findNothing(TestDatabase db) throws Exception {
        Catalog first = read(db);
        Catalog second = read(db);

        assertThat(CatalogDiff.compare(first, second)).isEmpty();
        assertThat(CatalogDiff.compare(second, first, CatalogDiff.Options.defaults().withOwners(true))).isEmpty();
    }

    /** Runs last: it drops the sample's schema and builds it again from the DDL. */
    @Test
    @Order(2)
    void ddl_againstAnEmptyDatabase_createsTheWholeSampleAndDropsItAgain(TestDatabase db) throws Exception {
        Catalog sample = read(db);
        db.execute("drop schema shop cascade; drop table if exists public.flyway_schema_history");
        Catalog empty = read(db);

        List<Difference> create = CatalogDiff.compare(sample, empty);
        assertThat(create).extracting(Difference::change).containsOnly(Change.MISSING);
        assertThat(create.get(0)).extracting(Difference::kind, Difference::object).containsExactly("schema", "shop");
        String createDdl = CatalogDiff.ddl(create);
        apply(db, createDdl);
        List<Difference> left = CatalogDiff.compare(sample, read(db));
        assertThat(left).as("left after running:\n" + createDdl + "\n\n" + describe(left)).isEmpty();

        List<Difference> drop = CatalogDiff.compare(empty, read(db));
        assertThat(drop).extracting(Difference::change).containsOnly(Change.EXTRA);
        String dropDdl = CatalogDiff.ddl(drop);
        apply(db, dropDdl);
        left = CatalogDiff.compare(empty, read(db));
        assertThat(left).as("left after running:\n" + dropDdl + "\n\n" + describe(left)).isEmpty();
    }
}
