package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.catalog.Catalog;
import dev.keel.core.catalog.CatalogOptions;
import dev.keel.core.catalog.CatalogReader;
import dev.keel.core.catalog.CatalogSummary;
import dev.keel.core.design.SchemaDesignRules;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.Severity;
import dev.keel.core.findings.FindingsRenderer;
import dev.keel.core.progress.Progress;
import dev.keel.core.project.Project;
import dev.keel.core.project.ProjectLoader;
import dev.keel.core.sample.SampleLoader;
import dev.keel.core.connect.ConnectionSpec;
import dev.keel.embedded.BinaryLocator;
import dev.keel.ops.backup.BackupKeys;
import dev.keel.ops.backup.BackupVerifier;
import dev.keel.ops.backup.BaseBackups;
import dev.keel.ops.backup.LocalRepository;
import dev.keel.ops.insight.IndexAdvice;
import dev.keel.ops.insight.IndexAdvisor;
import dev.keel.ops.insight.Insight;
import dev.keel.ops.insight.InsightOptions;
import dev.keel.ops.insight.InsightReport;
import dev.keel.ops.insight.Workload;
import dev.keel.core.project.Target;
import dev.keel.server.KeelServer;
import dev.keel.server.ServerOptions;
import dev.keel.server.check.CheckContext;
import dev.keel.server.check.CheckRun;
import dev.keel.server.check.CheckStatus;
import dev.keel.schema.lint.LintContext;
import dev.keel.schema.migrate.MigrationSettings;
import dev.keel.schema.review.MigrationReview;
import dev.keel.schema.migrate.Migrator;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.embedded.ServerStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keel demo}: Keel's main job on the embedded default, on the sample shop in examples/commerce —
 * start the embedded PostgreSQL, build the sample database, show its catalog and its schema-design findings.
 */
