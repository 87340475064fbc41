package dev.keel.ops.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Severity;
import dev.keel.ops.insight.SettingsChecks.Setting;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The settings rules on settings as pg_settings reports them (PostgreSQL 15 defaults unless stated). */
class SettingsChecksTest {

    private static final Machine REMOTE = new Machine(OptionalLong.empty(),
            "unknown: the server is not on this machine; pass --memory SIZE", "unknown", "unknown");

    private static Map<String, Setting> defaults() {
        Map<String, Setting> s = new HashMap<>();
        s.put("shared_buffers", new Setting("shared_buffers", "16384", "8kB", "configuration file", "postmaster", 16384L * 8192));
        s.put("effective_cache_size", new Setting("effective_cache_size", "524288", "8kB", "default", "user", 524288L * 8192));
        s.put("work_mem", new Setting("work_mem", "4096", "kB", "default", "user", 4096L * 1024));
        s.put("random_page_cost", new Setting("random_page_cost", "4", null, "default", "user", -1));
        s.put("max_connections", new Setting("max_connections", "100", null, "configuration file", "postmaster", -1));
        s.put("autovacuum", new Setting("autovacuum", "on", null, "default", "sighup", -1));
        s.put("track_counts", new Setting("track_counts", "on", null, "default", "superuser", -1));
        return s;
    }

    private static List<String> rules(List<Finding> findings) {
        return findings.stream().map(Finding::rule).toList();
    }

    @Test
    void evaluate_withoutRamChecksOnlyFixedLimitsAndSaysSo() {
        List<Finding> f = SettingsChecks.evaluate(defaults(), REMOTE, "shop", "app");

        assertThat(rules(f)).containsExactlyInAnyOrder("insight.setting-shared-buffers", "insight.memory-unknown");
        Finding sb = f.stream().filter(x -> x.rule().equals("insight.setting-shared-buffers")).findFirst().orElseThrow();
        assertThat(sb.severity()).isEqualTo(Severity.INFO);
        assertThat(sb.evidence()).containsEntry("memory", "unknown");
        assertThat(sb.evidence().get("memorySource").toString()).contains("pass --memory");
    }

    @Test
    void evaluate_withRamSuggestsPgtuneValues() {
        Machine m = new Machine(OptionalLong.of(16L << 30), "--memory", "unknown", "unknown");
        List<Finding> f = SettingsChecks.evaluate(defaults(), m, "shop", "app");

        Map<String, Object> suggested = new HashMap<>();
        f.forEach(x -> suggested.put(x.rule(), x.evidence().get("suggested")));
        assertThat(suggested).containsEntry("insight.setting-shared-buffers", "4GB")
                .containsEntry("insight.setting-effective-cache-size", "12GB")
                // (16GB - 4GB) / (3 x 100) = 40.96MB
                .containsEntry("insight.setting-work-mem", "40MB")
                .doesNotContainKey("insight.memory-unknown");
    }

    @Test
    void evaluate_autovacuumOffIsAnErrorWithAReload() {
        Map<String, Setting> s = defaults();
        s.put("autovacuum", new Setting("autovacuum", "off", null, "configuration file", "sighup", -1));

        Finding f = SettingsChecks.evaluate(s, REMOTE, "shop", "app").stream()
                .filter(x -> x.rule().equals("insight.setting-autovacuum")).findFirst().orElseThrow();
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.remedy()).isEqualTo("ALTER SYSTEM SET autovacuum = 'on';\nSELECT pg_reload_conf();");
    }

    @Test
    void evaluate_randomPageCostOnANonRotatingDiskSuggests1point1() {
        Map<String, Setting> s = defaults();
        Machine ssd = new Machine(OptionalLong.empty(), "unknown", "no", "nvme0n1");

        Finding f = SettingsChecks.evaluate(s, ssd, "shop", "app").stream()
                .filter(x -> x.rule().equals("insight.setting-random-page-cost")).findFirst().orElseThrow();
        assertThat(f.evidence()).containsEntry("suggested", "1.1");
        assertThat(f.message()).contains("nvme0n1");
        // unknown disk: the default 4 is left alone
        assertThat(rules(SettingsChecks.evaluate(s, REMOTE, "shop", "app"))).doesNotContain("insight.setting-random-page-cost");
    }

    @Test
    void remedy_changesTheSettingWhereItIsSet() {
        Setting perDb = new Setting("work_mem", "64", "kB", "database", "user", 65536);
        Setting perRole = new Setting("work_mem", "64", "kB", "user", "user", 65536);
        Setting both = new Setting("work_mem", "64", "kB", "database user", "user", 65536);
        Setting restart = new Setting("max_connections", "1000", null, "configuration file", "postmaster", -1);

        assertThat(SettingsChecks.remedy(perDb, "4MB", "my\"db", "app")).isEqualTo("ALTER DATABASE \"my\"\"db\" SET work_mem = '4MB';");
        assertThat(SettingsChecks.remedy(perRole, "4MB", "shop", "app")).isEqualTo("ALTER ROLE app SET work_mem = '4MB';");
        assertThat(SettingsChecks.remedy(perRole, "4MB", "shop", "user")).isEqualTo("ALTER ROLE \"user\" SET work_mem = '4MB';");
        assertThat(SettingsChecks.remedy(both, "4MB", "shop", "app"))
                .isEqualTo("ALTER ROLE app IN DATABASE shop SET work_mem = '4MB';");
        assertThat(SettingsChecks.remedy(restart, "200", "shop", "app"))
                .isEqualTo("ALTER SYSTEM SET max_connections = '200';\n-- takes effect after a restart of the server");
    }

    @Test
    void size_writesValuesPostgresqlReads() {
        assertThat(SettingsChecks.size(4L << 30)).isEqualTo("4GB");
        assertThat(SettingsChecks.size(512L << 20)).isEqualTo("512MB");
        assertThat(SettingsChecks.size(64L << 10)).isEqualTo("64kB");
        assertThat(SettingsChecks.nice((long) (5.9 * (1L << 30)))).isEqualTo(5L << 30);
        assertThat(SettingsChecks.nice((long) (40.96 * (1L << 20)))).isEqualTo(40L << 20);
    }
}
