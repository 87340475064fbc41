package dev.keel.ops.backup;

import dev.keel.core.KeelException;
import dev.keel.embedded.BinaryLocator;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code keel wal push} and {@code keel wal fetch} as PostgreSQL runs them, as archive_command and
 * restore_command: a plain {@code main} without the CLI's command tree, so each start of the JVM is cheap
 * (see bench/RESULTS.md). The full CLI's {@code keel wal push|fetch} run the same code.
 *
 * <pre>
 *   push  --repository DIR [--compression zstd|lz4|none] [--ahead N] [--no-waldump] FILE
 *   fetch --repository DIR [--key-file FILE] NAME DEST     (key: --key-file, else KEEL_BACKUP_KEY)
 * </pre>
 * Exit codes: 0 done; 1 fetch found no such file (the normal end of the archive); 2 bad usage; 3 failure.
 */
public final class WalCommandLine {

    /** How many ready segments one push archives beyond the one PostgreSQL asked for. */
    public static final int DEFAULT_AHEAD = 16;

    private WalCommandLine() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs push or fetch; errors go to stderr as one line. */
    public static int run(String... args) {
        try {
            if (args.length == 0) {
                throw BackupException.usage("wal: push or fetch expected", "see keel wal --help");
            }
            List<String> positional = new ArrayList<>();
            String repository = null;
            String compression = "zstd";
            String keyFile = null;
            int ahead = DEFAULT_AHEAD;
            boolean waldump = true;
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "--repository" -> repository = value(args, ++i);
                    case "--compression" -> compression = value(args, ++i);
                    case "--key-file" -> keyFile = value(args, ++i);
                    case "--ahead" -> ahead = Integer.parseInt(value(args, ++i));
                    case "--no-waldump" -> waldump = false;
                    default -> positional.add(args[i]);
                }
            }
            if (repository == null) {
                throw BackupException.usage("wal " + args[0] + ": --repository DIR is required", null);
            }
            Repository repo = new LocalRepository(Path.of(repository));
            switch (args[0]) {
                case "push" -> {
                    if (positional.size() != 1) {
                        throw BackupException.usage("wal push needs one file (%p)", null);
                    }
                    boolean scan = waldump;
                    new WalArchive(repo).push(Path.of(positional.get(0)), Compression.fromId(compression.toLowerCase(Locale.ROOT)),
                            () -> BackupKeys.currentPublicKey(repo), () -> scan ? waldump() : null, ahead);
                    return 0;
                }
                case "fetch" -> {
                    if (positional.size() != 2) {
                        throw BackupException.usage("wal fetch needs a file name and a destination (%f %p)", null);
                    }
                    return fetch(repo, positional.get(0), Path.of(positional.get(1)), privateKey(keyFile)) ? 0 : 1;
                }
                default -> throw BackupException.usage("wal: unknown command " + args[0], "use push or fetch");
            }
        } catch (KeelException e) {
            System.err.println("keel wal: " + e.getMessage() + e.remedy().map(r -> " — " + r).orElse(""));
            return e.exitCode();
        } catch (RuntimeException e) {
            System.err.println("keel wal: " + e);
            return KeelException.RUNTIME;
        }
    }

    /** Archives {@code file} and the segments ready after it into {@code repo}. */
    public static WalArchive.PushResult push(Repository repo, Path file, Compression compression, Path pgWaldump, int ahead) {
        return new WalArchive(repo).push(file, compression, () -> BackupKeys.currentPublicKey(repo), () -> pgWaldump, ahead);
    }

    public static boolean fetch(Repository repo, String name, Path dest, PrivateKey key) {
        return new WalArchive(repo).fetch(name, dest, key);
    }

    /** pg_waldump, when installed; the archive then knows commit times and restore points without the key. */
    public static Path waldump() {
        return BinaryLocator.clientProgram("pg_waldump", null).orElse(null);
    }

    private static PrivateKey privateKey(String keyFile) {
        if (keyFile != null) {
            return BackupKeys.loadPrivateKey(Path.of(keyFile));
        }
        String env = System.getenv("KEEL_BACKUP_KEY");
        if (env != null && !env.isBlank()) {
            return BackupKeys.privateKeyFromPem(env);
        }
        throw BackupException.usage("wal fetch needs the private key", "pass --key-file FILE or set KEEL_BACKUP_KEY");
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw BackupException.usage("option " + args[i - 1] + " needs a value", null);
        }
        return args[i];
    }

    /** The file, in the repository's root, with the JVM options and class path archive_command starts Java with. */
    static final String ARGS_FILE = ".keel-java.args";

    /**
     * The Java command that starts this class again, for archive_command and restore_command. PostgreSQL cuts
     * those commands at 1,023 bytes, so the class path goes into a Java argument file in the repository
     * (hidden, never listed as an object).
     */
    public static String javaCommand(Path repository) {
        String javaBin = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isBlank()) {
                cp.add(Path.of(e).toAbsolutePath().normalize().toString());
            }
        }
        // A push or fetch is one short JVM with one segment: C1 alone starts it sooner, and the JDK's GCM (see Crypto)
        // is quick enough for a segment without C2's intrinsics (bench/RESULTS.md: 0.35-0.39 s a push, against
        // 0.38-0.44 s for the tiered jar before).
        String jit = "-XX:TieredStopAtLevel=1\n";
        String args = "-XX:+UseSerialGC\n-XX:-UsePerfData\n-Xshare:auto\n" + classArchive(System.getenv()) + jit + "-cp\n"
                + argQuote(String.join(java.io.File.pathSeparator, cp)) + "\n" + WalCommandLine.class.getName() + "\n";
        Path root = repository.toAbsolutePath().normalize();
        Path file = root.resolve(ARGS_FILE);
        try {
            java.nio.file.Files.createDirectories(root);
            if (!java.nio.file.Files.exists(file) || !java.nio.file.Files.readString(file).equals(args)) {
                Path temp = root.resolve(ARGS_FILE + ".tmp");
                java.nio.file.Files.writeString(temp, args);
                java.nio.file.Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (java.io.IOException e) {
            throw BackupException.runtime("cannot write " + file + ": " + e.getMessage(), "check the repository's rights", e);
        }
        return shellQuote(javaBin) + " " + shellQuote("@" + file);
    }

    /**
     * The launcher's class-data archive (KEEL_CLASS_ARCHIVE) as JVM options, when there is one: a push maps Keel's
     * classes instead of loading them from the jar (0.34-0.36 s a push instead of 0.41-0.43 s, bench/RESULTS.md). A
     * later build leaves it stale until the launcher makes a new one; the JVM then skips it without a word.
     */
    static String classArchive(java.util.Map<String, String> env) {
        String archive = env.get("KEEL_CLASS_ARCHIVE");
        if (archive == null || archive.isBlank() || !java.nio.file.Files.isReadable(Path.of(archive))) {
            return "";
        }
        return argQuote("-XX:SharedArchiveFile=" + Path.of(archive).toAbsolutePath().normalize()) + "\n-Xlog:cds=off\n";
    }

    /** The archive_command that pushes into {@code repository}. */
    public static String archiveCommand(Path repository, Compression compression) {
        return javaCommand(repository) + " push --repository "
                + shellQuote(repository.toAbsolutePath().normalize().toString()) + " --compression " + compression.id() + " %p";
    }

    /** The restore_command that fetches from {@code repository}; without a key file the key comes from KEEL_BACKUP_KEY. */
    public static String restoreCommand(Path repository, Optional<Path> keyFile) {
        return javaCommand(repository) + " fetch --repository " + shellQuote(repository.toAbsolutePath().normalize().toString())
                + keyFile.map(k -> " --key-file " + shellQuote(k.toAbsolutePath().normalize().toString())).orElse("")
                + " %f %p";
    }

    private static String argQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