@Command(name = "demo", header = "Run Keel on the sample shop with the embedded PostgreSQL.", mixinStandardHelpOptions = true,
        description = {"Run Keel on the sample shop (examples/commerce) with the embedded PostgreSQL:",
            "start it, build the sample database, show its catalog and schema-design findings."})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--scale", defaultValue = "1", paramLabel = "N",
            description = "sample data size: 1 = 1,000 customers and 5,000 orders (default: ${DEFAULT-VALUE})")
    int scale;

    @Option(names = "--example", paramLabel = "DIR", description = "the sample project (default: examples/commerce of the Keel checkout)")
    Path example;

    @Option(names = "--no-serve", description = "end after the tour instead of serving the dashboard until Ctrl-C (for scripts)")
    boolean noServe;

    @Override
    public Integer call() throws SQLException {
        Cli cli = new Cli(spec);
        if (scale < 1 || scale > 100) {
            throw new KeelException("--scale must be from 1 to 100, was " + scale, null, KeelException.USAGE, null);
        }
        Path dir = example != null ? example.toAbsolutePath().normalize() : findExample();
        Project project = ProjectLoader.load(dir.resolve(ProjectLoader.FILE_NAME), dir, System.getenv());
        var out = cli.out();
        out.println("Keel demo: the sample shop in " + dir);
        out.println();

        EmbeddedPostgres server = project.embeddedServer();
        step(cli, 1, "embedded PostgreSQL");
        boolean wasRunning = server.status().running();
        ServerStatus status = server.start();
        out.printf("      %s PostgreSQL %s (%s) on 127.0.0.1:%d, data in %s%n", wasRunning ? "running:" : "started:",
                status.version(), status.provider().label(), status.port(), relative(server.home()));

        String database = project.embeddedDatabase();
        step(cli, 2, "sample database '" + database + "'");
        server.dropDatabase(database);
        server.ensureDatabase(database);
        Path data = dir.resolve("data/generate.sql");
        Migrator migrator = Migrator.of(() -> {
            try {
                return server.connect(database);
            } catch (SQLException e) {
                throw new KeelException("cannot connect to the embedded database: " + e.getMessage(), e);
            }
        }, MigrationSettings.from(project));
        Migrator.MigrateResult migrated;
        try (MigrationCommands.Reporter reporter = new MigrationCommands.Reporter(cli, "migrate")) {
            migrated = migrator.migrate(null, reporter);
        }
        out.printf("      applied %d migrations; schema at version %s (history in flyway_schema_history)%n",
                migrated.applied().size(), migrated.currentVersion());
        try (Connection c = server.connect(database)) {
            if (Files.isRegularFile(data)) {
                long t0 = System.nanoTime();
                SampleLoader.generate(c, data, scale);
                out.printf(Locale.ROOT, "      generated sample data at scale %d in %.1f s%n", scale,
                        (System.nanoTime() - t0) / 1e9);
            }

            step(cli, 3, "catalog");
            Catalog catalog;
            try (Progress progress = Progress.start("inspect", -1, Progress.Unit.count("queries"), cli.progress())) {
                catalog = CatalogReader.read(c, new CatalogOptions(List.of(), true), progress);
            }
            out.println();
            out.print(indent(CatalogSummary.render(catalog)));
            out.println();

            step(cli, 4, "schema-design findings");
            Findings findings = SchemaDesignRules.check(catalog, dev.keel.schema.migrate.MigrationSettings.from(project).ownTables());
            out.println();
            FindingsRenderer.text(cli.color(), 100).render(findings, out);
            out.println();
        }
        Path unsafe = dir.resolve("unsafe/V7__unsafe_changes.sql");
        if (Files.isRegularFile(unsafe)) {
            step(cli, 5, "migration lint of an unsafe change (" + relative(unsafe) + ")");
            out.println("      static rules, then each statement measured on a scratch copy in the embedded server");
            Findings lint = MigrationReview.lint(List.of(unsafe), project.migrationLocations(),
                    LintContext.defaults(), server, DemoCommand::relative);
            out.println();
            FindingsRenderer.text(cli.color(), 100).render(lint, out);
            out.println();
        }
        step(cli, 6, "a short workload, then the insight report and the index advice");
        insight(cli, server, database);

        step(cli, 7, "encrypted backup and WAL archive, proven by restoring it");
        LocalRepository repo = BackupCommands.repository(project);
        Path keyFile = BackupCommands.defaultKeyFile(project);
        if (!Files.exists(keyFile)) {
            BackupKeys.keygen(repo, keyFile);
        }
        WalCommands.ensureArchiving(cli, project, project.target(null, null), repo);
        BaseBackups.Result backup;
        try (Progress progress = new BackupCommands.LazyProgress(cli, "backup")) {
            backup = BaseBackups.full(new ConnectionSpec("127.0.0.1", status.port(), database, EmbeddedPostgres.SUPERUSER,
                    server.password(), java.util.Map.of()), BinaryLocator.clientProgram("pg_basebackup", server.binaries())
                    .orElseThrow(() -> new KeelException("pg_basebackup is not installed",
                            "install it (Debian: apt-get install postgresql-client-15)", KeelException.RUNTIME, null)),
                    repo, BackupCommands.compression(project), status.version(), progress, BackupCommands.stateDir(project),
                    BackupCommands.maxRateKb(project, null), BackupCommands.engine(project, null));
        }
        String compression = project.config().backup().compression();
        out.printf("      backup %s: %s %s, through %sAES-256-GCM into %s%n", backup.id(),
                Progress.Unit.BYTES.format(backup.rawBytes()), backup.engine().how(),
                compression.equals("none") ? "" : compression + " and ", relative(repo.root()));
        BackupVerifier.Result verified;
        try (Progress progress = new BackupCommands.LazyProgress(cli, "verify")) {
            verified = BackupVerifier.verify(repo, backup.id(), BackupKeys.loadPrivateKey(keyFile), server.binaries(),
                    project.keelDir().resolve("verify-scratch"), progress);
        }
        out.printf(Locale.ROOT, "      verify: %s; restored and started in %.1f s (RTO), %d B-tree indexes checked, RPO %d s%n",
                verified.ok() ? "PASS" : "FAIL " + verified.problems(), verified.rtoMillis() / 1000.0,
                verified.indexesChecked(), verified.rpo().toSeconds());
        out.printf("      WAL is archived into %s as it fills (at least every minute): keel restore --time T recovers to any%n"
                + "      moment since the backup; keel wal status shows the archiver%n", relative(repo.root()));
        out.println();

        step(cli, 8, "readiness against the blueprint's checklist (keel check)");
        Target target = project.target(null, null);
        CheckRun checked = CheckRun.evaluate(CheckContext.of(project, target, cli::status), true, p -> cli.status("keel: " + p));
        Map<CheckStatus, Integer> counts = checked.report().counts();
        out.printf("      %d pass, %d fail, %d not configured, %d not available in this version; for example:%n",
                counts.get(CheckStatus.PASS), counts.get(CheckStatus.FAIL), counts.get(CheckStatus.NOT_CONFIGURED),
                counts.get(CheckStatus.NOT_AVAILABLE));
        checked.report().items().stream().filter(i -> i.status() == CheckStatus.FAIL).limit(3).forEach(i ->
                out.printf("      ✗ %s: %s%n        next: %s%n", i.item(), i.evidence(), i.next()));
        out.println("      (keel check in " + relative(dir) + " lists every item with its evidence)");
        out.println();
        if (noServe) {
            out.println("Next: cd " + relative(dir) + " and try `keel serve`, `keel insight`, `keel advise indexes`, `keel check`,"
                    + " `keel db psql`.");
            out.println("Stop the database with `keel db stop` there; the data stays in " + relative(server.home()) + ".");
            out.flush();
            return 0;
        }
        ServerOptions options = ServerOptions.from(project, System.getenv());
        KeelServer dashboard;
        try {
            dashboard = KeelServer.start(options, project, target);
        } catch (KeelException e) {
            cli.status("keel demo: port " + options.port() + " is taken; serving on a free port instead");
            dashboard = KeelServer.start(options.withPort(0), project, target);
        }
        out.println("The dashboard of the sample shop (health, statements over time, migrations, backups, readiness):");
        out.println("  " + dashboard.url() + "?token=" + dashboard.token().value());
        out.println("  (the token is kept in " + relative(dashboard.token().file()) + "; `keel serve` in " + relative(dir)
                + " serves it again)");
        out.println("Ctrl-C stops the dashboard; the database keeps running (`keel db stop` in " + relative(dir) + ").");
        out.flush();
        ServeCommand.untilStopped(dashboard);
        return 0;
    }

    private static final int STEPS = 8;

    /**
     * The shop's everyday reads, run for real with varied values so pg_stat_statements weighs them: most are
     * served by the migrations' indexes; audit lookups by entity and the newest orders of a status are not.
     */
    private static final List<String> WORKLOAD = List.of(
            "select o.order_id, o.status, o.placed_at from shop.orders o where o.customer_id = ? order by o.placed_at desc",
            "select l.product_id, l.quantity from shop.order_lines l where l.order_id = ?",
            "select occurred_at, actor, action from shop.audit_events where entity_type = 'order' and entity_id = ?",
            "select order_id, placed_at from shop.orders where status = 'pending' and placed_at > now() - make_interval(days => ?)"
                    + " order by placed_at desc limit 20",
            "select p.name, p.price from shop.products p where p.product_id = ?");

    /** Step 6: a short real workload, then {@code keel insight} and {@code keel advise indexes} on it. */
    private static void insight(Cli cli, EmbeddedPostgres server, String database) throws SQLException {
        var out = cli.out();
        int rounds = 200;
        long t0 = System.nanoTime();
        try (Connection c = server.connect(database)) {
            try (var st = c.createStatement()) {
                st.execute("create extension if not exists pg_stat_statements");
                st.execute("select pg_stat_statements_reset(0, (select oid from pg_database where datname = current_database()), 0)");
            }
            java.util.Random random = new java.util.Random(42);
            for (String sql : WORKLOAD) {
                try (var ps = c.prepareStatement(sql)) {
                    for (int i = 0; i < rounds; i++) {
                        ps.setInt(1, 1 + random.nextInt(sql.contains("make_interval") ? 30 : 1000));
                        try (var rs = ps.executeQuery()) {
                            while (rs.next()) {
                                // read every row, as an application would
                            }
                        }
                    }
                }
            }
        }
        out.printf(Locale.ROOT, "      ran %d statements (%d kinds x %d) in %.1f s%n", WORKLOAD.size() * rounds, WORKLOAD.size(),
                rounds, (System.nanoTime() - t0) / 1e9);
        out.println("      keel insight:");
        out.println();
        InsightReport report;
        IndexAdvice advice;
        try (Connection c = server.connect(database)) {
            report = Insight.report(c, InsightOptions.defaults().withTopN(5).withCreateExtension(true));
            advice = IndexAdvisor.advise(c, Workload.fromStatStatements(c, 1, 100),
                    IndexAdvisor.Options.defaults().withStatus(line -> { }));
        }
        out.print(indent(InsightCommand.text(report)));
        out.println();
        // the warnings in full; the info findings counted by rule (keel insight shows them all)
        FindingsRenderer.text(cli.color(), 100).render(report.findings().atLeast(Severity.WARNING), out);
        Map<String, Long> info = report.findings().list().stream().filter(f -> f.severity() == Severity.INFO)
                .collect(java.util.stream.Collectors.groupingBy(Finding::rule, java.util.TreeMap::new,
                        java.util.stream.Collectors.counting()));
        if (!info.isEmpty()) {
            StringBuilder line = new StringBuilder();
            info.forEach((rule, n) -> line.append(line.length() == 0 ? "" : ", ").append(n).append(' ').append(rule));
            out.println("      and " + report.findings().count(Severity.INFO) + " info findings (keel insight lists them): " + line);
        }
        out.println();
        out.println("      keel advise indexes:");
        out.println();
        out.print(indent(AdviseCommands.text(advice)));
        out.println();
    }

    private static void step(Cli cli, int n, String what) {
        cli.out().printf("[%d/%d] %s%n", n, STEPS, what);
        cli.out().flush();
    }

    private static String indent(String text) {
        return text.lines().map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n");
    }

    private static String relative(Path p) {
        Path cwd = Path.of("").toAbsolutePath();
        return p.startsWith(cwd) && !p.equals(cwd) ? cwd.relativize(p).toString() : p.toString();
    }

    /** examples/commerce of the Keel checkout: next to the launcher (KEEL_ROOT), else above the working directory. */
    static Path findExample() {
        Map<String, String> env = System.getenv();
        String root = env.get("KEEL_ROOT");
        if (root != null && Files.isRegularFile(Path.of(root, "examples/commerce/keel.yaml"))) {
            return Path.of(root, "examples/commerce").toAbsolutePath().normalize();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("examples/commerce/keel.yaml"))) {
                return d.resolve("examples/commerce");
            }
        }
        throw new KeelException("the sample project examples/commerce was not found",
                "run ./keel demo from the Keel checkout, or pass --example DIR", KeelException.USAGE, null);
    }
}
