package dev.keel.core.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.ConfigException;
import org.junit.jupiter.api.Test;

class ConnectionUrlTest {

    @Test
    void parse_libpqUriWithCredentialsAndSslmode() {
        ConnectionUrl u = ConnectionUrl.parse("postgresql://app:s%40cret@db.example.com:6432/shop?sslmode=require", "t");
        assertThat(u.host()).isEqualTo("db.example.com");
        assertThat(u.port()).isEqualTo(6432);
        assertThat(u.database()).isEqualTo("shop");
        assertThat(u.user()).isEqualTo("app");
        assertThat(u.password()).isEqualTo("s@cret");
        assertThat(u.params()).containsEntry("sslmode", "require");
    }

    @Test
    void parse_postgresSchemeWithoutPortOrUser() {
        ConnectionUrl u = ConnectionUrl.parse("postgres://localhost/app", "t");
        assertThat(u.host()).isEqualTo("localhost");
        assertThat(u.port()).isNull();
        assertThat(u.user()).isNull();
        assertThat(u.database()).isEqualTo("app");
    }

    @Test
    void parse_jdbcUrlWithUserAndPasswordParameters() {
        ConnectionUrl u = ConnectionUrl.parse("jdbc:postgresql://10.0.0.5:5433/orders?user=svc&password=pw&ApplicationName=x", "t");
        assertThat(u.host()).isEqualTo("10.0.0.5");
        assertThat(u.port()).isEqualTo(5433);
        assertThat(u.user()).isEqualTo("svc");
        assertThat(u.password()).isEqualTo("pw");
        assertThat(u.params()).containsOnlyKeys("ApplicationName");
    }

    @Test
    void parse_ipv6HostInBrackets() {
        ConnectionUrl u = ConnectionUrl.parse("postgresql://u@[::1]:5432/db", "t");
        assertThat(u.host()).isEqualTo("::1");
        assertThat(u.port()).isEqualTo(5432);
    }

    @Test
    void parse_passwordWithUnencodedAtSign() {
        ConnectionUrl u = ConnectionUrl.parse("postgresql://u:p@ss@host/db", "t");
        assertThat(u.user()).isEqualTo("u");
        assertThat(u.password()).isEqualTo("p@ss");
        assertThat(u.host()).isEqualTo("host");
    }

    @Test
    void parse_rejectsOtherSchemesWithoutShowingThePassword() {
        assertThatThrownBy(() -> ConnectionUrl.parse("mysql://root:topsecret1@h/db", "keel.yaml:3 (targets.x.url)"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keel.yaml:3")
                .hasMessageNotContaining("topsecret1");
    }

    @Test
    void parse_badPortIsAConfigError() {
        assertThatThrownBy(() -> ConnectionUrl.parse("postgresql://h:99999/db", "t"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bad port '99999'");
    }

    @Test
    void toString_masksThePassword() {
        ConnectionUrl u = ConnectionUrl.parse("postgresql://u:hunter22@h/db", "t");
        assertThat(u.toString()).doesNotContain("hunter22");
        ConnectionSpec spec = new ConnectionSpec("h", 5432, "db", "u", "hunter22", null);
        assertThat(spec.toString()).doesNotContain("hunter22");
        assertThat(spec.jdbcUrl()).doesNotContain("hunter22");
        assertThat(spec.uri()).isEqualTo("postgresql://u@h:5432/db");
    }
}
