package dev.keel.ops.insight;

import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Random;

/**
 * A generated schema and workload whose missing indexes are known, run for real so that pg_stat_statements
 * records each statement with its calls. Used by the advisor's tests in this module and the CLI's.
 *
 * <p>Missing, and expected to be found: orders (customer_id) for equality, orders (created_at) for a range,
 * payments (customer_id) for a join to a small filtered table, payments (paid_at) for the recent rows
 * (a one-sided {@code paid_at > $1} that the generic plan would think keeps a third of the table), products
 * (price) for ORDER BY ... LIMIT,
 * events (account_id, occurred_at) for equality plus range, audit_cold (ref_id) read a few times.
 * Not to be suggested: events (occurred_at) (its one-sided range keeps half the rows), settings (tiny), orders (id) and events (kind) (already indexed), audit_hot (ref_id)
 * (read as often as audit_cold, but written 10,000 rows: the index costs more than it saves).
 */
public final class AdvisorWorkload {

    public static final String EQUALITY = "select id, amount from orders where customer_id = ?";
    public static final String RANGE = "select count(*) from orders where created_at >= ? and created_at < ?";
    public static final String JOIN = "select p.id, p.amount from payments p join customers c on c.id = p.customer_id where c.email = ?";
    public static final String SORT = "select id, name, price from products order by price desc limit 10";
    public static final String EQUALITY_RANGE = "select count(*) from events where account_id = ? and occurred_at >= ? and occurred_at < ?";
    /** The recent rows: a one-sided range on a parameter that returns about 60 of 200,000 rows per call. */
    public static final String RECENT = "select id, amount from payments where paid_at > ?";
    /** A one-sided range that returns about half the table per call: no index helps. */
    public static final String HALF = "select id from events where occurred_at > ?";
    public static final String SERVED_PK = "select * from orders where id = ?";
    public static final String SERVED_INDEX = "select * from events where kind = ?";
    public static final String TINY = "select value from settings where key = ?";
    public static final String COLD = "select count(*) from audit_cold where ref_id = ?";
    public static final String HOT = "select count(*) from audit_hot where ref_id = ?";

    private AdvisorWorkload() {
    }

    /** Creates and fills the tables (about 0.7 million rows), then clears this database's pg_stat_statements rows. */
    public static void create(TestDatabase db) throws SQLException {
        db.execute("""
                create extension if not exists pg_stat_statements;
                create table settings (key text primary key, value text);
                insert into settings select 'k' || g, 'v' || g from generate_series(1, 20) g;
                create table customers (id int primary key, email text not null, name text);
                insert into customers select g, 'c' || g || '@example.com', 'customer ' || g from generate_series(1, 2000) g;
                create table orders (id bigint primary key, customer_id int not null, status int, created_at timestamptz,
                                     amount numeric, note text);
                insert into orders select g, (g::bigint * 7919) % 2000 + 1, g % 5,
                       timestamptz '2024-01-01' + ((g::bigint * 104729) % 200000) * interval '1 minute', g % 1000, md5(g::text)
                from generate_series(1, 200000) g;
                create table payments (id bigint primary key, customer_id int not null, amount numeric, paid_at timestamptz);
                insert into payments select g, (g::bigint * 7919) % 2000 + 1, g % 700, timestamptz '2024-01-01' + g * interval '1 second'
                from generate_series(1, 200000) g;
                create table products (id int primary key, name text, price numeric, note text);
                insert into products select g, 'product ' || g, (g::bigint * 7919) % 100000, md5(g::text) from generate_series(1, 100000) g;
                create table events (id bigint primary key, account_id int, kind int, occurred_at timestamptz, payload text);
                insert into events select g, g % 100, g % 1000,
                       timestamptz '2024-01-01' + ((g::bigint * 7919) % 200000) * interval '1 second', md5(g::text)
                from generate_series(1, 200000) g;
                create index events_kind on events (kind);
                create table audit_cold (id bigserial primary key, ref_id int, note text);
                insert into audit_cold (ref_id, note) select g % 2000, md5(g::text) from generate_series(1, 40000) g;
                create table audit_hot (id bigserial primary key, ref_id int, note text);
                insert into audit_hot (ref_id, note) select g % 2000, md5(g::text) from generate_series(1, 40000) g;
                analyze;
                """);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("select pg_stat_statements_reset(0, (select oid from pg_database where datname = current_database()), 0)");
        }
    }

    /** Runs the workload: each statement many times with varied values; 10,000 rows inserted into audit_hot. */
    public static void run(TestDatabase db) throws SQLException {
        Random random = new Random(42);
        Instant start = Instant.parse("2024-02-01T00:00:00Z");
        try (Connection c = db.connect()) {
            repeat(c, EQUALITY, 30, ps -> ps.setInt(1, 1 + random.nextInt(2000)));
            repeat(c, RANGE, 20, ps -> {
                Instant from = start.plusSeconds(60L * random.nextInt(100000));
                ps.setTimestamp(1, Timestamp.from(from));
                ps.setTimestamp(2, Timestamp.from(from.plusSeconds(3600)));
            });
            repeat(c, JOIN, 20, ps -> ps.setString(1, "c" + (1 + random.nextInt(2000)) + "@example.com"));
            repeat(c, SORT, 20, ps -> { });
            repeat(c, EQUALITY_RANGE, 20, ps -> {
                Instant from = Instant.parse("2024-01-01T00:00:00Z").plusSeconds(random.nextInt(190000));
                ps.setInt(1, random.nextInt(100));
                ps.setTimestamp(2, Timestamp.from(from));
                ps.setTimestamp(3, Timestamp.from(from.plusSeconds(3600)));
            });
            Instant lastPayment = Instant.parse("2024-01-01T00:00:00Z").plusSeconds(200_000);
            repeat(c, RECENT, 20, ps -> ps.setTimestamp(1, Timestamp.from(lastPayment.minusSeconds(30 + random.nextInt(90)))));
            Instant middleEvent = Instant.parse("2024-01-01T00:00:00Z").plusSeconds(100_000);
            repeat(c, HALF, 3, ps -> ps.setTimestamp(1, Timestamp.from(middleEvent.plusSeconds(random.nextInt(4000) - 2000))));
            repeat(c, SERVED_PK, 20, ps -> ps.setLong(1, 1 + random.nextInt(200000)));
            repeat(c, SERVED_INDEX, 20, ps -> ps.setInt(1, random.nextInt(1000)));
            repeat(c, TINY, 20, ps -> ps.setString(1, "k" + (1 + random.nextInt(20))));
            repeat(c, COLD, 5, ps -> ps.setInt(1, random.nextInt(2000)));
            repeat(c, HOT, 5, ps -> ps.setInt(1, random.nextInt(2000)));
            StringBuilder insert = new StringBuilder("insert into audit_hot (ref_id, note) values ");
            for (int i = 0; i < 100; i++) {
                insert.append(i == 0 ? "" : ", ").append("(?, 'x')");
            }
            repeat(c, insert.toString(), 100, ps -> {
                for (int i = 1; i <= 100; i++) {
                    ps.setInt(i, random.nextInt(2000));
                }
            });
        }
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private static void repeat(Connection c, String sql, int times, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < times; i++) {
                binder.bind(ps);
                if (ps.execute()) {
                    try (ResultSet rs = ps.getResultSet()) {
                        while (rs.next()) {
                            // read the rows, as an application would
                        }
                    }
                }
            }
        }
    }
}
