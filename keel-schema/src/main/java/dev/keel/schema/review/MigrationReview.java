package dev.keel.schema.review;

import dev.keel.core.KeelException;
import dev.keel.core.findings.Finding;
import dev.keel.core.findings.Findings;
import dev.keel.core.findings.Severity;
import dev.keel.embedded.EmbeddedPostgres;
import dev.keel.schema.lint.LintContext;
import dev.keel.schema.lint.MigrationLinter;
import dev.keel.schema.measure.MeasuredFindings;
import dev.keel.schema.measure.MigrationMeasurer;
import dev.keel.schema.measure.ScratchDatabase;
import dev.keel.schema.migrate.MigrationResolver;
import dev.keel.schema.migrate.MigrationVersion;
import dev.keel.schema.migrate.ResolvedMigration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * {@code keel lint} as a library: the static rules on every file, the measured analysis on a scratch copy
 * in the embedded server (the migrations before the first linted file applied, then each linted file
 * measured statement by statement), the two merged, plus project-level checks: a V file without its U file.
 */
public final class MigrationReview {

    /** The rule for a versioned migration that has no undo file. */
    public static final String MISSING_UNDO = "lint.missing-undo";
    /** The rule for an applied migration whose file was edited afterwards. */
    public static final String EDITED_APPLIED = "lint.edited-applied-file";

    private MigrationReview() {
    }

    /**
     * Lints {@code files} in the order given.
     *
     * @param locations     the project's migration folders (for undo files and the scratch copy)
     * @param scratchServer a running embedded server for the measured analysis; null for static rules only
     * @param display       how a path is shown in findings (relative to the working directory, usually)
     */
    public static Findings lint(List<Path> files, List<Path> locations, LintContext context, EmbeddedPostgres scratchServer,
                                Function<Path, String> display) {
        Objects.requireNonNull(files, "null files");
        List<ResolvedMigration> project = locations.stream().allMatch(Files::isDirectory)
                ? MigrationResolver.resolve(locations) : List.of();
        List<Finding> rule = new ArrayList<>();
        for (Path file : files) {
            rule.addAll(MigrationLinter.lint(display.apply(file), read(file), context));
            missingUndo(file, project, display).ifPresent(rule::add);
        }
        if (scratchServer == null || files.isEmpty()) {
            return Findings.of(rule);
        }
        List<Finding> measured = new ArrayList<>();
        try (ScratchDatabase scratch = ScratchDatabase.create(scratchServer)) {
            scratch.applyMigrations(locations, versionBefore(files.get(0), project));
            try (MigrationMeasurer measurer = MigrationMeasurer.open(scratch)) {
                for (Path file : files) {
                    measured.addAll(MeasuredFindings.findings(display.apply(file), measurer.measure(file)));
                }
            }
        }
        return Findings.of(dropCovered(MeasuredFindings.merge(rule, measured)));
    }

    /**
     * A measured finding that did not merge into a static one (it names another relation, e.g. each partition
     * of a partitioned table the static rule already reported) adds nothing when a static finding on the same
     * statement is at least as severe: it is dropped, so one statement gives one report.
     */
    static List<Finding> dropCovered(List<Finding> findings) {
        List<Finding> out = new ArrayList<>();
        for (Finding f : findings) {
            boolean measuredOnly = "measurement".equals(f.evidence().get("basis"));
            boolean covered = measuredOnly && f.location() != null && findings.stream().anyMatch(o -> o != f
                    && !"measurement".equals(o.evidence().get("basis")) && o.location() != null
                    && o.location().equals(f.location()) && !o.rule().equals(MISSING_UNDO)
                    && o.severity().compareTo(f.severity()) <= 0);
            if (!covered) {
                out.add(f);
            }
        }
        return out;
    }

    /**
     * The version just before {@code file} when it is a versioned migration of the project (the scratch copy
     * is built up to there); otherwise every migration (null).
     */
    static MigrationVersion versionBefore(Path file, List<ResolvedMigration> project) {
        ResolvedMigration m = project.stream().filter(p -> sameFile(p.path(), file)).findFirst().orElse(null);
        if (m == null || m.version() == null) {
            return null;
        }
        return project.stream().filter(p -> p.kind() == ResolvedMigration.Kind.VERSIONED
                        && p.version().compareTo(m.version()) < 0)
                .map(ResolvedMigration::version).max(MigrationVersion::compareTo)
                .orElse(new MigrationVersion(List.of(java.math.BigInteger.ZERO)));
    }

    private static java.util.Optional<Finding> missingUndo(Path file, List<ResolvedMigration> project,
                                                           Function<Path, String> display) {
        ResolvedMigration m = project.stream().filter(p -> sameFile(p.path(), file)).findFirst().orElse(null);
        if (m == null || m.kind() != ResolvedMigration.Kind.VERSIONED) {
            return java.util.Optional.empty();
        }
        boolean hasUndo = project.stream().anyMatch(p -> p.kind() == ResolvedMigration.Kind.UNDO && p.version().equals(m.version()));
        if (hasUndo) {
            return java.util.Optional.empty();
        }
        String undo = "U" + m.script().substring(1);
        return java.util.Optional.of(Finding.of(MISSING_UNDO, Severity.WARNING, m.script(),
                        m.script() + " has no undo file: keel undo cannot reverse it",
                        "write " + undo + " next to it with the statements that reverse it")
                .withEvidence("basis", "rule").at(display.apply(file), 0));
    }

    /** Validation's checksum findings, as lint warnings about edited applied files. */
    public static List<Finding> editedAppliedFiles(Findings validation) {
        List<Finding> out = new ArrayList<>();
        for (Finding f : validation) {
            if (f.rule().equals("migrate.checksum-mismatch")) {
                Finding w = Finding.of(EDITED_APPLIED, Severity.WARNING, f.object(), f.message(), f.remedy());
                if (f.location() != null) {
                    w = w.at(f.location().file(), f.location().line());
                }
                out.add(w.withEvidence("basis", "rule"));
            }
        }
        return out;
    }

    private static boolean sameFile(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KeelException("cannot read " + file + ": " + e.getMessage(), null, KeelException.USAGE, e);
        }
    }
}
