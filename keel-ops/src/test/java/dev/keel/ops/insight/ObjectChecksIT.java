package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The object checks against situations made for real on the test server: scans, failed concurrent builds,
 * mass deletes without vacuum, sequences advanced near their limit. Test tables turn autovacuum off so it
 * cannot tidy up behind the test's back.
 */
@KeelPostgres
class ObjectChecksIT {

    /** Runs statements in one session, then makes that session's statistics visible to the others at once. */
    static void workload(TestDatabase db, String... statements) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
            st.execute("select pg_stat_force_next_flush()");
        }
    }

    static List<Finding> check(TestDatabase db) throws SQLException {
        try (Connection c = db.connect()) {
            return ObjectChecks.run(c);
        }
    }

    interface CheckOn {
        List<Finding> run(Connection c) throws SQLException;
    }

    static List<Finding> check(TestDatabase db, CheckOn check) throws SQLException {
        try (Connection c = db.connect()) {
            return check.run(c);
        }
    }

    static List<Finding> of(List<Finding> findings, String rule, String object) {
        return findings.stream().filter(f -> f.rule().equals(rule) && f.object().equals(object)).toList();
    }

    static long scalar(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void unusedIndexes_reportsAnUnscannedIndexButNotAUsedOneOrAPrimaryKey(TestDatabase db) throws SQLException {
        db.execute("""
                create table u_orders (id bigint primary key, customer int, status text, code text);
                create unique index u_orders_code on u_orders (code);
                create index u_orders_customer on u_orders (customer);
                create index u_orders_status on u_orders (status);
                create table flyway_schema_history (installed_rank int primary key, success boolean);
                create index flyway_schema_history_s_idx on flyway_schema_history (success);
                create schema keel_history;
                create table keel_history.insight_size (id int, kind text);
                create index insight_size_kind on keel_history.insight_size (kind);
                insert into u_orders select g, g % 100, 'new', 'c' || g from generate_series(1, 2000) g;
                analyze u_orders""");
        workload(db, "set enable_seqscan = off",
                "select count(*) from u_orders where customer = 7",
                "select count(*) from u_orders where customer = 8");

        List<Finding> found = check(db, ObjectChecks::unusedIndexes);

        assertThat(scalar(db, "select idx_scan from pg_stat_user_indexes where indexrelname = 'u_orders_customer'")).isPositive();
        assertThat(of(found, ObjectChecks.UNUSED_INDEX, "public.u_orders_status")).singleElement().satisfies(f -> {
            assertThat(f.remedy()).isEqualTo("DROP INDEX CONCURRENTLY public.u_orders_status;");
            assertThat(f.evidence()).containsEntry("indexScans", 0).containsEntry("table", "public.u_orders")
                    .containsKey("statsReset");
            assertThat((Long) f.evidence().get("bytes")).isPositive();
            assertThat(f.severity()).isEqualTo(Severity.INFO);
        });
        assertThat(found).extracting(Finding::object)
                .doesNotContain("public.u_orders_customer", "public.u_orders_pkey", "public.u_orders_code",
                        "public.flyway_schema_history_s_idx", "keel_history.insight_size_kind");
    }

    @Test
    void duplicateIndexes_reportsTheSecondCopyAndALeadingPrefixButKeepsTheConstraintIndex(TestDatabase db) throws SQLException {
        db.execute("""
                create table d_items (id bigint primary key, sku text, warehouse int, qty int);
                create index d_items_sku on d_items (sku);
                create index d_items_sku_again on d_items (sku);
                create index d_items_wh on d_items (warehouse);
                create index d_items_wh_qty on d_items (warehouse, qty);
                create index d_items_id on d_items (id);
                create index d_items_qty_partial on d_items (qty) where qty > 0;
                create index d_items_qty_sku on d_items (qty, sku)""");

        List<Finding> found = check(db, ObjectChecks::duplicateIndexes);

        assertThat(of(found, ObjectChecks.DUPLICATE_INDEX, "public.d_items_sku_again")).singleElement().satisfies(f -> {
            assertThat(f.evidence()).containsEntry("keptIndex", "public.d_items_sku");
            assertThat(f.remedy()).isEqualTo("DROP INDEX CONCURRENTLY public.d_items_sku_again;");
        });
        assertThat(of(found, ObjectChecks.REDUNDANT_INDEX, "public.d_items_wh")).singleElement()
                .satisfies(f -> assertThat(f.evidence()).containsEntry("keptIndex", "public.d_items_wh_qty"));
        // a plain index on the primary key's column goes, never the primary key's own index
        assertThat(of(found, ObjectChecks.DUPLICATE_INDEX, "public.d_items_id")).singleElement()
                .satisfies(f -> assertThat(f.evidence()).containsEntry("keptIndex", "public.d_items_pkey"));
        assertThat(found).extracting(Finding::object).doesNotContain("public.d_items_sku", "public.d_items_pkey",
                "public.d_items_wh_qty", "public.d_items_qty_partial");
    }

    @Test
    void invalidIndexes_reportsAFailedConcurrentUniqueBuild(TestDatabase db) throws SQLException {
        db.execute("create table i_codes (code text); insert into i_codes values ('a'), ('a'), ('b')");
        try {
            db.execute("create unique index concurrently i_codes_code on i_codes (code)");
        } catch (SQLException expected) {
            assertThat(expected.getSQLState()).isEqualTo("23505");
        }

        List<Finding> found = check(db, ObjectChecks::invalidIndexes);

        assertThat(of(found, ObjectChecks.INVALID_INDEX, "public.i_codes_code")).singleElement().satisfies(f -> {
            assertThat(f.message()).contains("duplicate rows");
            assertThat(f.remedy()).startsWith("DROP INDEX CONCURRENTLY public.i_codes_code;")
                    .contains("CREATE UNIQUE INDEX CONCURRENTLY i_codes_code ON public.i_codes");
        });
    }

    @Test
    void constraints_reportNotValidAndUnindexedForeignKeysButNotAnIndexedOne(TestDatabase db) throws SQLException {
        db.execute("""
                create table c_customers (id int primary key);
                create table c_orders (id int primary key, customer_id int references c_customers, amount int);
                create table c_invoices (id int primary key, customer_id int references c_customers);
                create index c_invoices_customer on c_invoices (customer_id, id);
                create table c_lines (order_id int, line int, sku int);
                alter table c_orders add constraint c_orders_amount check (amount > 0) not valid;
                alter table c_lines add constraint c_lines_order foreign key (order_id) references c_orders not valid""");

        List<Finding> found = check(db, c -> {
            List<Finding> all = new java.util.ArrayList<>(ObjectChecks.notValidConstraints(c));
            all.addAll(ObjectChecks.unindexedForeignKeys(c));
            return all;
        });

        assertThat(of(found, ObjectChecks.NOT_VALID_CONSTRAINT, "public.c_orders.c_orders_amount")).singleElement()
                .satisfies(f -> assertThat(f.remedy()).isEqualTo("ALTER TABLE public.c_orders VALIDATE CONSTRAINT c_orders_amount;"));
        assertThat(of(found, ObjectChecks.NOT_VALID_CONSTRAINT, "public.c_lines.c_lines_order")).hasSize(1);
        assertThat(of(found, ObjectChecks.UNINDEXED_FOREIGN_KEY, "public.c_orders.c_orders_customer_id_fkey")).singleElement()
                .satisfies(f -> {
                    assertThat(f.remedy()).isEqualTo("CREATE INDEX CONCURRENTLY ON public.c_orders (customer_id);");
                    assertThat(f.evidence()).containsEntry("referencedTable", "public.c_customers");
                });
        assertThat(found).extracting(Finding::object).doesNotContain("public.c_invoices.c_invoices_customer_id_fkey");

        // the remedies run as written, and then the findings are gone
        for (Finding f : found) {
            db.execute(f.remedy());
        }
        assertThat(check(db, c -> {
            List<Finding> all = new java.util.ArrayList<>(ObjectChecks.notValidConstraints(c));
            all.addAll(ObjectChecks.unindexedForeignKeys(c));
            return all;
        })).isEmpty();
    }

    @Test
    void seqScanHeavy_reportsABigTableReadBySequentialScans(TestDatabase db) throws SQLException {
        db.execute("""
                create table s_events (id bigint primary key, kind text);
                insert into s_events select g, 'k' || (g % 50) from generate_series(1, 20000) g;
                analyze s_events""");
        String[] scans = new String[12];
        for (int i = 0; i < scans.length; i++) {
            scans[i] = "select count(*) from s_events where kind = 'k" + i + "'";
        }
        workload(db, scans);

        List<Finding> found = check(db, ObjectChecks::seqScanHeavy);

        assertThat(of(found, ObjectChecks.SEQ_SCAN_HEAVY, "public.s_events")).singleElement().satisfies(f -> {
            assertThat((Long) f.evidence().get("seqScans")).isGreaterThanOrEqualTo(12);
            assertThat((Long) f.evidence().get("rows")).isEqualTo(20000);
        });
    }

    @Test
    void bloatAndDeadTuples_afterAMassDeleteWithoutVacuum(TestDatabase db) throws SQLException {
        db.execute("""
                create table b_log (id int, payload text) with (autovacuum_enabled = off);
                insert into b_log select g, md5(g::text) from generate_series(1, 300000) g;
                create index b_log_payload on b_log (payload);
                create table b_fresh (id int, payload text) with (autovacuum_enabled = off);
                insert into b_fresh select g, md5(g::text) from generate_series(1, 300000) g;
                create index b_fresh_payload on b_fresh (payload);
                analyze b_fresh""");
        workload(db, "delete from b_log where id % 10 <> 0");
        db.execute("analyze b_log");

        List<Finding> found;
        try (Connection c = db.connect()) {
            found = new java.util.ArrayList<>(ObjectChecks.tableBloat(c));
            found.addAll(ObjectChecks.indexBloat(c));
            found.addAll(ObjectChecks.vacuumAndAnalyze(c));
        }

        assertThat(of(found, ObjectChecks.TABLE_BLOAT, "public.b_log")).singleElement().satisfies(f -> {
            assertThat((Double) f.evidence().get("bloatRatio")).isGreaterThan(0.8);
            assertThat(f.evidence()).containsKey("estimate");
        });
        assertThat(of(found, ObjectChecks.INDEX_BLOAT, "public.b_log_payload")).singleElement().satisfies(f -> {
            assertThat(f.remedy()).isEqualTo("REINDEX INDEX CONCURRENTLY public.b_log_payload;");
            assertThat((Long) f.evidence().get("bloatBytes")).isGreaterThan(ObjectChecks.BLOAT_MIN_BYTES);
        });
        assertThat(of(found, ObjectChecks.DEAD_TUPLES, "public.b_log")).singleElement().satisfies(f -> {
            assertThat(f.evidence()).containsEntry("deadTuples", 270000L).containsEntry("autovacuum", false);
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.remedy()).isEqualTo("VACUUM (ANALYZE) public.b_log;");
        });
        // the same data, freshly loaded and analyzed: no bloat, no dead tuples
        assertThat(found).filteredOn(f -> !f.rule().equals(ObjectChecks.ANALYZE_NEEDED)).extracting(Finding::object)
                .doesNotContain("public.b_fresh", "public.b_fresh_payload");
    }

    @Test
    void vacuumAndAnalyze_usesTheTablesOwnThresholds(TestDatabase db) throws SQLException {
        db.execute("""
                create table v_strict (id int) with (autovacuum_enabled = off, autovacuum_vacuum_threshold = 10,
                    autovacuum_vacuum_scale_factor = 0, autovacuum_analyze_threshold = 5000, autovacuum_analyze_scale_factor = 0);
                create table v_lenient (id int) with (autovacuum_enabled = off, autovacuum_vacuum_threshold = 1000,
                    autovacuum_vacuum_scale_factor = 0)""");
        workload(db, "insert into v_strict select generate_series(1, 1000)", "insert into v_lenient select generate_series(1, 1000)",
                "delete from v_strict where id <= 100", "delete from v_lenient where id <= 100");

        List<Finding> found = check(db, ObjectChecks::vacuumAndAnalyze);

        assertThat(of(found, ObjectChecks.DEAD_TUPLES, "public.v_strict")).singleElement()
                .satisfies(f -> assertThat(f.evidence()).containsEntry("deadTuples", 100L).containsEntry("vacuumThreshold", 10L));
        assertThat(of(found, ObjectChecks.DEAD_TUPLES, "public.v_lenient")).isEmpty();
        assertThat(of(found, ObjectChecks.ANALYZE_NEEDED, "public.v_strict")).isEmpty();
        assertThat(of(found, ObjectChecks.ANALYZE_NEEDED, "public.v_lenient")).singleElement()
                .satisfies(f -> assertThat(f.remedy()).isEqualTo("ANALYZE public.v_lenient;"));
    }

    @Test
    void sequences_reportASerialNearIntMaxAndABigintSequenceFeedingAnIntColumn(TestDatabase db) throws SQLException {
        db.execute("""
                create table q_tickets (id serial primary key);
                select setval('q_tickets_id_seq', 2100000000);
                create sequence q_wide as bigint;
                create table q_legacy (id int default nextval('q_wide'));
                select setval('q_wide', 1700000000);
                create table q_fine (id bigserial primary key);
                select setval('q_fine_id_seq', 2100000000)""");

        List<Finding> found = check(db, ObjectChecks::sequences);

        assertThat(of(found, ObjectChecks.SEQUENCE_EXHAUSTION, "public.q_tickets_id_seq")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.remedy()).isEqualTo("ALTER TABLE public.q_tickets ALTER COLUMN id TYPE bigint; "
                    + "ALTER SEQUENCE public.q_tickets_id_seq AS bigint NO MAXVALUE;");
        });
        assertThat(of(found, ObjectChecks.SEQUENCE_EXHAUSTION, "public.q_wide")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.evidence()).containsEntry("maxValue", 2147483647L).containsEntry("column", "public.q_legacy.id")
                    .containsEntry("sequenceType", "bigint");
            assertThat(f.remedy()).isEqualTo("ALTER TABLE public.q_legacy ALTER COLUMN id TYPE bigint;");
        });
        assertThat(found).extracting(Finding::object).doesNotContain("public.q_fine_id_seq");

        for (Finding f : found) {
            db.execute(f.remedy());
        }
        assertThat(check(db, ObjectChecks::sequences)).isEmpty();
    }

    @Test
    void wraparound_reportsThisDatabaseAndItsOldestTablesAboveTheGivenAge(TestDatabase db) throws SQLException {
        // real ages are far below the default thresholds on a test server; a threshold of 1 shows the query's facts
        db.execute("create table w_old (id int); insert into w_old values (1)");

        List<Finding> found = check(db, c -> ObjectChecks.wraparound(c, 1, Long.MAX_VALUE));
        List<Finding> defaults = check(db, c -> ObjectChecks.wraparound(c, ObjectChecks.WRAPAROUND_WARN_AGE,
                ObjectChecks.WRAPAROUND_ERROR_AGE));

        assertThat(of(found, ObjectChecks.XID_WRAPAROUND, db.name())).singleElement().satisfies(f -> {
            assertThat(f.evidence()).containsEntry("scope", "database");
            assertThat((Long) f.evidence().get("xidAge")).isEqualTo(scalar(db,
                    "select age(datfrozenxid) from pg_database where datname = current_database()"));
        });
        assertThat(found).filteredOn(f -> "table".equals(f.evidence().get("scope")) && f.rule().equals(ObjectChecks.XID_WRAPAROUND))
                .hasSizeBetween(1, ObjectChecks.WRAPAROUND_TABLES);
        assertThat(defaults).isEmpty();
    }

    @Test
    void cacheHitRatio_countsHeapAndIndexBlocksOfTablesWithEnoughReads(TestDatabase db) throws SQLException {
        db.execute("""
                create table h_hot (id int primary key, v text);
                insert into h_hot select g, md5(g::text) from generate_series(1, 5000) g""");
        workload(db, "select count(*) from h_hot", "set enable_seqscan = off", "select v from h_hot where id = 42");

        // shared buffers cannot be emptied from SQL, so the ratio cannot be forced low: a threshold above 1 shows the counts
        List<Finding> found = check(db, c -> ObjectChecks.cacheHitRatio(c, 1, 1.01));
        List<Finding> defaults = check(db, c -> ObjectChecks.cacheHitRatio(c, ObjectChecks.CACHE_MIN_BLOCKS,
                ObjectChecks.CACHE_INFO_RATIO));

        assertThat(of(found, ObjectChecks.CACHE_HIT_RATIO, "public.h_hot")).singleElement().satisfies(f -> {
            long heapHit = (Long) f.evidence().get("heapBlocksHit");
            long idxHit = (Long) f.evidence().get("indexBlocksHit");
            assertThat(heapHit).isPositive();
            assertThat(idxHit).isPositive();
            assertThat((Double) f.evidence().get("hitRatio")).isBetween(0.0, 1.0);
        });
        assertThat(of(defaults, ObjectChecks.CACHE_HIT_RATIO, "public.h_hot")).isEmpty();
    }

    @Test
    void run_givesOnlyKnownRulesWithRemediesAndQualifiedObjects(TestDatabase db) throws SQLException {
        db.execute("create table r_any (id int primary key, ref int); create index r_any_ref on r_any (ref)");

        List<Finding> found = check(db);

        assertThat(found).isNotEmpty().allSatisfy(f -> {
            assertThat(ObjectChecks.RULES).contains(f.rule());
            assertThat(f.remedy()).isNotBlank();
        });
        assertThat(of(found, ObjectChecks.UNUSED_INDEX, "public.r_any_ref")).hasSize(1);
    }
}
