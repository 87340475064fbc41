package dev.keel.server.check;

import static java.util.Objects.requireNonNull;

import dev.keel.core.ConfigException;
import dev.keel.core.KeelException;
import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.CatalogOptions;
import dev.keel.core.catalog.CatalogReader;
import dev.keel.core.catalog.Column;
import dev.keel.core.catalog.Table;
import dev.keel.core.design.SchemaDesignRules;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.Severity;
import dev.keel.core.project.Project;
import dev.keel.core.project.ProjectConfig;
import dev.keel.core.sql.Identifiers;
import dev.keel.ops.backup.BackupCatalog;
import dev.keel.ops.backup.BackupReader;
import dev.keel.ops.backup.LocalRepository;
import dev.keel.ops.backup.VerifyHistory;
import dev.keel.ops.backup.WalSetup;
import dev.keel.ops.bench.BenchHistory;
import dev.keel.ops.insight.ConnectionSummary;
import dev.keel.ops.insight.HealthChecks;
import dev.keel.ops.insight.HealthReport;
import dev.keel.ops.insight.HealthStatus;
import dev.keel.ops.insight.Insight;
import dev.keel.ops.insight.InsightOptions;
import dev.keel.ops.insight.InsightReport;
import dev.keel.ops.insight.MaintenanceAction;
import dev.keel.ops.insight.MaintenancePlan;
import dev.keel.ops.insight.MetricsCollectors;
import dev.keel.ops.insight.StatementHistory;
import dev.keel.schema.diff.Difference;
import dev.keel.schema.drift.DriftCheck;
import dev.keel.schema.migrate.MigrationSettings;
import dev.keel.schema.migrate.MigrationVersion;
import dev.keel.schema.migrate.Migrator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code keel check}: the blueprint's implementation checklist, item by item, evaluated against the target and
 * the project. Each item's evidence comes from the engine that owns it (the catalog, the migrator, drift, insight,
 * health, the statement history, the backup and bench histories), gathered once per run and shared.
 *
 * <p>Rules the items share: an item whose capability Keel does not have yet is {@link CheckStatus#NOT_AVAILABLE},
 * never a pass; an item keel.yaml does not configure (no {@code slo}, no {@code extensions}, no
 * {@code check.verify-interval}) is {@link CheckStatus#NOT_CONFIGURED}; when the target cannot be reached, every
 * item that needs it fails with "not evaluated: target unreachable", so an unreachable production database never
 * looks ready. Every item is required unless keel.yaml's {@code check.optional} lists it.
 */
public final class Checklist {

    public static final String PLANNING = "planning";
    public static final String DEVELOPMENT = "development";
    public static final String TESTING = "testing";
    public static final String DEPLOYMENT = "deployment";
    public static final String OPERATIONAL = "operational";

    public static final String TECHNOLOGY = "technology selection completed";
    public static final String CAPACITY_PLANNING = "capacity planning conducted";
    public static final String HA_REQUIREMENTS = "high availability requirements defined";
    public static final String SCHEMA_DESIGN = "schema design patterns established";
    public static final String SECURITY_REQUIREMENTS = "security requirements documented";
    public static final String ACCESS_LAYER = "database access layer implemented";
    public static final String MIGRATION_SYSTEM = "schema migration system configured";
    public static final String INITIAL_SCHEMA = "initial schema version created";
    public static final String TESTING_FRAMEWORK = "basic testing framework established";
    public static final String DEV_ENVIRONMENT = "development environment set up";
    public static final String PERFORMANCE_TESTING = "performance testing executed";
    public static final String DATA_MIGRATION_TESTING = "data migration testing completed";
    public static final String SECURITY_TESTING = "security testing conducted";
    public static final String HA_TESTING = "high availability testing performed";
    public static final String RECOVERY_VALIDATED = "recovery procedures validated";
    public static final String PRODUCTION_ENVIRONMENT = "production environment configured";
    public static final String INITIAL_DATA = "initial data loaded";
    public static final String MONITORING = "monitoring systems enabled";
    public static final String BACKUP_PROCEDURES = "backup procedures activated";
    public static final String DOCUMENTATION = "documentation finalized";
    public static final String MAINTENANCE = "regular maintenance schedule established";
    public static final String VERIFY_PROCEDURE = "backup verification procedure in place";
    public static final String PERFORMANCE_MONITORING = "performance monitoring ongoing";
    public static final String CAPACITY_PROCESS = "capacity planning process active";
    public static final String CONTINUOUS_IMPROVEMENT = "continuous improvement cycle implemented";

    /** Every item in the blueprint's order, with its phase. */
    public static final List<List<String>> ITEMS = List.of(
            List.of(PLANNING, TECHNOLOGY), List.of(PLANNING, CAPACITY_PLANNING), List.of(PLANNING, HA_REQUIREMENTS),
            List.of(PLANNING, SCHEMA_DESIGN), List.of(PLANNING, SECURITY_REQUIREMENTS),
            List.of(DEVELOPMENT, ACCESS_LAYER), List.of(DEVELOPMENT, MIGRATION_SYSTEM), List.of(DEVELOPMENT, INITIAL_SCHEMA),
            List.of(DEVELOPMENT, TESTING_FRAMEWORK), List.of(DEVELOPMENT, DEV_ENVIRONMENT),
            List.of(TESTING, PERFORMANCE_TESTING), List.of(TESTING, DATA_MIGRATION_TESTING), List.of(TESTING, SECURITY_TESTING),
            List.of(TESTING, HA_TESTING), List.of(TESTING, RECOVERY_VALIDATED),
            List.of(DEPLOYMENT, PRODUCTION_ENVIRONMENT), List.of(DEPLOYMENT, INITIAL_DATA), List.of(DEPLOYMENT, MONITORING),
            List.of(DEPLOYMENT, BACKUP_PROCEDURES), List.of(DEPLOYMENT, DOCUMENTATION),
            List.of(OPERATIONAL, MAINTENANCE), List.of(OPERATIONAL, VERIFY_PROCEDURE),
            List.of(OPERATIONAL, PERFORMANCE_MONITORING), List.of(OPERATIONAL, CAPACITY_PROCESS),
            List.of(OPERATIONAL, CONTINUOUS_IMPROVEMENT));

    /** The oldest PostgreSQL major the community still supports (and Keel's catalog queries cover). */
    static final int OLDEST_SUPPORTED_MAJOR = 14;
    /** Connections in use at or above this share of the usable slots leave too little headroom. */
    static final double CONNECTIONS_HEADROOM = 0.80;
    /** Statement snapshots older than this mean performance monitoring has stopped. */
    static final Duration SNAPSHOT_MAX_AGE = Duration.ofDays(1);
    /** A scheduled verification may be this much later than its interval (a run that took long, a restart). */
    static final double VERIFY_GRACE = 0.10;
    /** How many objects an evidence line names before it says "and N more". */
    static final int NAMED = 5;

    /** The schema of Keel's own state on a target (the insight history): not the project's tables. */

    private Checklist() {
    }

    /** The names of every item, in order. */
    public static List<String> itemNames() {
        return ITEMS.stream().map(p -> p.get(1)).toList();
    }

    /**
     * Evaluates every item. Never throws for what it finds; an item whose evidence could not be gathered fails
     * with the reason.
     *
     * @throws ConfigException when keel.yaml's {@code check.optional} names an item that does not exist
     */
    public static CheckReport evaluate(CheckContext ctx) {
        requireNonNull(ctx, "null context");
        Set<String> optional = optionalItems(ctx.project());
        Evidence e = new Evidence(ctx);
        try {
            List<CheckItem> items = new ArrayList<>();
            for (List<String> def : ITEMS) {
                String phase = def.get(0);
                String name = def.get(1);
                Outcome o;
                try {
                    o = e.evaluate(name);
                } catch (Unreachable u) {
                    o = Outcome.fail("not evaluated: target unreachable (" + u.getMessage() + ")",
                            u.remedy == null ? "make " + ctx.target().name() + " reachable, then run keel check again" : u.remedy);
                } catch (KeelException | IllegalArgumentException | IllegalStateException ex) {
                    o = Outcome.fail("could not gather the evidence: " + oneLine(ex.getMessage()),
                            ex instanceof KeelException k ? k.remedy().orElse("") : "");
                }
                items.add(new CheckItem(phase, name, o.status, o.evidence, o.next, !optional.contains(name)));
            }
            return new CheckReport(ctx.target().describe(), ctx.now(), items);
        } finally {
            e.close();
        }
    }

    /** keel.yaml's check.optional, each name checked against the items. */
    static Set<String> optionalItems(Project project) {
        Set<String> names = new LinkedHashSet<>();
        List<String> known = itemNames();
        for (String n : project.config().check().optional()) {
            String name = n == null ? "" : n.strip().toLowerCase(Locale.ROOT);
            if (!known.contains(name)) {
                throw new ConfigException(project.where("check.optional") + ": '" + n + "' is not a checklist item",
                        "items: " + String.join(", ", known));
            }
            names.add(name);
        }
        return names;
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl >= 0 ? s.substring(0, nl) : s).strip();
    }

    static String names(List<String> names) {
        String shown = names.stream().limit(NAMED).collect(Collectors.joining(", "));
        return names.size() > NAMED ? shown + " and " + (names.size() - NAMED) + " more" : shown;
    }

    static String age(Duration d) {
        long m = Math.max(0, d.toMinutes());
        if (m < 120) {
            return m + " min";
        }
        if (m < 48 * 60) {
            return m / 60 + " h";
        }
        return m / (60 * 24) + " d";
    }

    static String span(Duration d) {
        if (d.toDays() > 0 && d.toHours() % 24 == 0) {
            return d.toDays() + "d";
        }
        if (d.toHours() > 0 && d.toMinutes() % 60 == 0) {
            return d.toHours() + "h";
        }
        return d.toMinutes() > 0 ? d.toMinutes() + "m" : d.toSeconds() + "s";
    }

    /** An item's result before its phase and requiredness are attached. */
    record Outcome(CheckStatus status, String evidence, String next) {
        static Outcome pass(String evidence) {
            return new Outcome(CheckStatus.PASS, evidence, "");
        }

        static Outcome fail(String evidence, String next) {
            return new Outcome(CheckStatus.FAIL, evidence, next);
        }

        static Outcome notConfigured(String evidence, String next) {
            return new Outcome(CheckStatus.NOT_CONFIGURED, evidence, next);
        }

        static Outcome notAvailable(String evidence, String next) {
            return new Outcome(CheckStatus.NOT_AVAILABLE, evidence, next);
        }
    }

    /** Thrown inside an item that needs the target when the target could not be reached. */
    static final class Unreachable extends RuntimeException {
        final String remedy;

        Unreachable(String message, String remedy) {
            super(message, null, false, false);
            this.remedy = remedy;
        }
    }

    /**
     * The evidence of one run, each piece gathered at most once over one connection: the catalog, the insight
     * report, health, growth and the migrator's view are each used by several items.
     */
    static final class Evidence {
        private final CheckContext ctx;
        private final Project project;
        private final MigrationSettings settings;
        private Connection connection;
        private Unreachable unreachable;
        private Catalog catalog;
        private KeelException catalogFailure;
        private InsightReport insight;
        private HealthReport health;
        private StatementHistory.Growth growth;
        private List<StatementHistory.StoredSnapshot> snapshots;

        Evidence(CheckContext ctx) {
            this.ctx = ctx;
            this.project = ctx.project();
            this.settings = MigrationSettings.from(project);
        }

        Outcome evaluate(String item) {
            return switch (item) {
                case TECHNOLOGY -> technology();
                case CAPACITY_PLANNING -> capacityPlanning();
                case HA_REQUIREMENTS -> haRequirements();
                case SCHEMA_DESIGN -> schemaDesign();
                case SECURITY_REQUIREMENTS -> Outcome.notAvailable(
                        "not available in this version: roles, grants and policies declared in keel.yaml (keel access) and keel audit are not built",
                        "document roles and grants by hand meanwhile; keel inspect --json lists the current ones");
                case ACCESS_LAYER -> accessLayer();
                case MIGRATION_SYSTEM -> migrationSystem();
                case INITIAL_SCHEMA -> initialSchema();
                case TESTING_FRAMEWORK -> Outcome.notAvailable(
                        "not available in this version: keel quality (declared data checks) and migration rehearsal are not built",
                        "test migrations meanwhile with keel lint (measured on a scratch copy) and keel drift in CI");
                case DEV_ENVIRONMENT -> devEnvironment();
                case PERFORMANCE_TESTING -> performanceTesting();
                case DATA_MIGRATION_TESTING -> Outcome.notAvailable(
                        "not available in this version: keel copy and keel reconcile are not built", "");
                case SECURITY_TESTING -> Outcome.notAvailable(
                        "not available in this version: keel audit is not built", "");
                case HA_TESTING -> Outcome.notAvailable(
                        "not available in this version: keel failover-drill is not built", "");
                case RECOVERY_VALIDATED -> recoveryValidated();
                case PRODUCTION_ENVIRONMENT -> productionEnvironment();
                case INITIAL_DATA -> initialData();
                case MONITORING -> monitoring();
                case BACKUP_PROCEDURES -> backupProcedures();
                case DOCUMENTATION -> documentation();
                case MAINTENANCE -> maintenance();
                case VERIFY_PROCEDURE -> verifyProcedure();
                case PERFORMANCE_MONITORING -> performanceMonitoring();
                case CAPACITY_PROCESS -> capacityProcess();
                case CONTINUOUS_IMPROVEMENT -> continuousImprovement();
                default -> throw new IllegalStateException("no evaluation for " + item);
            };
        }

        // ---- gathering --------------------------------------------------------------------------------------

        Connection connection() {
            if (unreachable != null) {
                throw unreachable;
            }
            if (connection == null) {
                try {
                    connection = ctx.target().connect(ctx.status());
                } catch (KeelException e) {
                    unreachable = new Unreachable(oneLine(e.getMessage()), e.remedy().orElse(null));
                    throw unreachable;
                }
            }
            return connection;
        }

        Catalog catalog() {
            if (catalogFailure != null) {
                throw catalogFailure; // read once: a table locked for minutes must not cost a lock timeout per item
            }
            if (catalog == null) {
                try {
                    catalog = CatalogReader.read(connection(), CatalogOptions.defaults().withStatistics(false));
                } catch (KeelException e) {
                    catalogFailure = e;
                    throw e;
                }
            }
            return catalog;
        }

        InsightReport insight() {
            if (insight == null) {
                insight = Insight.report(connection(), InsightOptions.defaults());
            }
            return insight;
        }

        HealthReport health() {
            if (health == null) {
                connection();
                health = HealthChecks.run(() -> ctx.target().connect(ctx.status()), false);
            }
            return health;
        }

        StatementHistory.Growth growth() {
            if (growth == null) {
                growth = StatementHistory.growth(connection());
            }
            return growth;
        }

        List<StatementHistory.StoredSnapshot> snapshots() {
            if (snapshots == null) {
                snapshots = StatementHistory.snapshots(connection());
            }
            return snapshots;
        }

        Migrator migrator() {
            connection();
            return Migrator.of(() -> ctx.target().connect(ctx.status()), settings);
        }

        /** The project's tables: not the migrator's history tables (the catalog leaves out Keel's own schema). */
        List<Table> ownTables() {
            Set<String> history = settings.ownTables();
            return catalog().tables().stream()
                    .filter(t -> !history.contains(t.name()) && !t.partition())
                    .toList();
        }

        Duration window() {
            return project.config().check().windowDuration();
        }

        void close() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    // the evidence is gathered; a failing close changes nothing about it
                }
            }
        }

        // ---- planning ---------------------------------------------------------------------------------------

        Outcome technology() {
            Catalog c = catalog();
            int major = c.serverVersionNumber() / 10000;
            String server = "PostgreSQL " + c.serverVersion().split(" ")[0];
            if (major < OLDEST_SUPPORTED_MAJOR) {
                return Outcome.fail(ctx.target().describe() + " reachable; " + server + " is older than the oldest supported major ("
                        + OLDEST_SUPPORTED_MAJOR + ")", "upgrade the server to PostgreSQL " + OLDEST_SUPPORTED_MAJOR + " or later");
            }
            Optional<List<String>> declared = project.config().declaredExtensions();
            if (declared.isEmpty()) {
                return Outcome.notConfigured(ctx.target().describe() + " reachable, " + server + "; no extensions declared in keel.yaml",
                        "declare the extensions the project needs in keel.yaml, e.g. extensions: [pg_stat_statements] (an empty list when none)");
            }
            Set<String> installed = c.extensions().stream().map(x -> x.name()).collect(Collectors.toSet());
            List<String> missing = declared.get().stream().filter(x -> !installed.contains(x)).toList();
            if (!missing.isEmpty()) {
                return Outcome.fail(server + "; declared extensions not installed: " + names(missing),
                        missing.stream().map(x -> "CREATE EXTENSION " + x + ";").collect(Collectors.joining(" ")));
            }
            return Outcome.pass(ctx.target().describe() + " reachable, " + server + "; declared extensions installed: "
                    + (declared.get().isEmpty() ? "(none declared)" : String.join(", ", declared.get())));
        }

        Outcome capacityPlanning() {
            StatementHistory.Growth g = growth();
            List<String> problems = new ArrayList<>();
            String trend;
            if (g.database().isEmpty()) {
                trend = "no size trend (" + g.snapshots() + " snapshot" + (g.snapshots() == 1 ? "" : "s") + " stored)";
                problems.add("size trend");
            } else {
                StatementHistory.SizeTrend t = g.database().get();
                trend = String.format(Locale.ROOT, "database %d MiB, %+.2f%%/day over %s (%d snapshots), %d MiB in 30 days",
                        t.lastBytes() >> 20, t.percentPerDay(), age(t.observed()), g.snapshots(), t.projected30Days() >> 20);
            }
            String headroom = headroom(problems);
            String evidence = trend + "; " + headroom;
            if (problems.isEmpty()) {
                return Outcome.pass(evidence);
            }
            return Outcome.fail(evidence, problems.contains("size trend")
                    ? "take statement snapshots regularly (keel insight snapshot, e.g. hourly from cron) so sizes have a trend"
                    : "add headroom: free disk space or raise max_connections / pool the connections");
        }

        /** Disk (from keel health) and connections (from keel insight) headroom; adds "headroom" to problems when short. */
        String headroom(List<String> problems) {
            String disk = health().checks().stream().filter(h -> h.name().equals(HealthChecks.DISK)).findFirst()
                    .map(h -> {
                        if (h.status() == HealthStatus.FAIL || h.status() == HealthStatus.WARN) {
                            problems.add("headroom");
                        }
                        return "disk " + (h.status() == HealthStatus.SKIPPED ? "not measured (" + h.detail() + ")" : h.detail());
                    }).orElse("disk not measured");
            Optional<ConnectionSummary> cs = insight().connections();
            String conns;
            if (cs.isEmpty()) {
                conns = "connections not measured";
            } else {
                ConnectionSummary s = cs.get();
                double used = s.usable() == 0 ? 1 : (double) s.total() / s.usable();
                if (used >= CONNECTIONS_HEADROOM) {
                    problems.add("headroom");
                }
                conns = String.format(Locale.ROOT, "connections %d of %d usable (%.0f%%, limit %.0f%%)", s.total(), s.usable(),
                        used * 100, CONNECTIONS_HEADROOM * 100);
            }
            return disk + "; " + conns;
        }

        Outcome haRequirements() {
            ProjectConfig.SloConfig slo = project.config().slo();
            if (slo.rpo() == null || slo.rto() == null) {
                return Outcome.notConfigured("no slo in keel.yaml" + (slo.rpo() == null && slo.rto() == null ? ""
                                : " (only " + (slo.rpo() != null ? "rpo" : "rto") + " declared)"),
                        "declare the objectives in keel.yaml: slo: {rpo: 5m, rto: 1h}");
            }
            Duration rpo = slo.rpoDuration().orElseThrow();
            String declared = "slo rpo " + slo.rpo() + ", rto " + slo.rto();
            List<String[]> replicas = new ArrayList<>();
            // checked on PostgreSQL 15; replay_lag is null until the standby has replayed something after a pause
            try (Statement st = connection().createStatement(); ResultSet rs = st.executeQuery("""
                    select coalesce(nullif(application_name, ''), client_addr::text, 'replica'), state,
                           extract(epoch from coalesce(replay_lag, interval '0'))::float8
                    from pg_stat_replication order by 1""")) {
                while (rs.next()) {
                    replicas.add(new String[] {rs.getString(1), rs.getString(2), String.valueOf(rs.getDouble(3))});
                }
            } catch (SQLException e) {
                return Outcome.fail(declared + "; cannot read pg_stat_replication: " + oneLine(e.getMessage()),
                        "grant pg_monitor to the role keel connects as");
            }
            if (replicas.isEmpty()) {
                return Outcome.fail(declared + "; no streaming replica connected (pg_stat_replication is empty)",
                        "add a streaming replica so a failure does not wait for a restore (the RTO) or lose WAL not yet archived (the RPO)");
            }
            List<String> late = new ArrayList<>();
            List<String> shown = new ArrayList<>();
            for (String[] r : replicas) {
                double lag = Double.parseDouble(r[2]);
                shown.add(String.format(Locale.ROOT, "%s %s lag %.1f s", r[0], r[1], lag));
                if (lag > rpo.toSeconds() || !"streaming".equals(r[1])) {
                    late.add(r[0]);
                }
            }
            if (!late.isEmpty()) {
                return Outcome.fail(declared + "; replicas beyond the RPO or not streaming: " + String.join(", ", shown),
                        "find why " + names(late) + " lags (network, replay conflicts, I/O) — keel health shows replication");
            }
            return Outcome.pass(declared + "; " + String.join(", ", shown));
        }

        Outcome schemaDesign() {
            List<Finding> errors = SchemaDesignRules.check(catalog(), settings.ownTables()).list().stream()
                    .filter(f -> f.severity() == Severity.ERROR).toList();
            int tables = ownTables().size();
            if (errors.isEmpty()) {
                return Outcome.pass("schema design rules: no error on " + tables + " table" + (tables == 1 ? "" : "s"));
            }
            List<String> shown = errors.stream().map(f -> f.rule() + " " + f.object()).toList();
            return Outcome.fail(errors.size() + " schema design error" + (errors.size() == 1 ? "" : "s") + ": " + names(shown),
                    errors.get(0).remedy() == null ? "keel demo shows the rules; fix each finding" : errors.get(0).remedy());
        }

        // ---- development ------------------------------------------------------------------------------------

        Outcome accessLayer() {
            Optional<ConnectionSummary> cs = insight().connections();
            if (cs.isEmpty()) {
                return Outcome.fail("cannot read pg_stat_activity", "grant pg_monitor to the role keel connects as");
            }
            ConnectionSummary s = cs.get();
            String db = insight().database();
            List<ConnectionSummary.Group> app = s.groups().stream()
                    .filter(g -> g.database().equals(db) && !g.application().startsWith("keel")).toList();
            int total = app.stream().mapToInt(ConnectionSummary.Group::count).sum();
            boolean withinLimit = s.total() < s.usable();
            if (total == 0) {
                return Outcome.fail("no application connected to " + db + " now (only Keel's own connections)",
                        "run keel check while the application is connected, with application_name set in its connection settings");
            }
            List<String> unnamed = app.stream().filter(g -> g.application().isBlank()).map(g -> g.user()).distinct().toList();
            Set<String> named = app.stream().map(ConnectionSummary.Group::application).filter(a -> !a.isBlank())
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
            String counts = total + " application connection" + (total == 1 ? "" : "s") + " to " + db + " ("
                    + (named.isEmpty() ? "none named" : String.join(", ", named)) + "); server " + s.total() + " of "
                    + s.usable() + " usable";
            if (!unnamed.isEmpty()) {
                return Outcome.fail(counts + "; connections without application_name from " + names(unnamed),
                        "set application_name in the connection settings of " + names(unnamed) + " (JDBC: ApplicationName=...)");
            }
            if (!withinLimit) {
                return Outcome.fail(counts + "; no free connection slot", "pool connections (e.g. HikariCP, PgBouncer) below max_connections");
            }
            return Outcome.pass(counts);
        }

        Outcome migrationSystem() {
            boolean present = catalog().tables().stream().anyMatch(t -> t.name().equals(settings.historyTable())
                    && (settings.historySchema() == null || t.schema().equals(settings.historySchema())));
            if (!present) {
                return Outcome.fail("no history table " + settings.historyTable() + " on " + ctx.target().name(),
                        "keel migrate (or keel baseline for an existing schema)");
            }
            Findings validate = migrator().validate();
            List<Finding> errors = validate.atLeast(Severity.ERROR).list();
            if (!errors.isEmpty()) {
                return Outcome.fail("history table " + settings.historyTable() + " present; keel validate: "
                                + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + ": " + oneLine(errors.get(0).message()),
                        errors.get(0).remedy() == null ? "keel validate shows each problem" : errors.get(0).remedy());
            }
            return Outcome.pass("history table " + settings.historyTable() + " present; keel validate passes");
        }

        Outcome initialSchema() {
            connection();
            Optional<MigrationVersion> current = migrator().currentVersion();
            if (current.isEmpty()) {
                return Outcome.fail("no migration applied on " + ctx.target().name(),
                        "write the first migration (keel new) and apply it: keel migrate");
            }
            List<Difference> drift = DriftCheck.drift(ctx.scratchServer().get(), settings.locations(), current.get(),
                    connection(), settings.ownTables());
            if (!drift.isEmpty()) {
                List<String> shown = drift.stream().map(d -> d.change().label() + " " + d.kind() + " " + d.object()).toList();
                return Outcome.fail("at version " + current.get() + "; drift: " + drift.size() + " difference"
                        + (drift.size() == 1 ? "" : "s") + ": " + names(shown),
                        "keel drift --ddl gives the SQL that reconciles; or write a migration for the change");
            }
            return Outcome.pass("at version " + current.get() + "; no drift from the migrations");
        }

        Outcome devEnvironment() {
            connection();
            if (ctx.target().isEmbedded()) {
                return Outcome.pass("embedded PostgreSQL running: " + ctx.target().describe());
            }
            return Outcome.pass("target reachable: " + ctx.target().describe());
        }

        // ---- testing ----------------------------------------------------------------------------------------

        Outcome performanceTesting() {
            BenchHistory.History h = BenchHistory.read(project.keelDir().resolve(BenchHistory.FILE));
            if (h.entries().isEmpty()) {
                return Outcome.fail("no keel bench run recorded in .keel/" + BenchHistory.FILE,
                        "keel bench --duration 60s (with your workload: --workload FILE)");
            }
            BenchHistory.Entry last = h.entries().get(h.entries().size() - 1);
            Duration ago = Duration.between(last.startedAt(), ctx.now());
            String run = String.format(Locale.ROOT, "last keel bench %s ago (%s, %d clients, %.1f tps, p95 %.2f ms)",
                    age(ago), last.workload(), last.clients(), last.tps(), last.p95());
            if (ago.compareTo(window()) > 0) {
                return Outcome.fail(run + ": older than the window (" + span(window()) + ")",
                        "keel bench again (check.window in keel.yaml sets how recent a run must be)");
            }
            if (last.regression()) {
                return Outcome.fail(run + ": a regression against the previous run",
                        "keel bench again to confirm it; keel insight history shows which statements got slower, keel advise indexes why");
            }
            return Outcome.pass(run + ", no regression");
        }

        Outcome recoveryValidated() {
            VerifyHistory.History h = VerifyHistory.read(project.keelDir().resolve(VerifyHistory.FILE_NAME));
            Instant since = ctx.now().minus(window());
            Optional<VerifyHistory.Run> lastOk = h.runs().stream().filter(VerifyHistory.Run::ok)
                    .reduce((a, b) -> b);
            if (h.runs().isEmpty()) {
                return Outcome.fail("no keel backup verify run recorded in .keel/" + VerifyHistory.FILE_NAME,
                        "keel backup verify (restores the latest backup and checks it)");
            }
            VerifyHistory.Run last = h.runs().get(h.runs().size() - 1);
            if (!last.ok()) {
                return Outcome.fail("last verification of " + last.backup() + " failed " + age(Duration.between(last.verifiedAt(), ctx.now()))
                                + " ago: " + (last.problems().isEmpty() ? "" : oneLine(last.problems().get(0))),
                        "keel backup verify --history shows the problems; take a new backup and verify it");
            }
            if (lastOk.get().verifiedAt().isBefore(since)) {
                return Outcome.fail("last passed verification " + age(Duration.between(last.verifiedAt(), ctx.now()))
                        + " ago: older than the window (" + span(window()) + ")", "keel backup verify");
            }
            return Outcome.pass(String.format(Locale.ROOT, "backup %s verified %s ago: restore and start in %.1f s, RPO %d s",
                    last.backup(), age(Duration.between(last.verifiedAt(), ctx.now())), last.rtoMillis() / 1000.0, last.rpoSeconds()));
        }

        // ---- deployment -------------------------------------------------------------------------------------

        Outcome productionEnvironment() {
            List<Finding> settingsFindings = insight().findings().list().stream()
                    .filter(f -> f.rule().startsWith("insight.setting-")).toList();
            List<Finding> errors = settingsFindings.stream().filter(f -> f.severity() == Severity.ERROR).toList();
            List<String> warnings = settingsFindings.stream().filter(f -> f.severity() == Severity.WARNING)
                    .map(f -> f.rule().substring("insight.setting-".length())).toList();
            String w = warnings.isEmpty() ? "" : "; warnings: " + names(warnings);
            if (!errors.isEmpty()) {
                return Outcome.fail("settings far from sane: " + names(errors.stream().map(f -> oneLine(f.message())).toList()) + w,
                        errors.get(0).remedy() == null ? "keel insight shows each setting and its remedy" : errors.get(0).remedy());
            }
            return Outcome.pass("insight settings checks: no error" + w);
        }

        Outcome initialData() {
            List<Table> tables = ownTables();
            if (tables.isEmpty()) {
                return Outcome.fail("the database has no tables of the project", "keel migrate, then load the initial data");
            }
            List<String> empty = new ArrayList<>();
            // one round trip per 1,000 tables (a select list holds at most 1,664 columns), under a lock timeout
            try (Statement st = connection().createStatement()) {
                st.execute("set lock_timeout = '2s'");
                try {
                    for (int from = 0; from < tables.size(); from += 1000) {
                        List<Table> chunk = tables.subList(from, Math.min(tables.size(), from + 1000));
                        String sql = "select " + String.join(", ", chunk.stream()
                                .map(t -> "exists (select 1 from " + Identifiers.qualified(t.schema(), t.name()) + ")").toList());
                        try (ResultSet rs = st.executeQuery(sql)) {
                            rs.next();
                            for (int i = 0; i < chunk.size(); i++) {
                                if (!rs.getBoolean(i + 1)) {
                                    empty.add(chunk.get(i).schema() + "." + chunk.get(i).name());
                                }
                            }
                        }
                    }
                } finally {
                    st.execute("reset lock_timeout");
                }
            } catch (SQLException e) {
                return Outcome.fail("cannot read the tables: " + oneLine(e.getMessage()),
                        "grant SELECT on the project's tables to the role keel connects as");
            }
            if (!empty.isEmpty()) {
                return Outcome.fail(empty.size() + " of " + tables.size() + " tables empty: " + names(empty),
                        "load the initial data (keel load, or a repeatable migration); when a table stays empty by design, list this item in check.optional");
            }
            return Outcome.pass("all " + tables.size() + " tables of the project have rows");
        }

        Outcome monitoring() {
            Optional<Finding> unavailable = insight().findings().list().stream()
                    .filter(f -> f.rule().equals("insight.statements-unavailable")).findFirst();
            boolean statements = insight().statements().isPresent() && unavailable.isEmpty();
            List<String> problems = new ArrayList<>();
            int families = MetricsCollectors.collect(connection(), problems::add).size();
            String why = unavailable.map(f -> oneLine(f.message()).replaceFirst(": the statement checks.*", ""))
                    .orElse("pg_stat_statements not available");
            String evidence = (statements ? "pg_stat_statements on" : why)
                    + "; keel metrics collectors: " + families + " families" + (problems.isEmpty() ? "" : ", problems: " + names(problems))
                    + "; the /metrics endpoint (keel serve) is not checked by this version";
            if (!statements) {
                return Outcome.fail(evidence, unavailable.map(Finding::remedy).map(r -> r.replace('\n', ' '))
                        .orElse("add pg_stat_statements to shared_preload_libraries (restart), then CREATE EXTENSION pg_stat_statements;"));
            }
            if (!problems.isEmpty()) {
                return Outcome.fail(evidence, "grant pg_monitor to the role keel connects as");
            }
            return Outcome.pass(evidence);
        }

        Outcome backupProcedures() {
            LocalRepository repo = new LocalRepository(project.backupRepository());
            Duration maxAge = project.config().check().backupMaxAgeDuration();
            // the newest complete physical backup, as restore and verify pick it
            String newestId = BackupCatalog.latestPhysical(repo).orElse(null);
            Optional<Instant> newest = Optional.ofNullable(newestId)
                    .map(id -> BackupReader.metadataOf(repo, id).get("stopTime")).map(Instant::parse);
            List<String> problems = new ArrayList<>();
            String backup;
            if (newest.isEmpty()) {
                backup = "no complete backup in " + project.config().backup().repository();
                problems.add("keel backup full");
            } else {
                Duration ago = Duration.between(newest.get(), ctx.now());
                backup = "newest complete backup " + newestId + " " + age(ago) + " ago (policy " + span(maxAge) + ")";
                if (ago.compareTo(maxAge) > 0) {
                    problems.add("keel backup full (or incr), e.g. daily: the newest is older than check.backup-max-age");
                }
            }
            String wal;
            try {
                WalSetup.Status s = WalSetup.status(connection());
                if (!s.archiving()) {
                    wal = "WAL archiving off (archive_mode " + s.archiveMode() + ")";
                    problems.add("keel wal setup (then restart the server)");
                } else if (s.failing()) {
                    wal = "WAL archiving failing since " + s.lastFailedTime() + " (" + s.lastFailedWal() + ")";
                    problems.add("the server log says why archive_command fails; keel wal status shows the archiver");
                } else {
                    wal = "WAL archiving on, " + s.archivedCount() + " segments archived"
                            + (s.lagSegments() > 0 ? ", " + s.lagSegments() + " waiting" : "");
                }
            } catch (SQLException e) {
                wal = "cannot read the archiver: " + oneLine(e.getMessage());
                problems.add("grant pg_monitor to the role keel connects as");
            }
            String evidence = backup + "; " + wal;
            return problems.isEmpty() ? Outcome.pass(evidence) : Outcome.fail(evidence, String.join("; ", problems));
        }

        Outcome documentation() {
            List<Table> tables = ownTables();
            if (tables.isEmpty()) {
                return Outcome.fail("the database has no tables of the project to document", "keel migrate");
            }
            List<String> tablesWithout = new ArrayList<>();
            List<String> columnsWithout = new ArrayList<>();
            for (Table t : tables) {
                String q = t.schema() + "." + t.name();
                if (t.comment() == null || t.comment().isBlank()) {
                    tablesWithout.add(q);
                }
                for (Column c : t.columns()) {
                    if (c.comment() == null || c.comment().isBlank()) {
                        columnsWithout.add(q + "." + c.name());
                    }
                }
            }
            int columns = tables.stream().mapToInt(t -> t.columns().size()).sum();
            if (tablesWithout.isEmpty() && columnsWithout.isEmpty()) {
                return Outcome.pass("every one of " + tables.size() + " tables and " + columns + " columns has a comment");
            }
            List<String> parts = new ArrayList<>();
            if (!tablesWithout.isEmpty()) {
                parts.add(tablesWithout.size() + " of " + tables.size() + " tables without a comment: " + names(tablesWithout));
            }
            if (!columnsWithout.isEmpty()) {
                parts.add(columnsWithout.size() + " of " + columns + " columns without a comment: " + names(columnsWithout));
            }
            String next = !tablesWithout.isEmpty()
                    ? "COMMENT ON TABLE " + tablesWithout.get(0) + " IS '...'; (in a migration, for each table and column listed)"
                    : "COMMENT ON COLUMN " + columnsWithout.get(0) + " IS '...'; (in a migration, for each column listed)";
            return Outcome.fail(String.join("; ", parts), next);
        }

        // ---- operational ------------------------------------------------------------------------------------

        Outcome maintenance() {
            // the tables keel maintain would vacuum or analyze: the same findings, grouped per table by its plan
            List<MaintenanceAction> overdue = MaintenancePlan.from(insight().findings().list().stream()
                            .filter(f -> f.severity().isAtLeast(Severity.WARNING)).toList()).actions().stream()
                    .filter(a -> a.kind() == MaintenanceAction.Kind.VACUUM || a.kind() == MaintenanceAction.Kind.ANALYZE
                            || a.kind() == MaintenanceAction.Kind.VACUUM_ANALYZE).toList();
            String unrecorded = "maintenance runs are not recorded by this version";
            if (!overdue.isEmpty()) {
                List<String> shown = overdue.stream().map(MaintenanceAction::sql).toList();
                return Outcome.fail(overdue.size() + " table" + (overdue.size() == 1 ? "" : "s") + " overdue: " + names(shown)
                        + "; " + unrecorded, "keel maintain run (or check autovacuum's settings: keel insight)");
            }
            return Outcome.pass("no table overdue for vacuum or analyze; " + unrecorded);
        }

        Outcome verifyProcedure() {
            Optional<Duration> interval = project.config().check().verifyIntervalDuration();
            if (interval.isEmpty()) {
                return Outcome.notConfigured("no check.verify-interval in keel.yaml",
                        "declare how often backups are verified, e.g. check: {verify-interval: 1d}, and run keel backup verify --schedule 1d");
            }
            VerifyHistory.History h = VerifyHistory.read(project.keelDir().resolve(VerifyHistory.FILE_NAME));
            String schedule = "keel backup verify --schedule " + span(interval.get());
            if (h.runs().isEmpty()) {
                return Outcome.fail("no keel backup verify run recorded (interval " + span(interval.get()) + ")", schedule);
            }
            Duration allowed = Duration.ofMillis((long) (interval.get().toMillis() * (1 + VERIFY_GRACE)));
            VerifyHistory.Run last = h.runs().get(h.runs().size() - 1);
            Duration ago = Duration.between(last.verifiedAt(), ctx.now());
            Instant since = ctx.now().minus(window());
            long inWindow = h.runs().stream().filter(r -> !r.verifiedAt().isBefore(since)).count();
            String evidence = h.runs().size() + " verification" + (h.runs().size() == 1 ? "" : "s") + " recorded, "
                    + inWindow + " in the last " + span(window()) + "; last " + age(ago) + " ago (interval " + span(interval.get()) + ")";
            if (ago.compareTo(allowed) > 0) {
                return Outcome.fail(evidence + ": overdue", schedule);
            }
            return Outcome.pass(evidence);
        }

        Outcome performanceMonitoring() {
            List<StatementHistory.StoredSnapshot> s = snapshots();
            if (s.isEmpty()) {
                return Outcome.fail("no statement snapshot stored on " + ctx.target().name(),
                        "keel insight snapshot, scheduled (e.g. hourly from cron)");
            }
            StatementHistory.StoredSnapshot last = s.get(s.size() - 1);
            Duration ago = Duration.between(last.takenAt(), ctx.now());
            String evidence = s.size() + " snapshot" + (s.size() == 1 ? "" : "s") + " stored; last " + age(ago) + " ago"
                    + (last.statementsAvailable() ? "" : " (without pg_stat_statements)");
            if (ago.compareTo(SNAPSHOT_MAX_AGE) > 0) {
                return Outcome.fail(evidence + ": none within the last day", "keel insight snapshot, scheduled (e.g. hourly from cron)");
            }
            return Outcome.pass(evidence);
        }

        Outcome capacityProcess() {
            Instant since = ctx.now().minus(window());
            StatementHistory.Growth recent = StatementHistory.growth(connection(), since);
            List<String> problems = new ArrayList<>();
            String trend;
            if (recent.database().isEmpty()) {
                trend = "no size trend in the last " + span(window()) + " (" + recent.snapshots() + " snapshot"
                        + (recent.snapshots() == 1 ? "" : "s") + ")";
                problems.add("trend");
            } else {
                StatementHistory.SizeTrend t = recent.database().get();
                trend = String.format(Locale.ROOT, "trend over the last %s: %+.2f%%/day from %d snapshots", span(window()),
                        t.percentPerDay(), recent.snapshots());
            }
            String headroom = headroom(problems);
            String evidence = trend + "; " + headroom;
            if (problems.isEmpty()) {
                return Outcome.pass(evidence);
            }
            return Outcome.fail(evidence, problems.contains("trend")
                    ? "keel insight snapshot at least daily, and review the growth in keel insight history"
                    : "add headroom before the trend runs out: free disk space or pool connections");
        }

        Outcome continuousImprovement() {
            CheckHistory.History h = CheckHistory.read(CheckHistory.file(project.keelDir()));
            List<CheckHistory.Run> earlier = h.since(ctx.now().minus(window()));
            if (h.runs().isEmpty()) {
                return Outcome.fail("no earlier keel check run stored (this run is the first)",
                        "run keel check regularly, e.g. daily in CI, so the trend shows");
            }
            if (earlier.isEmpty()) {
                return Outcome.fail(h.runs().size() + " earlier runs stored, none in the last " + span(window()),
                        "run keel check regularly, e.g. daily in CI");
            }
            int first = failing(earlier.get(0));
            int last = failing(earlier.get(earlier.size() - 1));
            String evidence = earlier.size() + " run" + (earlier.size() == 1 ? "" : "s") + " in the last " + span(window())
                    + "; failing items " + first + (earlier.size() > 1 ? " → " + last : "") + " (this item not counted)";
            if (last > first) {
                return Outcome.fail(evidence + ": going up", "fix the items failing since the first run of the window");
            }
            return Outcome.pass(evidence);
        }

        private static int failing(CheckHistory.Run r) {
            return (int) r.items().entrySet().stream()
                    .filter(e -> e.getValue() == CheckStatus.FAIL && !e.getKey().equals(CONTINUOUS_IMPROVEMENT)).count();
        }
    }
}
