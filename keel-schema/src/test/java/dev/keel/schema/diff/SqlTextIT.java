package dev.keel.schema.diff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The quoting helper agrees with the server's own quote_ident on every keyword the server has. */
@KeelPostgres
class SqlTextIT {

    @Test
    void ident_quotesExactlyWhatQuoteIdentQuotes_forEveryKeywordOfTheServer(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select word, quote_ident(word) from pg_get_keywords() order by word")) {
            int words = 0;
            while (rs.next()) {
                assertThat(SqlText.ident(rs.getString(1))).as(rs.getString(1)).isEqualTo(rs.getString(2));
                words++;
            }
            assertThat(words).isGreaterThan(400);
        }
    }
}
